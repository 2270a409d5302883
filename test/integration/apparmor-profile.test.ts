// Dockhand's AppArmor profile, compiled by Debian's real parser (npm test provides one, unpacked, where
// the host has none): a profile the parser refuses would leave every AppArmor host's sandboxes
// unconfined. Whether the kernel enforces it is for the confinement test, on a host that runs AppArmor.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxProfileText } from '../../sandbox-server/sandboxes/apparmor.ts';

const PARSER = process.env.DOCKHAND_APPARMOR_PARSER ?? 'apparmor_parser';
/** An unpacked parser's policy tree (its `abi/` files), beside it as in the package; a host's is in /etc. */
const POLICY = path.resolve(path.dirname(PARSER), '../etc/apparmor.d');
const INCLUDE = existsSync(POLICY) ? ['--Include', POLICY] : [];

/** Compiles a profile without loading it: the binary policy's size, or the parser's refusal. */
function compile(text: string): Promise<{ bytes: number; error?: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      PARSER,
      ['--skip-kernel-load', '--skip-cache', '--stdout', ...INCLUDE],
      { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error(`no AppArmor parser at ${PARSER}: run the suite through npm test, or set DOCKHAND_APPARMOR_PARSER`));
          return;
        }
        resolve({ bytes: stdout.length, ...(error ? { error: stderr.toString() } : {}) });
      },
    );
    child.stdin?.end(text);
  });
}

function parserMajor(): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile(PARSER, ['--version'], (error, stdout) => {
      if (error) reject(new Error(`no AppArmor parser at ${PARSER}: ${error.message}`));
      else resolve(Number(/version (\d+)\./.exec(stdout)?.[1] ?? 0));
    }),
  );
}

describe("Dockhand's AppArmor profile, compiled by the real parser", () => {
  it('compiles for a kernel without user-namespace mediation', async () => {
    const result = await compile(sandboxProfileText({ mediatesUserns: false }));
    expect(result.error).toBeUndefined();
    expect(result.bytes).toBeGreaterThan(1000);
  });

  it('is refused by the parser when a rule is wrong (the compile above proves something)', async () => {
    const broken = sandboxProfileText({ mediatesUserns: false }).replace('pivot_root,', 'pivot_rot,');
    expect((await compile(broken)).error).toMatch(/syntax error/);
  });

  it('with the user-namespace rule, compiles on an AppArmor 4 parser and is refused by a 3.x one', async () => {
    const result = await compile(sandboxProfileText({ mediatesUserns: true }));
    if ((await parserMajor()) >= 4) expect(result.error).toBeUndefined();
    else expect(result.error).toMatch(/abi\/4\.0|userns|syntax error/);
  });
});
