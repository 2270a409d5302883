// Prepares the real thing once for the whole suite (image kit, sandbox network, filled mirror) and
// removes everything the suite made at the end, even when tests failed.
import type { TestProject } from 'vitest/node';
import { leftovers, removeEverything } from '../../sandbox-server/sandboxes/cleanup.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { readySandboxHost, type SandboxHost } from '../../sandbox-server/sandboxes/host.ts';
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
  const host = await readySandboxHost(engine, config, (line) => console.log(`[setup] ${line}`));
  project.provide('sandboxHost', host);
  return async () => {
    await removeEverything(engine, config);
    const left = await leftovers(engine, config);
    if (left.length > 0) throw new Error(`the test suite left resources behind: ${left.join('; ')}`);
  };
}
