// The sandbox backend contract's lifecycle, against the fake backend the other unit tests stand on: it
// keeps the fake honest, so what is proven on top of it holds for real backends too.
import { lifecycleContract } from '../support/backend-contract.ts';
import { fakeBackend } from '../support/fake-backend.ts';

const fake = fakeBackend();
lifecycleContract({ name: 'the fake backend', backend: fake, restarted: () => fake });
