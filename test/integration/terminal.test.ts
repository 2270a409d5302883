import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { TERMINAL_MAX_PAYLOAD } from '../../sandbox-server/protocol/limits.ts';
import { parseTerminalWindow } from '../../sandbox-server/protocol/terminal.ts';
import { detachAllTerminals, OUTPUT_HIGH_WATER, openTerminal, startFirstShell } from '../../sandbox-server/terminal/terminal.ts';
import { connectTerminal, measureKeystrokeEcho, percentile, type TerminalClient } from '../../scripts/lib/terminal-client.ts';
import { runOutsideLearner, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const PROMPT = /learner@dockhand[^$]*~\/workspace[^$]*\$ /;

let sandbox: TestSandbox;
/** A second sandbox, readied as the warm pool readies one (`?sandbox=warm`). */
let warm: TestSandbox | undefined;
let server: WebSocketServer;
let port: number;
/** The server's side of each connection, by the `tag` the test gave it, and how often onInput ran. */
const connections = new Map<string, { ws: WebSocket; inputs: number; opened: number }>();
const clients: TerminalClient[] = [];

beforeAll(async () => {
  sandbox = await startTestSandbox();
  server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: TERMINAL_MAX_PAYLOAD });
  server.on('connection', (ws, request) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const window = parseTerminalWindow(query.get('window'));
    if (!window.ok) throw new Error(window.error);
    const connection = { ws, inputs: 0, opened: performance.now() };
    connections.set(query.get('tag') ?? '', connection);
    const target = query.get('sandbox') === 'warm' && warm ? warm : sandbox;
    openTerminal(target.backend, target.sandbox, ws, {
      window: window.value,
      readOnly: query.has('readonly'),
      pingIntervalMs: query.has('ping') ? Number(query.get('ping')) : undefined,
      initialSize: query.has('cols') ? { cols: Number(query.get('cols')), rows: Number(query.get('rows')) } : undefined,
      onInput: () => {
        connection.inputs++;
      },
    });
  });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await sandbox?.destroy();
  await warm?.destroy();
});

async function open(query: string, options: { autoPong?: boolean } = {}): Promise<TerminalClient> {
  const client = await connectTerminal(`ws://127.0.0.1:${port}/?${query}`, options);
  clients.push(client);
  return client;
}

/** Runs a command line and returns the first capture of `result` in what it prints. */
async function run(client: TerminalClient, line: string, result: RegExp): Promise<string> {
  client.send(`${line}\r`);
  return (await client.waitFor(result))[1] as string;
}

/** `stty size` in the shell as "ROWSxCOLS"; polled, since a resize lands a moment after it is sent. */
function shellSize(client: TerminalClient): Promise<string> {
  return run(client, 'echo "size=$(stty size | tr " " x)"', /size=(\d+x\d+)/);
}

const SETTLE = { timeout: 5_000, interval: 100 };

async function sandboxShell(script: string): Promise<string> {
  const result = await sandbox.sh(script);
  return result.stdout.trim();
}

/** The same in the sandbox's own namespaces, outside the learner's. */
async function outsideShell(script: string): Promise<string> {
  const result = await runOutsideLearner(sandbox.sandbox, script);
  return result.stdout.trim();
}

/** How many tmux clients run in the sandbox; polled, since clients end a moment after being told. */
async function tmuxClients(): Promise<number> {
  return Number(await sandboxShell('ps -eo comm | grep -c "^tmux: client" || true'));
}

async function tmuxSessions(): Promise<string> {
  return sandboxShell('tmux list-sessions -F "#{session_name}" | sort | tr "\\n" " "');
}

describe('a terminal', () => {
  it('is bash in tmux, as uid 1000 outside with no capabilities, starting in ~/workspace', async () => {
    const terminal = await open('window=1');
    await terminal.waitFor(PROMPT);
    const pid = await run(terminal, 'echo "pid=$$ in=$PWD"', /pid=(\d+) in=\/home\/learner\/workspace/);
    // Seen from the sandbox itself, not from inside the shell's namespaces.
    expect(await outsideShell(`grep -E '^(Uid|CapEff):' /proc/${pid}/status | tr -s '\\t' ' '`)).toBe(
      'Uid: 1000 1000 1000 1000\nCapEff: 0000000000000000',
    );
    expect(await outsideShell(`ps -o comm= -p ${pid}; ps -o comm= -p $(ps -o ppid= -p ${pid})`)).toBe('bash\ntmux: server');
    // The shell sits in the inner engine's network namespace, and so does its tmux server: both are in
    // the learner's user namespaces, never in the sandbox's own.
    const ns = (kind: string, target: string) => `$(readlink /proc/${target}/ns/${kind})`;
    const server = `$(ps -o ppid= -p ${pid} | tr -d ' ')`;
    const engine = '$(cat $XDG_RUNTIME_DIR/docker.pid)';
    const [shellNet, serverNet, engineNet, shellUser, serverUser, sandboxUser] = (
      await outsideShell(
        `echo ${ns('net', pid)} ${ns('net', server)} ${ns('net', engine)} ${ns('user', pid)} ${ns('user', server)} ${ns('user', '1')}`,
      )
    ).split(' ');
    expect(shellNet).toBe(engineNet);
    expect(serverNet).toBe(engineNet);
    expect(shellUser).toBe(serverUser);
    expect(shellUser).not.toBe(sandboxUser);
    // tmux redraws rather than relays: the tab after "CapEff:" arrives as a cursor movement.
    expect(await run(terminal, 'grep CapEff /proc/self/status', /CapEff:\D*(\d{16})/)).toBe('0000000000000000');
  });

  it('lives in the inner engine network namespace: container addresses and published ports answer', async () => {
    const terminal = await open('window=1');
    terminal.send('docker run -d --name web -p 8080:80 busybox httpd -f -p 80 -h /etc >/dev/null\r');
    const ip = await run(terminal, `docker inspect -f 'ip={{.NetworkSettings.IPAddress}}' web`, /ip=(172\.17\.\d+\.\d+)/);
    const id = (await sandboxShell('docker inspect -f {{.Config.Hostname}} web')).slice(0, 12);
    expect(await run(terminal, `curl -s http://${ip}/hostname | sed 's/^/direct=/'`, /direct=(\w+)/)).toBe(id);
    expect(await run(terminal, 'curl -s localhost:8080/hostname | sed s/^/published=/', /published=(\w+)/)).toBe(id);
    expect(await run(terminal, `ping -c1 -W2 ${ip} >/dev/null && echo "ping=$((1+1))"`, /ping=(\d)/)).toBe('2');
    expect(await run(terminal, 'docker ps --format "name={{.Names}}"', /name=(\w+)/)).toBe('web');
    // The sandbox's own namespace cannot reach that address: the shell's namespace is what makes it work.
    expect(await outsideShell(`curl -s -m 2 http://${ip}/hostname || echo unreachable`)).toBe('unreachable');
    await sandboxShell('docker rm -f web');
  });

  it('re-attaches to the same shell with its output after a reconnect', async () => {
    const first = await open('window=1');
    await first.waitFor(PROMPT);
    const pid = await run(first, 'echo "pid=$$ mark=$((4000+321))"', /pid=(\d+) mark=4321/);
    await first.close();
    const again = await open('window=1');
    await again.waitFor(/mark=4321/);
    expect(await run(again, 'echo "pid=$$"', /pid=(\d+)/)).toBe(pid);
  });

  it('gives each window number its own shell, reconnectable, without two tabs switching each other', async () => {
    const tabOne = await open('window=1');
    const tabTwo = await open('window=2');
    await tabTwo.waitFor(PROMPT);
    const pidOne = await run(tabOne, 'echo "pid=$$"', /pid=(\d+)/);
    const pidTwo = await run(tabTwo, 'echo "pid=$$ two=$((700+77))"', /pid=(\d+) two=777/);
    expect(pidTwo).not.toBe(pidOne);
    // Tab one keeps showing its own shell while tab two works.
    await expect(tabOne.waitFor(/two=777/, 300)).rejects.toThrow(/no output/);
    expect(await run(tabOne, 'echo "one=$((500+55))"', /one=(\d+)/)).toBe('555');
    await tabTwo.close();
    const tabTwoAgain = await open('window=2');
    await tabTwoAgain.waitFor(/two=777/);
    expect(await run(tabTwoAgain, 'echo "pid=$$"', /pid=(\d+)/)).toBe(pidTwo);
    expect(await run(tabOne, 'echo "pid=$$"', /pid=(\d+)/)).toBe(pidOne);
  });

  it('starts at the size asked for, then follows the browser, the last of a burst of resizes winning', async () => {
    const terminal = await open('window=4&cols=132&rows=43');
    await terminal.waitFor(PROMPT);
    expect(await run(terminal, 'echo "size=$(stty size | tr " " x)"', /size=(\d+x\d+)/)).toBe('43x132');
    terminal.resize(100, 30);
    await expect.poll(() => shellSize(terminal), SETTLE).toBe('30x100');
    for (let cols = 60; cols <= 120; cols += 3) terminal.resize(cols, 40);
    await expect.poll(() => shellSize(terminal), SETTLE).toBe('40x120');
    expect(terminal.errors).toEqual([]);
  });

  it("joins a sandbox's first shell, started by the image beside its engine before anyone attached, at the size asked for", async () => {
    const fresh = await startTestSandbox();
    warm = fresh;
    // Nobody asked for it: the image starts it as its engine starts.
    await expect.poll(async () => (await fresh.sh('pgrep -x bash')).stdout.trim(), SETTLE).toMatch(/^\d+$/);
    const started = (await warm.sh('pgrep -x bash')).stdout.trim();
    // The pool's own start of it finds it there, and makes no second one.
    await startFirstShell(warm.backend, warm.sandbox);
    expect((await warm.sh('pgrep -x bash')).stdout.trim()).toBe(started);
    const terminal = await open('sandbox=warm&window=1&cols=132&rows=43');
    await terminal.waitFor(PROMPT);
    expect(await run(terminal, 'echo "shell=$$ size=$(stty size | tr " " x)"', /(shell=\d+ size=\d+x\d+)/)).toBe(
      `shell=${started} size=43x132`,
    );
    // The engine's own settings (its Go runtime's, its start's) stay the engine's.
    expect(await run(terminal, 'echo "engine-env=[$GOGC$GOMAXPROCS$_DOCKHAND_ENGINE_CHILD]"', /engine-env=\[([^$\]]*)\]/)).toBe('');
    expect(terminal.errors).toEqual([]);
  });

  it('completes at the first Tab, though a new shell has not loaded programmable completion', async () => {
    const terminal = await open('window=7');
    await terminal.waitFor(PROMPT);
    expect(await run(terminal, 'echo "loaded=$(complete -p | wc -l)"', /loaded=(\d+)/)).toBe('1');
    terminal.send('docker versio\t--format x\r');
    await terminal.waitFor(/docker version --format x/);
    expect(Number(await run(terminal, 'echo "loaded=$(complete -p | wc -l)"', /loaded=(\d+)/))).toBeGreaterThan(10);
  });

  it('keeps input typed before the shell is attached', async () => {
    const terminal = await open('window=1');
    terminal.send('echo "early=$((3*3))"\r');
    terminal.resize(81, 25);
    await terminal.waitFor(/early=9/);
    await expect.poll(() => shellSize(terminal), SETTLE).toBe('25x81');
  });

  it('answers bad control messages with an error frame and keeps working', async () => {
    const terminal = await open('window=1&tag=bad');
    await terminal.waitFor(PROMPT);
    const bad = [
      'not json',
      '[1,2]',
      'null',
      '{"type":"bogus"}',
      '{"cols":80,"rows":24}',
      '{"type":"resize","cols":"80","rows":24}',
      '{"type":"resize","cols":0,"rows":24}',
      '{"type":"resize","cols":-5,"rows":24}',
      '{"type":"resize","cols":100000,"rows":24}',
      '{"type":"resize","cols":80.5,"rows":24}',
      '{"type":"resize","cols":80}',
    ];
    for (const text of bad) {
      terminal.sendText(text);
      expect(await terminal.nextError()).toMatch(/\w/);
    }
    expect(terminal.errors).toHaveLength(bad.length);
    expect(await run(terminal, 'echo "alive=$((20+22))"', /alive=(\d+)/)).toBe('42');
    // onInput ran for every frame: the bad ones and the keystrokes alike.
    expect(connections.get('bad')?.inputs).toBe(bad.length + 1);
  });

  it('refuses an oversized frame with 1009, and a reconnect finds the shell intact', async () => {
    const terminal = await open('window=1');
    await terminal.waitFor(PROMPT);
    const pid = await run(terminal, 'echo "pid=$$"', /pid=(\d+)/);
    terminal.socket.send(Buffer.alloc(TERMINAL_MAX_PAYLOAD + 1, 'x'), { binary: true });
    expect((await terminal.closed).code).toBe(1009);
    const again = await open('window=1');
    expect(await run(again, 'echo "pid=$$"', /pid=(\d+)/)).toBe(pid);
  });

  it('lets an instructor watch read-only: sees the shell, cannot type, sizes only its own view', async () => {
    const learner = await open('window=3');
    await learner.waitFor(PROMPT);
    learner.resize(90, 20);
    const watcher = await open('window=3&readonly&tag=watcher');
    watcher.resize(50, 10);
    await run(learner, 'echo "shown=$((30+3))"', /shown=33/);
    await watcher.waitFor(/shown=33/);
    watcher.send('touch /tmp/watcher-typed\r');
    expect(await watcher.nextError()).toMatch(/read-only/);
    expect(watcher.errors).toHaveLength(1);
    await expect.poll(() => shellSize(learner), SETTLE).toBe('20x90');
    expect(await sandboxShell('ls /tmp/watcher-typed 2>/dev/null || echo absent')).toBe('absent');
    expect(connections.get('watcher')?.inputs).toBe(0);
  });

  it('carries a 1 MB paste without loss or reordering', async () => {
    const terminal = await open('window=5');
    await terminal.waitFor(PROMPT);
    const lines: string[] = [];
    for (let index = 0; lines.length * 100 < 1024 * 1024; index++) {
      lines.push(`${String(index).padStart(7, '0')} ${'the quick brown fox jumps over the lazy dog 0123456789 '.repeat(2).slice(0, 91)}`);
    }
    const content = `${lines.join('\n')}\n`;
    // The shell prints "go" only once cat's shell owns the tty, so no pasted byte can reach readline.
    terminal.send(`sh -c 'printf "%sgo\\n" $((6*7)); cat > /tmp/paste; sha256sum /tmp/paste'\r`);
    await terminal.waitFor(/42go/);
    terminal.send(lines.map((line) => `${line}\r`).join(''));
    terminal.send('\x04');
    const digest = (await terminal.waitFor(/([0-9a-f]{64})\s+\/tmp\/paste/, 60_000))[1];
    expect(digest).toBe(createHash('sha256').update(content).digest('hex'));
  });

  it('pauses the shell output while the client does not read, and finishes it when it does', async () => {
    const terminal = await open('window=6&tag=slow');
    await terminal.waitFor(PROMPT);
    // tmux redraws rather than relays, and stops sending to a client that falls behind, so the flood
    // needs a wide, tall window, a colour change in every cell, and a steady source to outrun the
    // kernel's socket buffers. The reset after it ends an escape sequence `timeout` may have cut.
    terminal.resize(1000, 300);
    await expect.poll(() => shellSize(terminal), SETTLE).toBe('300x1000');
    const serverSide = connections.get('slow')?.ws as WebSocket;
    terminal.socket.pause();
    const colours = '"$(printf "\\033[3%dmX" $(seq 1 7) $(seq 1 7) $(seq 1 7))"';
    terminal.send(`timeout 3 yes ${colours}; printf "\\033[0m\\n"; echo "done=$((6*7))"\r`);
    let largest = 0;
    const started = performance.now();
    while (performance.now() - started < 3500) {
      largest = Math.max(largest, serverSide.bufferedAmount);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    terminal.socket.resume();
    await terminal.waitFor(/done=42/, 60_000);
    console.log(`slow client: the server buffered at most ${(largest / 1024).toFixed(0)} KiB`);
    // The output did back up (so this measured something), and stopped at the high-water mark.
    expect(largest).toBeGreaterThan(OUTPUT_HIGH_WATER / 2);
    expect(largest).toBeLessThan(2 * OUTPUT_HIGH_WATER);
  });

  it('terminates a connection that stops answering pings, and keeps one that answers', async () => {
    const dead = await open('window=1&ping=150', { autoPong: false });
    const alive = await open('window=1&ping=150');
    const closed = await dead.closed;
    expect(closed.code).toBe(1006);
    // The one that answers outlives three more rounds of pings.
    await new Promise<void>((resolve) => {
      let pings = 0;
      alive.socket.on('ping', () => {
        if (++pings === 3) resolve();
      });
    });
    expect(await run(alive, 'echo "still=$((9*9))"', /still=(\d+)/)).toBe('81');
  });

  it('ends the socket with 1000 when the shell exits, and a reconnect gets a new shell', async () => {
    const terminal = await open('window=7');
    await terminal.waitFor(PROMPT);
    const pid = await run(terminal, 'echo "pid=$$"', /pid=(\d+)/);
    terminal.send('exit\r');
    expect((await terminal.closed).code).toBe(1000);
    const again = await open('window=7');
    expect(await run(again, 'echo "pid=$$"', /pid=(\d+)/)).not.toBe(pid);
  });

  it('leaves no tmux client behind when sockets close, and keeps the shells', async () => {
    const before = await tmuxSessions();
    for (let cycle = 0; cycle < 4; cycle++) {
      const terminal = await open(`window=${1 + (cycle % 2)}`);
      await terminal.waitFor(PROMPT);
      await terminal.close();
    }
    // A socket closed right away, before its shell attached, must not leave a client either.
    (await open('window=1')).socket.terminate();
    await expect.poll(tmuxClients, SETTLE).toBe(0);
    expect(await tmuxSessions()).toBe(before);
  });

  it('ends the clients a restarted server left behind, keeping their shells', async () => {
    // As if the server had died: the exec's connection goes without a word to the sandbox.
    const orphan = await sandbox.backend.attachTerminal(sandbox.sandbox, ['dockhand-terminal', 'attach', '2', '80', '24'], {
      DOCKHAND_TERMINAL_ID: 'orphan',
    });
    orphan.stream.destroy();
    await expect.poll(tmuxClients, SETTLE).toBe(1);
    const before = await tmuxSessions();
    await detachAllTerminals(sandbox.backend, sandbox.sandbox);
    await expect.poll(tmuxClients, SETTLE).toBe(0);
    expect(await tmuxSessions()).toBe(before);
  });

  it('measures keystroke echo and time to the first prompt', async () => {
    const firstPrompt: number[] = [];
    for (let round = 0; round < 5; round++) {
      const terminal = await open(`window=8&tag=prompt${round}`);
      await terminal.waitFor(PROMPT);
      firstPrompt.push(performance.now() - (connections.get(`prompt${round}`)?.opened as number));
      if (round < 4) await terminal.close();
    }
    const terminal = clients.at(-1) as TerminalClient;
    const echo = await measureKeystrokeEcho(terminal, 100);
    const ms = (values: number[], p: number) => percentile(values, p).toFixed(1);
    console.log(`keystroke echo: p50 ${ms(echo, 50)} ms, p95 ${ms(echo, 95)} ms (n=${echo.length})`);
    console.log(
      `first prompt after openTerminal: new shell ${firstPrompt[0]?.toFixed(0)} ms, reattach p50 ${ms(firstPrompt.slice(1), 50)} ms`,
    );
    expect(echo).toHaveLength(100);
    // Bounds far above what this machine measures, and far below what a stalled pipe would show.
    expect(percentile(echo, 50)).toBeLessThan(100);
    expect(percentile(echo, 95)).toBeLessThan(500);
    expect(percentile(firstPrompt.slice(1), 50)).toBeLessThan(2000);
  });
});
