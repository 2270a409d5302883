// The preflight's rules, on facts made up for each case (the integration tests change the real host).
import { describe, expect, it } from 'vitest';
import { formatReport, sandboxBlockers } from '../../sandbox-server/host/report.ts';
import { createHostStatus } from '../../sandbox-server/host/status.ts';
import { failureKey, startProblem } from '../../sandbox-server/sandboxes/backend.ts';
import { diagnoseStart, dindStartError } from '../../sandbox-server/sandboxes/dind-diagnosis.ts';
import {
  apparmorRow,
  diskRow,
  engineRows,
  iptablesRow,
  isLocalDockerHost,
  loopRow,
  mkfsRow,
  rootRow,
  tunRow,
  usernsRows,
} from '../../sandbox-server/sandboxes/preflight.ts';

const engine = {
  reachable: true as const,
  version: '26.1.5',
  apiVersion: '1.45',
  operatingSystem: 'Debian GNU/Linux 13 (trixie)',
  cgroupVersion: '2',
  cgroupDriver: 'systemd',
  rootless: false,
  rootDir: '/var/lib/docker',
};

// What RootlessKit printed on a freshly booted host whose /dev/net/tun was 0600 (shortened).
const TUN_TRACE = `+ exec rootlesskit --net=slirp4netns --mtu=65520
open: Permission denied
[rootlesskit:parent] error: failed to setup network &{logWriter:0xc000032060 ifname:tap0}: setting up tap tap0: executing [[nsenter -t 20 -n -m -U ip tuntap add name tap0 mode tap]]: exit status 1`;

describe('tun', () => {
  it('0600 owned by root: the learner cannot open it, and the fix is chmod 0666', () => {
    const row = tunRow({ exists: true, isCharDevice: true, mode: 0o600, uid: 0 });
    expect(row).toMatchObject({ status: 'problem', blocksSandboxes: true, message: expect.stringMatching(/mode 0600.*cannot open/) });
    expect(row.fix).toMatch(/^chmod 0666 \/dev\/net\/tun/);
  });
  it('0666 is fine, and so is a device the learner owns', () => {
    expect(tunRow({ exists: true, isCharDevice: true, mode: 0o666, uid: 0 }).status).toBe('ok');
    expect(tunRow({ exists: true, isCharDevice: true, mode: 0o600, uid: 1000 }).status).toBe('ok');
  });
  it('missing: load the module', () => {
    expect(tunRow({ exists: false })).toMatchObject({ status: 'problem', fix: expect.stringMatching(/modprobe tun/) });
  });
  it('not a character device: make the node', () => {
    expect(tunRow({ exists: true, isCharDevice: false, mode: 0o666, uid: 0 }).fix).toMatch(/mknod \/dev\/net\/tun c 10 200/);
  });
});

describe('user namespaces', () => {
  it('max_user_namespaces 0 names the sysctl', () => {
    expect(usernsRows({ maxUserNamespaces: 0 })).toEqual([
      expect.objectContaining({ status: 'problem', fix: expect.stringMatching(/sysctl -w user.max_user_namespaces=15000/) }),
    ]);
  });
  it('Debian-style unprivileged_userns_clone=0 names its sysctl', () => {
    expect(usernsRows({ maxUserNamespaces: 100, unprivilegedUsernsClone: 0 })[0]?.fix).toMatch(/kernel.unprivileged_userns_clone=1/);
  });
  it("Ubuntu's AppArmor restriction explains both choices", () => {
    const [row] = usernsRows({ maxUserNamespaces: 100, apparmorRestrictUserns: 1 });
    expect(row?.message).toMatch(/apparmor_restrict_unprivileged_userns is 1/);
    expect(row?.fix).toMatch(/sysctl -w kernel.apparmor_restrict_unprivileged_userns=0.*every program.*AppArmor profile.*userns/);
  });
  it('allowed: one ok row with the limit', () => {
    expect(usernsRows({ maxUserNamespaces: 96363, unprivilegedUsernsClone: 1, apparmorRestrictUserns: 0 })).toEqual([
      { check: 'userns', status: 'ok', message: 'unprivileged user namespaces are allowed (up to 96363).' },
    ]);
  });
});

describe('the Docker Engine', () => {
  it('reports version, API and cgroups, and what cgroup v1 means for lessons', () => {
    const rows = engineRows({
      engine: { ...engine, version: '20.10.24', apiVersion: '1.41', cgroupVersion: '1', cgroupDriver: 'cgroupfs' },
      dockerHost: undefined,
    });
    expect(rows[0]).toMatchObject({ check: 'engine', status: 'ok', message: expect.stringMatching(/20.10.24 \(API 1.41\)/) });
    expect(rows[1]?.message).toMatch(/cgroup v1 with the cgroupfs driver: .*docker stats/);
  });
  it('a rootless host engine is refused: Dockhand needs a rootful one', () => {
    expect(engineRows({ engine: { ...engine, rootless: true }, dockerHost: undefined })[0]).toMatchObject({
      status: 'problem',
      fatal: true,
      message: expect.stringMatching(/rootless; Dockhand needs a rootful host engine/),
    });
  });
  it('a remote DOCKER_HOST is refused, a local one is not', () => {
    expect(engineRows({ engine, dockerHost: 'tcp://10.1.2.3:2376' })[0]?.message).toMatch(/not an engine on this machine/);
    expect(engineRows({ engine, dockerHost: 'ssh://me@box' })[0]?.fatal).toBe(true);
    expect(engineRows({ engine, dockerHost: 'unix:///run/docker.sock' })[0]?.status).toBe('ok');
    expect(isLocalDockerHost('tcp://127.0.0.1:2375')).toBe(true);
    expect(isLocalDockerHost('tcp://localhost:2375')).toBe(true);
  });
  it('no answer: says where it looked and how to start one', () => {
    expect(engineRows({ engine: { reachable: false, error: 'ENOENT' }, dockerHost: undefined })[0]).toMatchObject({
      fatal: true,
      message: 'no Docker Engine answers at unix:///var/run/docker.sock (ENOENT).',
      fix: expect.stringMatching(/systemctl start docker/),
    });
  });
  it('Docker Desktop and engines older than 20.10 are named', () => {
    expect(engineRows({ engine: { ...engine, operatingSystem: 'Docker Desktop' }, dockerHost: undefined })[0]?.message).toMatch(/own VM/);
    expect(engineRows({ engine: { ...engine, version: '19.03.15' }, dockerHost: undefined })[0]?.message).toMatch(/older than 20.10/);
    expect(engineRows({ engine: { ...engine, version: '28.0.1' }, dockerHost: undefined })[0]?.status).toBe('ok');
  });
  it('an engine that does not manage iptables is named with its setting', () => {
    expect(iptablesRow({ dockerUserChain: false }).fix).toMatch(/"iptables": false/);
    expect(iptablesRow({ dockerUserChain: 'no-iptables' }).fatal).toBe(true);
    expect(iptablesRow({ dockerUserChain: true }).status).toBe('ok');
  });
});

describe('disks, tools, root', () => {
  it('loop devices, mkfs.ext4 and free space', () => {
    expect(loopRow({ control: false, free: undefined }).fix).toMatch(/modprobe loop/);
    expect(loopRow({ control: true, free: '/dev/loop3' }).message).toMatch(/loop3/);
    expect(mkfsRow(false).fix).toMatch(/e2fsprogs/);
    expect(diskRow({ path: '/x', bytes: 1024 ** 3 }).status).toBe('problem');
    expect(diskRow({ path: '/x', bytes: 5 * 1024 ** 3 }).status).toBe('warning');
    expect(diskRow({ path: '/x', bytes: 50 * 1024 ** 3 }).status).toBe('ok');
  });
  it("AppArmor: said either way; Dockhand's profile where it runs, a warning with the fix where its parser is missing", () => {
    expect(apparmorRow({ enabled: false, parser: false })).toMatchObject({
      check: 'apparmor',
      status: 'ok',
      message: expect.stringMatching(/no AppArmor/),
    });
    expect(apparmorRow({ enabled: true, parser: true })).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/dockhand-sandbox/),
    });
    const missing = apparmorRow({ enabled: true, parser: false });
    expect(missing).toMatchObject({
      status: 'warning',
      message: expect.stringMatching(/unconfined/),
      fix: expect.stringMatching(/apt-get install apparmor/),
    });
    expect(missing.blocksSandboxes).toBeUndefined();
  });
  it('not root: iptables needs root', () => {
    expect(rootRow(1000)).toMatchObject({ status: 'problem', fatal: true, message: expect.stringMatching(/uid 1000.*iptables/) });
    expect(rootRow(0).status).toBe('ok');
  });
});

describe('the report', () => {
  it('prints one line per check and the fix under each problem', () => {
    const lines = formatReport([rootRow(0), tunRow({ exists: true, isCharDevice: true, mode: 0o600, uid: 0 })]);
    expect(lines[0]).toMatch(/^ok\s+root\s+running as root\.$/);
    expect(lines[1]).toMatch(/^PROBLEM\s+tun\s+\/dev\/net\/tun is mode 0600/);
    expect(lines[2]).toMatch(/^\s+fix: chmod 0666/);
  });
  it('only problems that stop sandboxes become host problems', () => {
    const rows = [diskRow({ path: '/x', bytes: 5 * 1024 ** 3 }), tunRow({ exists: false })];
    expect(sandboxBlockers(rows).map((problem) => problem.check)).toEqual(['tun']);
  });
});

describe('a failed sandbox start', () => {
  it("RootlessKit's tap0 permission error is a tun problem, in one sentence", () => {
    const error = dindStartError('a sandbox stopped', TUN_TRACE);
    expect(error.problem).toMatchObject({ check: 'tun', fix: expect.stringMatching(/chmod 0666/) });
    expect(error.message).not.toMatch(/rootlesskit/);
    expect(diagnoseStart('newuidmap: write to uid_map failed: Operation not permitted')?.check).toBe('userns');
  });
  it('an unknown failure keeps its first line and points at the doctor', () => {
    expect(startProblem(new Error('(HTTP code 500) no space\nmore'))).toEqual({
      check: 'sandbox',
      message: 'sandboxes cannot start: (HTTP code 500) no space',
      fix: expect.stringMatching(/npm run doctor/),
    });
  });
  it('repeats are recognised whatever the ids and pids', () => {
    const again = TUN_TRACE.replace('0xc000032060', '0xc000146a20').replace('-t 20', '-t 31');
    expect(failureKey(dindStartError('x', TUN_TRACE))).toBe(failureKey(dindStartError('x', again)));
    const unknownA = dindStartError('x', 'error: disk 0xc0001 full at pid 20');
    const unknownB = dindStartError('x', 'error: disk 0xc0002 full at pid 31');
    expect(failureKey(unknownA)).toBe(failureKey(unknownB));
    expect(failureKey(unknownA)).not.toBe(failureKey(dindStartError('x', 'error: other')));
  });
});

describe('host status', () => {
  it('holds preflight blockers and a failed start until a start succeeds, saying each check once', () => {
    const status = createHostStatus();
    status.setPreflight([tunRow({ exists: true, isCharDevice: true, mode: 0o600, uid: 0 })]);
    status.startFailed({ check: 'tun', message: 'again tun' });
    expect(status.problems().map((problem) => problem.check)).toEqual(['tun']);
    status.setPreflight([tunRow({ exists: true, isCharDevice: true, mode: 0o666, uid: 0 })]);
    expect(status.problems()).toEqual([{ check: 'tun', message: 'again tun' }]);
    status.startSucceeded();
    expect(status.problems()).toEqual([]);
  });
});
