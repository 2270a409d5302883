// Dockhand's settings, read once from the environment. Everything has a default, so `npm start` needs
// no configuration; a bad value stops the start with a sentence that names the variable.
import path from 'node:path';

export type Config = {
  /** Address the HTTP server binds; a workshop sets 0.0.0.0. */
  host: string;
  port: number;
  /** The checkout (where lessons/, dist/ and the image recipes live). */
  rootDir: string;
  /** Durable state: database, admin token, image kit exports. */
  stateDir: string;
  /** Short-lived runtime files such as each sandbox's engine socket (kept short: unix sockets max 107 bytes). */
  runDir: string;
  /** Tells this Dockhand's containers, networks and volumes apart from another's on the same engine. */
  instance: string;
  /** The sandboxes' own bridge network. */
  subnet: string;
  bridgeName: string;
};

const ROOT_DIR = path.resolve(import.meta.dirname, '..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const stateDir = path.resolve(ROOT_DIR, env.DOCKHAND_STATE_DIR ?? '.dockhand');
  const instance = env.DOCKHAND_INSTANCE ?? 'main';
  if (!/^[a-z0-9][a-z0-9-]{0,23}$/.test(instance)) {
    throw new Error(`DOCKHAND_INSTANCE must be 1-24 lowercase letters, digits or dashes (got "${instance}").`);
  }
  return {
    host: env.HOST ?? '127.0.0.1',
    port: parsePort(env.PORT ?? '8080', 'PORT'),
    rootDir: ROOT_DIR,
    stateDir,
    runDir: path.resolve(env.DOCKHAND_RUN_DIR ?? defaultRunDir(instance)),
    instance,
    subnet: parseSubnet(env.DOCKHAND_SUBNET ?? '172.31.213.0/24'),
    bridgeName: env.DOCKHAND_BRIDGE ?? `dockhand-${instance}`.slice(0, 15),
  };
}

function defaultRunDir(instance: string): string {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? `/run/dockhand/${instance}` : path.join('/tmp', `dockhand-${process.getuid?.() ?? 0}`, instance);
}

function parsePort(text: string, name: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number between 0 and 65535 (got "${text}").`);
  }
  return port;
}

function parseSubnet(text: string): string {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(text);
  if (!match || match.slice(1).some((octet) => Number(octet) > 255)) {
    throw new Error(`DOCKHAND_SUBNET must be an IPv4 /24 such as 172.31.213.0/24 (got "${text}").`);
  }
  return text;
}
