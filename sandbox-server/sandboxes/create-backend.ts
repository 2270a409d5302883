// Where the configured kind becomes a backend: the composition root and the doctor ask for the one the
// configuration names (DOCKHAND_BACKEND) and see only the neutral BackendHost. A new backend is a case
// here, its config section (a case in backend-config.ts), and the contract suite
// (test/support/backend-contract.ts) passed.
import type { Config } from '../config.ts';
import type { BackendHost } from './backend.ts';
import { connectDind } from './dind.ts';

export function createBackend(config: Config): BackendHost {
  switch (config.backend.kind) {
    case 'dind':
      return connectDind(config);
  }
}
