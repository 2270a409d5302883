// Exit 0 when a Docker Engine answers (used by the bootstrap script before anything else runs).
import { connectHostEngine } from '../sandbox-server/sandboxes/docker.ts';

await connectHostEngine()
  .ping()
  .then(
    () => process.exit(0),
    () => process.exit(1),
  );
