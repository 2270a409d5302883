// The Docker a learner meets in a sandbox, and the kit's images behaving like their Docker Hub
// namesakes: each pulled through the mirror and run by the sandbox's own engine, as a lesson would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InnerEngine } from '../../sandbox-server/sandboxes/inner-engine.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
let inner: InnerEngine;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  inner = await sandbox.backend.openEngine(sandbox.sandbox);
});

afterAll(async () => {
  inner?.close();
  await sandbox?.destroy();
});

/** A shell command as the learner: its output; fails the test with all it printed unless it exits 0. */
async function sh(script: string): Promise<string> {
  const result = await sandbox.sh(script);
  expect(result.exitCode, `${script}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/** Retries a command for a few seconds, for servers that take a moment to listen. */
const untilOk = (command: string) => `(for i in $(seq 50); do ${command} && exit 0; sleep 0.2; done; ${command})`;

describe("the sandbox's Docker", () => {
  it('is Docker Engine 26 or later with the compose and buildx plugins', async () => {
    const version = await sh("docker version --format '{{.Server.Version}}'");
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(26);
    expect(await sh('docker compose version')).toMatch(/Docker Compose version v?2\./);
    expect(await sh('docker buildx version')).toMatch(/buildx v?0\.\d+/);
  });

  it('builds with BuildKit by default, and with the legacy builder when DOCKER_BUILDKIT=0', async () => {
    const dockerfile = 'mkdir -p /tmp/b && printf "FROM busybox\\nRUN echo built > /f\\nCMD cat /f\\n" > /tmp/b/Dockerfile';
    const buildkit = await sh(`${dockerfile} && docker build -t built /tmp/b 2>&1 && docker run --rm built`);
    expect(buildkit).toMatch(/#\d+ \[1\/2\] FROM docker.io\/library\/busybox/);
    expect(buildkit).toContain('built\n');
    expect(await sh('docker build -t built /tmp/b 2>&1')).toMatch(/#(\d+) \[2\/2\] RUN echo built.*\n#\1 CACHED/);
    expect(await sh('DOCKER_BUILDKIT=0 docker build -t legacy /tmp/b 2>&1')).toMatch(/Step 1\/3 : FROM busybox/);
  });

  it('brings up a two-service compose.yaml whose services reach each other by name', async () => {
    // Each service talks to the other with bash's /dev/tcp: neither image has a client for the other.
    await sh(
      [
        'mkdir -p ~/pair && cd ~/pair',
        `printf 'services:\n  web:\n    image: nginx\n  cache:\n    image: redis\n' > compose.yaml`,
        `printf 'exec 3<>/dev/tcp/cache/6379; printf "PING\\r\\n" >&3; head -c 5 <&3\n' > ask-cache.sh`,
        `printf 'exec 3<>/dev/tcp/web/80; printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3; cat <&3\n' > ask-web.sh`,
        'docker compose up -d',
      ].join(' && '),
    );
    expect(await sh(`cd ~/pair && ${untilOk('docker compose exec -T web bash -s < ask-cache.sh')}`)).toContain('+PONG');
    expect(await sh(`cd ~/pair && ${untilOk('docker compose exec -T cache bash -s < ask-web.sh')}`)).toContain('Welcome to nginx!');
    await sh('cd ~/pair && docker compose down');
  });
});

describe('the lesson images', () => {
  it('busybox: every applet, and a wget that reports errors instead of crashing (1.35 segfaulted on -T)', async () => {
    expect(await sh('docker run --rm busybox sh -c "which grep ifconfig true env wget"')).toContain('/bin/wget');
    const failing = await sandbox.run(['docker', 'run', '--rm', 'busybox', 'wget', '-T', '2', '-q', 'http://127.0.0.1:9/']);
    expect(failing.exitCode).toBe(1);
    expect(failing.stderr).toContain("can't connect");
  });

  it('debian: trixie, bookworm and latest (= trixie), with bash as the default command', async () => {
    const release = (tag: string) => sh(`docker run --rm debian:${tag} sh -c '. /etc/os-release; echo $VERSION_CODENAME'`);
    expect(await release('trixie')).toBe('trixie\n');
    expect(await release('bookworm')).toBe('bookworm\n');
    expect(await release('latest')).toBe('trixie\n');
    expect(await sh("docker image inspect debian:latest --format '{{json .Config.Cmd}}'")).toBe('["bash"]\n');
  });

  it("debian and the images on it: Docker Hub's apt settings, so no layer that ran apt keeps apt's caches", async () => {
    for (const tag of ['trixie', 'bookworm']) {
      expect(await sh(`docker run --rm debian:${tag} cat /etc/apt/apt.conf.d/docker-clean`)).toContain('Dir::Cache::pkgcache "";');
      expect(await sh(`docker run --rm debian:${tag} cat /etc/dpkg/dpkg.cfg.d/docker-apt-speedup`)).toBe('force-unsafe-io\n');
    }
    for (const image of ['nginx', 'redis', 'node', 'python:3', 'registry:2']) {
      expect(await sh(`docker run --rm --entrypoint find ${image} /var/cache/apt /var/lib/apt/lists -type f ! -name lock`), image).toBe('');
    }
  });

  it('python:3 and python:3-slim: python and pip, http.server, and slim is much smaller', async () => {
    for (const tag of ['3', '3-slim']) {
      const out = await sh(
        `docker run --rm python:${tag} sh -c 'python -c "import http.server, sys; print(sys.version_info[0])" && pip --version'`,
      );
      expect(out).toMatch(/^3\npip \d+/);
    }
    const size = async (tag: string) => (await inner.image(`python:${tag}`))?.Size ?? 0;
    expect(await size('3-slim')).toBeLessThan((await size('3')) * 0.6);
  });

  it('nginx: the welcome page on port 80 in the foreground, and the same with an explicit daemon off', async () => {
    await sh('docker run -d --name web -p 8081:80 nginx');
    expect(await sh(untilOk('curl -sf localhost:8081'))).toContain('<title>Welcome to nginx!</title>');
    await sh(
      `mkdir -p ~/site && echo mine > ~/site/index.html && docker run -d --name web2 -p 8082:80 -v ~/site:/usr/share/nginx/html:ro nginx nginx -g 'daemon off;'`,
    );
    expect(await sh(untilOk('curl -sf localhost:8082'))).toBe('mine\n');
    await sh('docker rm -f web web2');
  });

  it('redis: redis-server on 6379 that other containers reach, with redis-cli inside', async () => {
    expect(await sh('docker run --rm redis redis-cli --version')).toMatch(/^redis-cli \d+\.\d+/);
    await sh('docker network create shop && docker run -d --name cache --network shop redis');
    expect(await sh(untilOk('docker run --rm --network shop redis redis-cli -h cache ping'))).toContain('PONG');
    await sh('docker rm -f cache && docker network rm shop');
  });

  it('node: node and npm on the PATH, and a WORKDIR app built from it runs', async () => {
    expect(await sh("docker run --rm node node -e 'console.log(6*7)'")).toBe('42\n');
    expect(await sh('docker run --rm node npm --version')).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(await sh('docker run --rm node npx --version')).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(await sh("docker run --rm -u node -w /home/node node sh -c 'npm init -y >/dev/null && npm pkg get name'")).toBe('"node"\n');
    await sh(
      `mkdir -p ~/app && cd ~/app && echo 'console.log("app " + process.cwd())' > app.js && printf 'FROM node\\nWORKDIR /app\\nCOPY app.js .\\nCMD ["node", "app.js"]\\n' > Dockerfile && docker build -q -t app .`,
    );
    expect(await sh('docker run --rm app')).toBe('app /app\n');
    // npm installs a local package during a build, as lessons do with their own code.
    await sh(
      `mkdir -p ~/napp/lib && cd ~/napp && echo 'module.exports = 6 * 7' > lib/index.js && echo '{"name": "lib", "version": "1.0.0"}' > lib/package.json && echo 'console.log(require("lib"))' > main.js && printf 'FROM node\\nWORKDIR /app\\nCOPY . .\\nRUN npm init -y >/dev/null && npm install --offline ./lib\\nCMD ["node", "main.js"]\\n' > Dockerfile && docker build -q -t napp .`,
    );
    expect(await sh('docker run --rm napp')).toBe('42\n');
  });

  it('registry:2: a registry the learner runs, pushes to and pulls from', async () => {
    await sh('docker run -d --name registry -p 5000:5000 registry:2');
    await sh(
      `${untilOk('curl -sf localhost:5000/v2/ >/dev/null')} && docker pull -q busybox && docker tag busybox localhost:5000/mine && docker push -q localhost:5000/mine`,
    );
    expect(await sh('curl -s localhost:5000/v2/_catalog')).toContain('"mine"');
    await sh('docker rm -f registry');
  });

  it('hello-world: greets', async () => {
    expect(await sh('docker run --rm hello-world')).toContain('Hello from Docker!');
  });
});
