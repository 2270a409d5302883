import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNING_SETTLE_MS } from '../../sandbox-server/checks/container.ts';
import { type CheckContext, openCheckContext } from '../../sandbox-server/checks/context.ts';
import { evaluateCheck, evaluateExercise } from '../../sandbox-server/checks/evaluate.ts';
import type { Check, Exercise } from '../../sandbox-server/course/types.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
let ctx: CheckContext;

async function sh(script: string): Promise<void> {
  const result = await sandbox.run(['bash', '-c', script]);
  expect(result.exitCode, `${script}\n${result.stdout}\n${result.stderr}`).toBe(0);
}

/** Every check must first fail, with a sentence, then pass once the state is made. */
async function failsThenPasses(check: Check, make: string, failure: RegExp): Promise<void> {
  const before = await evaluateCheck(check, ctx);
  expect(before.passed).toBe(false);
  expect(before.message).toMatch(failure);
  await sh(make);
  const after = await evaluateCheck(check, ctx);
  expect(after, after.message).toMatchObject({ passed: true });
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  ctx = await openCheckContext(sandbox.backend, sandbox.sandbox);
});

afterAll(async () => {
  ctx?.close();
  await sandbox?.destroy();
});

describe('container checks', () => {
  it('name, image, state, exit code and logs', async () => {
    await failsThenPasses(
      { kind: 'container', name: 'greeter', image: 'busybox', state: 'exited', exitCode: 0, logs: 'hello there' },
      'docker run --name greeter busybox echo hello there',
      /No container named greeter exists yet/,
    );
  });

  it('says what differs: the state and exit code of the closest container', async () => {
    await sh('docker run --name failing busybox sh -c "exit 3" || true');
    const result = await evaluateCheck({ kind: 'container', name: 'failing', state: 'running' }, ctx);
    expect(result).toEqual({ passed: false, message: 'The container failing is exited (exit code 3), but it should be running.' });
    const image = await evaluateCheck({ kind: 'container', name: 'failing', image: 'python:3' }, ctx);
    expect(image.message).toBe('The container failing runs the image busybox, not python:3.');
  });

  it('running means still up a moment later: a command that prints and exits does not count, a loop does', async () => {
    const check: Check = { kind: 'container', name: 'blip', state: 'running', logs: 'beat' };
    await sh("docker run -d --name blip busybox sh -c 'echo beat; sleep 0.3'");
    const blip = await evaluateCheck(check, ctx);
    expect(blip).toEqual({ passed: false, message: 'The container blip is exited (exit code 0), but it should be running.' });
    await sh("docker run -d --name steady busybox sh -c 'while true; do echo beat; sleep 3; done'");
    const started = performance.now();
    const steady = await evaluateCheck({ ...check, name: 'steady' }, ctx);
    expect(steady, steady.message).toEqual({ passed: true, message: expect.any(String) });
    expect(performance.now() - started).toBeLessThan(RUNNING_SETTLE_MS + 1000);
  });

  it('ports, env, hostname, mounts, restart policy and stdin', async () => {
    await failsThenPasses(
      {
        kind: 'container',
        name: 'web',
        state: 'running',
        ports: [{ container: 8000, host: 8080 }],
        env: { GREETING: 'hi' },
        hostname: 'box',
        restartPolicy: 'unless-stopped',
        interactive: true,
        mounts: [
          { destination: '/data', type: 'volume', source: 'webdata' },
          { destination: '/site', type: 'bind', source: 'site', readOnly: true },
        ],
      },
      'mkdir -p ~/workspace/site && docker run -d -i --name web -p 8080:8000 -e GREETING=hi --hostname box --restart unless-stopped -v webdata:/data -v ~/workspace/site:/site:ro busybox sleep 600',
      /No container named web/,
    );
  });

  it('retry limit, dropped capabilities, user and published ports: the shortcut a task forbids fails', async () => {
    await sh(
      'docker run -d --name retries --restart on-failure busybox true && docker run -d --name chowner --user 1000 busybox sleep 600 && docker run -d --name open -p 8095:80 busybox sleep 600',
    );
    const cases: [Check, RegExp][] = [
      [{ kind: 'container', name: 'retries', restartRetries: 3 }, /may be restarted without limit, not 3 times/],
      [{ kind: 'container', name: 'chowner', capDrop: ['CHOWN'] }, /does not drop the capability CHOWN/],
      [{ kind: 'container', name: 'chowner', user: 'root' }, /runs as the user 1000, not root/],
      [{ kind: 'container', name: 'open', publishes: false }, /publishes a port on the host, but it should not/],
    ];
    for (const [check, message] of cases) {
      const result = await evaluateCheck(check, ctx);
      expect(result.passed, JSON.stringify(check)).toBe(false);
      expect(result.message).toMatch(message);
    }
    await failsThenPasses(
      { kind: 'container', name: 'careful', restartRetries: 3, capDrop: ['CHOWN'], user: 'root', publishes: false },
      'docker run -d --name careful --restart on-failure:3 --cap-drop chown busybox sleep 600',
      /No container named careful/,
    );
    expect((await evaluateCheck({ kind: 'container', name: 'open', publishes: true }, ctx)).passed).toBe(true);
  });

  it('a custom message replaces the generated sentence', async () => {
    expect(await evaluateCheck({ kind: 'container', name: 'nobody', message: 'Start the container first.' }, ctx)).toEqual({
      passed: false,
      message: 'Start the container first.',
    });
  });
});

describe('near misses never pass', () => {
  it('a container with a similar name, on the wrong port, or exited instead of running', async () => {
    await sh('docker run -d --name webserver2 -p 8090:8000 busybox sleep 600 && docker run --name once busybox true');
    const cases: [Check, RegExp][] = [
      [{ kind: 'container', name: 'webserver' }, /No container named webserver exists yet/],
      [
        { kind: 'container', name: 'webserver2', ports: [{ container: 8000, host: 8080 }] },
        /does not publish its port 8000\/tcp on host port 8080/,
      ],
      [{ kind: 'container', name: 'webserver2', ports: [{ container: 80 }] }, /does not publish its port 80\/tcp/],
      [{ kind: 'container', name: 'once', state: 'running' }, /is exited \(exit code 0\), but it should be running/],
      [{ kind: 'container', name: 'once', logs: 'anything' }, /does not contain "anything"/],
    ];
    for (const [check, message] of cases) {
      const result = await evaluateCheck(check, ctx);
      expect(result.passed, JSON.stringify(check)).toBe(false);
      expect(result.message).toMatch(message);
    }
  });

  it('an image built but not tagged as asked', async () => {
    await sh(
      `mkdir -p ~/workspace/untagged && cd ~/workspace/untagged && printf 'FROM busybox\nLABEL x=1\n' > Dockerfile && docker build -q .`,
    );
    expect(await evaluateCheck({ kind: 'image', name: 'untagged:v1' }, ctx)).toEqual({
      passed: false,
      message: 'There is no image untagged:v1 yet (`docker images` lists them).',
    });
    await sh('cd ~/workspace/untagged && docker build -q -t untagged:v2 .');
    expect((await evaluateCheck({ kind: 'image', name: 'untagged:v1' }, ctx)).passed).toBe(false);
  });
});

describe('image checks', () => {
  it('configuration, layers, identity and FROM scratch', async () => {
    await sh(`mkdir -p ~/workspace/img && cd ~/workspace/img && printf 'hello' > msg && cat > Dockerfile <<'EOF2'
FROM busybox
ENV MODE=fast
LABEL team=blue
WORKDIR /app
COPY msg .
EXPOSE 8080
ENTRYPOINT ["cat"]
CMD ["msg"]
EOF2`);
    await failsThenPasses(
      {
        kind: 'image',
        name: 'hello:v1',
        entrypoint: ['cat'],
        cmd: ['msg'],
        env: { MODE: 'fast' },
        labels: { team: 'blue' },
        workdir: '/app',
        exposedPorts: ['8080/tcp'],
        sharesLayersWith: 'busybox',
        minLayers: 3,
        fromScratch: false,
      },
      'cd ~/workspace/img && docker build -q -t hello:v1 .',
      /There is no image hello:v1 yet/,
    );
    await failsThenPasses(
      { kind: 'image', name: 'hello:latest', sameIdAs: 'hello:v1' },
      'docker tag hello:v1 hello:latest',
      /no image hello:latest/,
    );
    await failsThenPasses({ kind: 'image', name: 'hello:v1', exists: false }, 'docker rmi hello:v1', /still exists/);
    await sh(
      `mkdir -p ~/workspace/scratch && cd ~/workspace/scratch && printf 'x' > f && printf 'FROM scratch\\nCOPY f /f\\n' > Dockerfile && docker build -q -t bare .`,
    );
    expect(await evaluateCheck({ kind: 'image', name: 'bare', fromScratch: true }, ctx)).toMatchObject({ passed: true });
    expect((await evaluateCheck({ kind: 'image', name: 'hello', fromScratch: true }, ctx)).message).toMatch(
      /is built on top of \S+, not FROM scratch/,
    );
  });
});

describe('volume, network, file, http, registry and script checks', () => {
  it('volume with a file and its content', async () => {
    await failsThenPasses(
      { kind: 'volume', name: 'notes', holdsFile: 'today.txt', fileContains: 'remember' },
      'docker run --rm -v notes:/n busybox sh -c "echo remember > /n/today.txt"',
      /no volume named notes/,
    );
  });

  it('network with attached containers', async () => {
    await failsThenPasses(
      { kind: 'network', name: 'backend', driver: 'bridge', containers: ['db'] },
      'docker network create backend && docker run -d --name db --network backend busybox sleep 600',
      /no network named backend/,
    );
  });

  it('file in the workspace', async () => {
    await failsThenPasses(
      { kind: 'file', path: 'app/config.yml', contains: 'port: 80', matches: '^port: \\d+' },
      'mkdir -p ~/workspace/app && echo "port: 80" > ~/workspace/app/config.yml',
      /no file app\/config.yml/,
    );
  });

  it('http from inside the sandbox', async () => {
    await failsThenPasses(
      { kind: 'http', url: 'http://localhost:8081/', contains: 'Directory listing' },
      'docker run -d --name py -p 8081:8000 python:3 python -m http.server 8000 && for i in $(seq 50); do curl -s localhost:8081 >/dev/null && break; sleep 0.2; done',
      /Nothing answers at http:\/\/localhost:8081\//,
    );
  });

  it('registry tag', async () => {
    await failsThenPasses(
      { kind: 'registry', registry: 'localhost:5000', repository: 'hello', tag: 'v2' },
      'docker run -d --name registry -p 5000:5000 registry:2 && for i in $(seq 50); do curl -s localhost:5000/v2/ >/dev/null && break; sleep 0.2; done && docker tag busybox localhost:5000/hello:v2 && docker push -q localhost:5000/hello:v2',
      /Nothing answers at localhost:5000/,
    );
  });

  it('script: FAIL lines become the message', async () => {
    const result = await evaluateCheck({ kind: 'script', run: 'echo "FAIL: The answer is not 42 yet."; exit 1' }, ctx);
    expect(result).toEqual({ passed: false, message: 'The answer is not 42 yet.' });
    expect(await evaluateCheck({ kind: 'script', run: 'test "$(id -u)" = 1000' }, ctx)).toMatchObject({ passed: true });
  });
});

describe('exercises', () => {
  it('pass only when every check passes, and say what the first failing one misses', async () => {
    const exercise: Exercise = {
      id: 'two',
      title: 'Two things',
      task: '',
      hints: [],
      solution: '',
      solve: '',
      wrong: [],
      line: 1,
      checks: [
        { kind: 'file', path: 'first.txt' },
        { kind: 'file', path: 'second.txt' },
      ],
    };
    await sh('touch ~/workspace/first.txt');
    expect(await evaluateExercise(exercise, ctx)).toEqual({ passed: false, message: 'There is no file second.txt in your workspace yet.' });
    await sh('touch ~/workspace/second.txt');
    expect((await evaluateExercise(exercise, ctx)).passed).toBe(true);
  });
});
