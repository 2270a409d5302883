// `npm start`: builds the site if it changed, starts Dockhand, and serves until Ctrl-C or SIGTERM.
import { mkdir } from 'node:fs/promises';
import { loadConfig } from './config.ts';
import { startDockhand } from './server.ts';
import { ensureSiteBuilt } from './site-build.ts';
import { adminTokenNotice } from './workshops/admin-token.ts';

const log = (line: string) => console.log(`dockhand: ${line}`);

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadConfig();
  await mkdir(config.stateDir, { recursive: true });
  await ensureSiteBuilt(config.rootDir, log, config.courseDir);
  const dockhand = await startDockhand(config, log);
  log(adminTokenNotice(dockhand.admin));
  log(`web previews on their own origin: ${dockhand.previewUrl}`);
  log(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s: open ${dockhand.url}/`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // What happened to learners' sandboxes is said once it is known (see close()).
    log(`${signal}: stopping Dockhand`);
    dockhand.close().then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`dockhand: stopping failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`dockhand: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
