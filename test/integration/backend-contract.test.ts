// The sandbox backend contract against Docker-in-Docker, on the engine the suite prepared.
import { inject } from 'vitest';
import { createDindBackend } from '../../sandbox-server/sandboxes/dind.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { sandboxOptions } from '../../sandbox-server/sandboxes/host.ts';
import { engineContract, lifecycleContract } from '../support/backend-contract.ts';
import { testConfig } from '../support/env.ts';

const options = sandboxOptions(testConfig(), inject('sandboxHost'));
const dind = () => createDindBackend(connectHostEngine(), options);
const subject = { name: 'Docker-in-Docker', backend: dind(), restarted: dind };
lifecycleContract(subject);
engineContract(subject);
