// Prepares the real thing once for the whole suite (image kit, sandbox network, filled mirror) and
// removes everything the suite made at the end, even when tests failed.
import type { TestProject } from 'vitest/node';
import { ensureHostReady } from '../../sandbox-server/preflight.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { prepareSandboxHost, type SandboxHost } from '../../sandbox-server/sandboxes/host.ts';
import { dockerHostChecks } from '../../sandbox-server/sandboxes/preflight.ts';
import { leftovers, removeEverything } from './cleanup.ts';
import { testConfig } from './env.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    sandboxHost: SandboxHost;
  }
}

export default async function setup(project: TestProject) {
  const engine = connectHostEngine();
  const config = testConfig();
  await removeEverything(engine, config);
  // As `npm start` does: a freshly booted host gets /dev/net/tun fixed before any sandbox starts.
  await ensureHostReady(dockerHostChecks(engine, config.stateDir), { fix: config.fixHost }, (line) =>
    console.log(`[setup] preflight: ${line}`),
  );
  const host = await prepareSandboxHost(engine, config, (line) => console.log(`[setup] ${line}`));
  project.provide('sandboxHost', host);
  return async () => {
    await removeEverything(engine, config);
    const left = await leftovers(engine, config);
    if (left.length > 0) throw new Error(`the test suite left resources behind: ${left.join('; ')}`);
  };
}
