// `npm start`: builds the site if it changed while it starts Dockhand, and serves until Ctrl-C or SIGTERM.
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
  // The site build (astro, CPU) and the host's preparation (image kit, mostly waiting on Debian's mirror)
  // overlap: on a fresh machine each would otherwise wait for the other.
  const [site, start] = await Promise.allSettled([ensureSiteBuilt(config.rootDir, log, config.courseDir), startDockhand(config, log)]);
  if (site.status === 'rejected') {
    if (start.status === 'fulfilled') await start.value.close();
    throw site.reason;
  }
  if (start.status === 'rejected') throw start.reason;
  const dockhand = start.value;
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
