// `npm run images:build | images:export [file] | images:import [file]`
import path from 'node:path';
import { loadConfig } from '../sandbox-server/config.ts';
import { connectHostEngine } from '../sandbox-server/sandboxes/docker.ts';
import { prepareSandboxHost } from '../sandbox-server/sandboxes/host.ts';
import { exportKit, importKit } from '../sandbox-server/sandboxes/kit/archive.ts';
import { stopResolver } from '../sandbox-server/sandboxes/network.ts';

const log = (line: string) => console.log(`dockhand: ${line}`);
const [command, fileArg] = process.argv.slice(2);
const config = loadConfig();
const file = path.resolve(fileArg ?? path.join(config.stateDir, 'dockhand-kit.tar'));
const engine = connectHostEngine();

try {
  if (command === 'build') {
    const host = await prepareSandboxHost(engine, config, log);
    log(
      `kit ready in ${host.kit.seconds.toFixed(1)} s: ${host.kit.images.map((image) => `${image.tags[0]} (${image.source})`).join(', ')}`,
    );
    // The sandbox network's DNS server, started with the network, would keep this process alive.
    await stopResolver(host.network);
  } else if (command === 'export') {
    const { bytes } = await exportKit(engine, file, log);
    log(`exported ${(bytes / 1024 ** 2).toFixed(0)} MiB to ${file}; on the venue machine: npm run images:import -- ${file}`);
  } else if (command === 'import') {
    await importKit(engine, file, log);
    log(`imported; \`npm start\` will use these images without building`);
  } else {
    throw new Error(`unknown images command "${command ?? ''}": use build, export [file] or import [file]`);
  }
} catch (error) {
  console.error(`dockhand: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
