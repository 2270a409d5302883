// The one place that knows which sandbox backends exist: the composition root asks for the one the
// configuration names (DOCKHAND_BACKEND) and sees only the neutral BackendHost. A new backend is a case
// here, a config section of its own, and the contract suite (test/support/backend-contract.ts) passed.
import type { Config } from '../config.ts';
import type { BackendHost } from './backend.ts';
import { connectDind } from './dind.ts';

export function createBackend(config: Config): BackendHost {
  switch (config.backend.kind) {
    case 'dind':
      return connectDind(config);
  }
}
