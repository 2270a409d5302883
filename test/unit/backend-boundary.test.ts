// The sandbox backend boundary, held by its imports: outside sandboxes/, the server and the site reach
// sandboxes only through the neutral modules below, and never dockerode. A second backend then changes
// nothing outside sandboxes/ (docs/architecture.md, "Another backend"). The scripts and the tests are
// tools that drive Docker-in-Docker itself (building the kit, cleaning up) and are not held to it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SANDBOXES = 'sandbox-server/sandboxes';

/** What the rest of Dockhand may import from sandboxes/: the interface and what no backend owns. */
const NEUTRAL = [
  'backend.ts',
  'backend-config.ts',
  'create-backend.ts',
  'start-error.ts',
  'inner-engine.ts',
  'learner.ts',
  'image-ref.ts',
  'pool.ts',
  'retention.ts',
  'kit/progress.ts',
];

/** Where the configured kind is turned into a backend: the only neutral modules that name one. */
const CHOOSERS = ['create-backend.ts', 'backend-config.ts'];

/** Docker-in-Docker's own modules, named so a new file in sandboxes/ is placed on one side on purpose. */
const DIND = [
  'apparmor.ts',
  'cleanup.ts',
  'dial.ts',
  'dind.ts',
  'dind-config.ts',
  'dind-diagnosis.ts',
  'disk.ts',
  'dns.ts',
  'docker.ts',
  'engine-client.ts',
  'events.ts',
  'exec.ts',
  'firewall.ts',
  'host.ts',
  'host-events.ts',
  'labels.ts',
  'network.ts',
  'own-socket.ts',
  'preflight.ts',
  'sandbox.ts',
  'subnet.ts',
  'kit/archive.ts',
  'kit/base.ts',
  'kit/build.ts',
  'kit/images.ts',
  'kit/kit.ts',
  'kit/mirror.ts',
  'seccomp/profile.ts',
];

const SOURCE = /\.(ts|mjs|astro)$/;

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && SOURCE.test(entry.name))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

/** Every module a file imports (static, dynamic, type-only), as a path from the checkout or a package name. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((match) => match[1] as string);
  return specifiers.map((specifier) =>
    specifier.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)) : specifier,
  );
}

/** What a file imports that it may not: dockerode, and any module of sandboxes/ outside `allowed`. */
function forbiddenImports(file: string, allowed: readonly string[]): string[] {
  return importsOf(file).filter((target) => {
    if (target === 'dockerode' || target.startsWith('dockerode/') || target.startsWith('docker-modem')) return true;
    if (!target.startsWith(`${SANDBOXES}/`)) return false;
    return !allowed.includes(target.slice(SANDBOXES.length + 1));
  });
}

describe('the sandbox backend boundary', () => {
  it('places every module of sandboxes/ on one side: neutral, or Docker-in-Docker', () => {
    const modules = sources(SANDBOXES).map((file) => file.slice(SANDBOXES.length + 1));
    expect([...modules].sort()).toEqual([...NEUTRAL, ...DIND].sort());
  });

  it('outside sandboxes/, the server and the site import neither dockerode nor a module of Docker-in-Docker', () => {
    const outside = [...sources('sandbox-server'), ...sources('site')].filter((file) => !file.startsWith(`${SANDBOXES}/`));
    expect(outside.length).toBeGreaterThan(50);
    const found = outside.flatMap((file) => forbiddenImports(file, NEUTRAL).map((target) => `${file} imports ${target}`));
    expect(found).toEqual([]);
  });

  it('the neutral modules name no backend, but for the one place that chooses it', () => {
    const found = NEUTRAL.filter((module) => !CHOOSERS.includes(module)).flatMap((module) =>
      forbiddenImports(`${SANDBOXES}/${module}`, NEUTRAL).map((target) => `${module} imports ${target}`),
    );
    expect(found).toEqual([]);
  });
});
