// The outer container, seen as a hostile learner would try it: nothing the learner writes in their home
// gets anything run in the sandbox's own user namespace (which is the host's), the container holds only
// the capabilities its start needs and nothing in it can gain more, and the disk the learner writes
// raises no privileges outside the learner's own containers.
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAppArmorHost, SANDBOX_APPARMOR_PROFILE } from '../../sandbox-server/sandboxes/apparmor.ts';
import { connectHostEngine } from '../../sandbox-server/sandboxes/docker.ts';
import { dockerHostChecks } from '../../sandbox-server/sandboxes/preflight.ts';
import { START_CAPABILITIES } from '../../sandbox-server/sandboxes/sandbox.ts';
import { testConfig } from '../support/env.ts';
import { runOutsideLearner, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.destroy();
});

/** The sandbox's own user namespace (its init's), as `readlink` prints it. */
async function sandboxUserNamespace(): Promise<string> {
  const init = (await runOutsideLearner(sandbox.sandbox, 'readlink /proc/1/ns/user')).stdout.trim();
  expect(init).toMatch(/^user:\[\d+\]$/);
  return init;
}

/**
 * A browser terminal's tmux client, driven directly: what it prints, and a way to type. Window 2: window
 * 1's shell starts with the sandbox, before a test has planted anything to read.
 */
async function openTerminal(id: string): Promise<{ stream: Duplex; output: () => string; waitFor(pattern: RegExp): Promise<string> }> {
  const { stream } = await sandbox.backend.attachTerminal(sandbox.sandbox, ['dockhand-terminal', 'attach', '2', '200', '50'], {
    DOCKHAND_TERMINAL_ID: id,
  });
  let seen = '';
  stream.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
  });
  return {
    stream,
    output: () => seen,
    async waitFor(pattern) {
      await expect.poll(() => pattern.test(seen), { timeout: 20_000, interval: 100 }).toBe(true);
      return (pattern.exec(seen) as RegExpExecArray)[1] as string;
    },
  };
}

describe("the learner's home cannot put anything in the sandbox's own user namespace", () => {
  it('not through ~/.tmux.conf, ~/.bashrc, ~/.profile, tmux commands, or a docker CLI plugin a check runs', async () => {
    const record = (name: string) => `readlink /proc/self/ns/user > /tmp/seen-${name}`;
    const planted = await sandbox.sh(`
      set -e
      printf '%s\\n' 'set -g default-command "${record('tmux-conf')}; exec bash"' 'set -g @learner-conf yes' > ~/.tmux.conf
      echo '${record('bashrc')}' >> ~/.bashrc
      echo '${record('profile')}' >> ~/.profile
      mkdir -p ~/.docker/cli-plugins
      printf '%s\\n' '#!/bin/sh' '${record('cli-plugin')}' \\
        '[ "$1" = docker-cli-plugin-metadata ] && echo "{\\"SchemaVersion\\":\\"0.1.0\\",\\"Vendor\\":\\"x\\",\\"Version\\":\\"1\\"}"; exit 0' \\
        > ~/.docker/cli-plugins/docker-compose
      chmod +x ~/.docker/cli-plugins/docker-compose`);
    expect(planted.exitCode, planted.stderr).toBe(0);

    const terminal = await openTerminal('confinement');
    await terminal.waitFor(/(learner@dockhand[^$]*\$ )/);
    terminal.stream.write('echo "ns=$(readlink /proc/self/ns/user) conf=$(tmux show -gv @learner-conf)."\r');
    const shellNamespace = await terminal.waitFor(/ns=(user:\[\d+\]) conf=\./);
    // From the shell, tmux itself is asked to run commands: in a new window, in a new default command, by run-shell.
    terminal.stream.write(
      `tmux new-window -d '${record('new-window')}'; tmux set -g default-command '${record('default-command')}; sleep 60'; tmux new-window -d; tmux run-shell '${record('run-shell')}'\r`,
    );
    // A check's script: the docker CLI runs the learner's plugin.
    const check = await sandbox.run(['bash', '-c', 'docker compose version']);
    expect(check.exitCode, check.stderr).toBe(0);

    const init = await sandboxUserNamespace();
    const names = ['bashrc', 'profile', 'new-window', 'default-command', 'run-shell', 'cli-plugin'];
    await expect
      .poll(
        async () =>
          (
            await runOutsideLearner(sandbox.sandbox, `cd /tmp && ls ${names.map((name) => `seen-${name}`).join(' ')} 2>/dev/null | wc -l`)
          ).stdout.trim(),
        {
          timeout: 10_000,
        },
      )
      .toBe(String(names.length));
    const seen = await runOutsideLearner(sandbox.sandbox, 'cd /tmp && grep -H . seen-* | sort');
    const byName = Object.fromEntries(
      seen.stdout
        .trim()
        .split('\n')
        .map((line) => /^seen-([^:]+):(.*)$/.exec(line)?.slice(1) ?? []),
    );
    // ~/.tmux.conf is never read: its default command never ran, its option is unset.
    expect(byName['tmux-conf']).toBeUndefined();
    for (const name of names) expect(byName[name], name).not.toBe(init);
    expect(byName.bashrc).toBe(shellNamespace);
    expect(shellNamespace).not.toBe(init);
    // Nothing of the learner's runs there now either: only the sandbox's init, RootlessKit's outer half, and this probe.
    const outside = await runOutsideLearner(
      sandbox.sandbox,
      `for p in /proc/[0-9]*; do [ "$(readlink $p/ns/user 2>/dev/null)" = "${init}" ] && cat $p/comm; done 2>/dev/null | sort -u`,
    );
    expect(
      outside.stdout
        .trim()
        .split('\n')
        .filter((comm) => !['sh', 'cat', 'readlink', 'sort'].includes(comm)),
    ).toEqual(['docker-init', 'rootlesskit']);
    terminal.stream.destroy();
  });

  it('and when the engine cannot be joined, nothing runs at all, rather than running outside', async () => {
    const pidFile = '$XDG_RUNTIME_DIR/docker.pid';
    const engine = (await runOutsideLearner(sandbox.sandbox, `cat ${pidFile}`)).stdout.trim();
    // The learner points the pid file at the sandbox's init, whose namespaces are the host's.
    expect((await sandbox.sh(`echo 1 > ${pidFile}`)).exitCode).toBe(0);
    try {
      const result = await sandbox.sh('readlink /proc/self/ns/user > /tmp/seen-fallback');
      expect(result.exitCode).not.toBe(0);
      const terminal = await openTerminal('fallback');
      await expect.poll(() => terminal.stream.readableEnded || terminal.stream.destroyed, { timeout: 10_000 }).toBe(true);
      expect((await runOutsideLearner(sandbox.sandbox, 'ls /tmp/seen-fallback 2>&1')).exitCode).not.toBe(0);
    } finally {
      await runOutsideLearner(sandbox.sandbox, `echo ${engine} > ${pidFile}`);
    }
  });
});

describe("the outer container's privileges", () => {
  it('holds only the capabilities the start needs, and nothing the server runs can gain any', async () => {
    // DAC_OVERRIDE (1), SETGID (6), SETUID (7), SYS_ADMIN (21).
    expect(START_CAPABILITIES).toEqual(['DAC_OVERRIDE', 'SETGID', 'SETUID', 'SYS_ADMIN']);
    const bounding = await runOutsideLearner(sandbox.sandbox, 'grep CapBnd /proc/1/status');
    expect(bounding.stdout).toMatch(/^CapBnd:\s+00000000002000c2\n$/);
    const own = await sandbox.sh('grep -E "^(CapEff|NoNewPrivs):" /proc/self/status | tr -s "\\t" " "');
    expect(own.stdout).toBe('CapEff: 0000000000000000\nNoNewPrivs: 1\n');
  });

  it("mounts the learner's disk nosuid,nodev: a setuid program the learner makes there raises nothing outside", async () => {
    const flags = await runOutsideLearner(sandbox.sandbox, 'awk \'$5 == "/home/learner" { print $6 }\' /proc/self/mountinfo');
    expect(flags.stdout.trim().split(',')).toEqual(expect.arrayContaining(['nosuid', 'nodev']));
    // Root of the learner's engine owns ids the learner's subordinate range maps (here 100000): a setuid
    // copy of `id` on the disk, made through an inner container.
    const made = await sandbox.sh(
      'mkdir -p ~/suid && docker run --rm -v ~/suid:/suid debian sh -c "cp /usr/bin/id /suid/id && chown 1:1 /suid/id && chmod 4755 /suid/id"',
    );
    expect(made.exitCode, made.stderr).toBe(0);
    const outside = await runOutsideLearner(sandbox.sandbox, 'stat -c %u:%A /home/learner/suid/id; /home/learner/suid/id -u');
    expect(outside.stdout).toBe('100000:-rwsr-xr-x\n1000\n');
  });

  it("runs under Dockhand's AppArmor profile where the host runs AppArmor, and the doctor says so where it does not", async () => {
    const host = await readAppArmorHost();
    const row = (await dockerHostChecks(connectHostEngine(), testConfig().stateDir)(false)).find((each) => each.check === 'apparmor');
    const label = (await runOutsideLearner(sandbox.sandbox, 'cat /proc/1/attr/current 2>&1')).stdout.trim();
    if (host.enabled) {
      expect(label).toBe(`${SANDBOX_APPARMOR_PROFILE} (enforce)`);
      expect(row?.message).toMatch(/runs under Dockhand's own profile/);
      // The profile keeps what the course needs: the learner's engine still runs containers under it.
      const inner = await sandbox.sh('docker run --rm debian cat /proc/self/attr/current');
      expect(inner.stdout.trim()).toBe(`${SANDBOX_APPARMOR_PROFILE} (enforce)`);
    } else {
      // Without AppArmor in the kernel there is no label to read, and the doctor says what confines sandboxes instead.
      expect(label).not.toMatch(new RegExp(SANDBOX_APPARMOR_PROFILE));
      expect(row).toMatchObject({ status: 'ok', message: expect.stringMatching(/no AppArmor on this host.*seccomp/) });
    }
  });

  it("keeps setuid programs working inside the learner's own containers, whose files are on that disk", async () => {
    const result = await sandbox.sh(
      'docker run --rm debian sh -c "cp /usr/bin/id /tmp/id && chmod u+s /tmp/id && setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/id"',
    );
    expect(result.stdout).toContain('uid=65534(nobody) gid=65534(nogroup) euid=0(root)');
  });
});
