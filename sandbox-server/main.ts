// `npm start`: prepares the host (images, network, mirror), builds the site if it changed, and serves
// Dockhand until Ctrl-C or SIGTERM.
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from './config.ts';
import { createApp } from './http/app.ts';
import { connectHostEngine, engineVersion } from './sandboxes/docker.ts';
import { prepareSandboxHost } from './sandboxes/host.ts';
import { ensureSiteBuilt } from './site-build.ts';

const log = (line: string) => console.log(`dockhand: ${line}`);

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadConfig();
  await mkdir(config.stateDir, { recursive: true });
  const engine = connectHostEngine();
  const docker = await engineVersion(engine).catch((error: Error) => {
    throw new Error(`no Docker Engine answers (${error.message}); start one, or run \`npm start\` as root to have it installed.`);
  });
  log(`Docker Engine ${docker.version} (API ${docker.apiVersion})`);
  const host = await prepareSandboxHost(engine, config, log);
  log(`image kit ready in ${host.kit.seconds.toFixed(1)} s; mirror at ${host.mirror.address}`);
  await ensureSiteBuilt(config.rootDir, log);

  const server = createApp({
    siteDir: path.join(config.rootDir, 'dist'),
    health: async () => ({
      ok: true,
      docker: await engineVersion(engine),
      kit: { state: 'ready', images: host.kit.images, mirror: host.mirror.address },
    }),
  });
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  log(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s: open http://${shownHost}:${port}/`);

  const stop = (signal: string) => {
    log(`${signal}: stopping`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`dockhand: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
