import { once } from 'node:events';
import { type ClientRequestArgs, createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { proxyPreview } from '../../sandbox-server/preview/proxy.ts';
import { proxyPreviewUpgrade } from '../../sandbox-server/preview/upgrade.ts';
import { WORKSPACE_DIR } from '../../sandbox-server/sandboxes/learner.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const TIMEOUT_MS = 1000;
let sandbox: TestSandbox;
let proxy: Server;
let decoy: Server;
let decoyHits = 0;
let base: string;
let decoyPort: number;

// A small app with what python's standard library lacks: a WebSocket echo (handshake and frames by
// hand), plus an echo of the request, redirects, a slow answer and a body sent in two parts.
const APP = `
import base64, hashlib, json, struct, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class App(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        if self.headers.get('Upgrade', '').lower() == 'websocket':
            return self.echo_websocket()
        if self.path.startswith('/redirect-absolute'):
            return self.reply(302, b'', {'Location': 'http://localhost:5001/landed?via=absolute'})
        if self.path.startswith('/redirect-away'):
            return self.reply(302, b'', {'Location': 'http://example.com/elsewhere'})
        if self.path.startswith('/redirect'):
            return self.reply(302, b'', {'Location': '/landed?via=path'})
        if self.path.startswith('/claims'):
            self.send_response(200)
            self.send_header('Service-Worker-Allowed', '/')
            self.send_header('Set-Cookie', 'dockhand_preview_other=forged; Path=/sessions/other/preview/')
            self.send_header('Set-Cookie', 'theme=dark; Path=/; Domain=127.0.0.1; SameSite=Lax')
            self.send_header('Set-Cookie', 'cart=1')
            self.send_header('Content-Length', '2')
            self.end_headers()
            self.wfile.write(b'ok')
            return
        if self.path.startswith('/split-'):
            # One answer that a lenient parser reads differently from a browser: a bare CR as a line
            # end, or a body length given twice.
            head = {
                '/split-cr': b'HTTP/1.1 200 OK\\r\\nContent-Length: 2\\rSet-Cookie: injected=1\\r\\n\\r\\nok',
                '/split-te': b'HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 40\\r\\n\\r\\n2\\r\\nok\\r\\n0\\r\\n\\r\\n',
            }[self.path]
            self.wfile.write(head)
            self.close_connection = True
            return
        if self.path.startswith('/slow'):
            time.sleep(3)
        if self.path.startswith('/stream'):
            self.send_response(200)
            self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(b'first,')
            time.sleep(2)
            self.wfile.write(b'second')
            self.close_connection = True
            return
        body = json.dumps({'path': self.path, 'headers': {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.reply(200, body, {'Content-Type': 'application/json', 'Set-Cookie': 'dockhand_session=forged; Path=/'})

    def reply(self, status, body, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def echo_websocket(self):
        key = self.headers['Sec-WebSocket-Key'].encode()
        accept = base64.b64encode(hashlib.sha1(key + b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest()).decode()
        self.send_response(101)
        self.send_header('Upgrade', 'websocket')
        self.send_header('Connection', 'Upgrade')
        self.send_header('Sec-WebSocket-Accept', accept)
        self.send_header('Set-Cookie', 'dockhand_preview_s1=forged; Path=/')
        self.send_header('Service-Worker-Allowed', '/')
        self.end_headers()
        while True:
            first, second = self.rfile.read(2)
            opcode, length = first & 15, second & 127
            if length == 126:
                length = struct.unpack('>H', self.rfile.read(2))[0]
            elif length == 127:
                length = struct.unpack('>Q', self.rfile.read(8))[0]
            mask = self.rfile.read(4)
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
            if opcode == 8:
                self.wfile.write(bytes([136, 0]))
                break
            reply = b'echo: ' + data
            self.wfile.write(bytes([128 | opcode, len(reply)]) + reply)
        self.close_connection = True

    def log_message(self, *args):
        pass

ThreadingHTTPServer(('', 8000), App).serve_forever()
`;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  await inSandbox(
    'mkdir -p site/docs && printf "hello from the sandbox\\n" > site/hello.txt && printf "<h1>docs</h1>" > site/docs/index.html',
  );
  await inSandbox('docker run -d -p 5000:8000 -v "$PWD/site:/srv" -w /srv python:3 python -m http.server 8000');
  await sandbox.run(['docker', 'run', '-d', '-p', '5001:8000', 'python:3', 'python', '-c', APP]);
  // busybox httpd passes a CGI script's header lines on as the script wrote them: ending in a bare LF.
  await inSandbox(
    `mkdir -p cgi/cgi-bin && printf '#!/bin/sh\\nprintf "Content-Type: text/plain\\\\nX-Made-By: cgi\\\\n\\\\nhello from cgi\\\\n"\\n' > cgi/cgi-bin/hello && chmod +x cgi/cgi-bin/hello`,
  );
  await inSandbox('docker run -d -p 5002:80 -v "$PWD/cgi:/www" busybox httpd -f -p 80 -h /www');

  // Stands in for everything the proxy must never reach.
  decoy = createServer((_req, res) => {
    decoyHits++;
    res.end('decoy');
  });
  decoy.listen(0, '127.0.0.1');
  await once(decoy, 'listening');
  decoyPort = (decoy.address() as AddressInfo).port;

  // The route the lead wires: /sessions/:id/preview/:port/..., to the sandbox's ports as its backend dials them.
  const dial = (port: number) => sandbox.backend.dialPort(sandbox.sandbox, port);
  const target = (url: string | undefined) => {
    const match = /^\/sessions\/s1\/preview\/([^/?]*)/.exec(url ?? '');
    return match ? { dial, port: match[1] ?? '', prefix: match[0] } : undefined;
  };
  const options = { timeoutMs: TIMEOUT_MS, privateCookies: ['dockhand_session', 'dockhand_preview_'] };
  proxy = createServer((req, res) => {
    const found = target(req.url);
    if (found) proxyPreview(req, res, found, options);
    else res.writeHead(404).end();
  });
  proxy.on('upgrade', (req, socket, head) => {
    const found = target(req.url);
    if (found) proxyPreviewUpgrade(req, socket, head, found, options);
    else socket.destroy();
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/sessions/s1/preview`;
  await waitForHttp(`${base}/5000/hello.txt`);
  await waitForHttp(`${base}/5001/`);
});

afterAll(async () => {
  proxy?.close();
  decoy?.close();
  await sandbox?.destroy();
});

async function inSandbox(script: string): Promise<void> {
  const result = await sandbox.sh(`cd ${WORKSPACE_DIR} && ${script}`);
  if (result.exitCode !== 0) throw new Error(`${script} failed: ${result.stderr}`);
}

function waitForHttp(url: string): Promise<void> {
  return vi.waitFor(
    async () => {
      if (!(await fetch(url)).ok) throw new Error(`${url} does not answer yet`);
    },
    { timeout: 30_000, interval: 200 },
  );
}

type Echo = { path: string; headers: Record<string, string> };

/** One GET on a fresh connection (dialled by the sandbox backend, when given), timed; the body is drained. */
function timedGet(url: string, dial?: () => Promise<Duplex>): Promise<number> {
  const started = performance.now();
  const createConnection: ClientRequestArgs['createConnection'] = dial
    ? (_options, connected) =>
        void dial().then(
          (connection) => connected(null, connection),
          (error: Error) => connected(error, undefined as never),
        )
    : undefined;
  return new Promise((resolve, reject) => {
    get(url, dial ? { createConnection } : { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    }).on('error', reject);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe('the web preview', () => {
  it('serves a file from python -m http.server running in the sandbox, as the app sent it', async () => {
    const response = await fetch(`${base}/5000/hello.txt`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello from the sandbox\n');
    // The preview has an origin of its own (see api/preview.ts): the learner's page is not sandboxed.
    expect(response.headers.get('content-security-policy')).toBeNull();
  });

  it('passes query strings through and sends the app its own Host, but never Dockhand cookies', async () => {
    const response = await fetch(`${base}/5001/search?q=two%20words&page=2`, {
      headers: { cookie: 'dockhand_session=secret; theme=dark' },
    });
    const echo = (await response.json()) as Echo;
    expect(echo.path).toBe('/search?q=two%20words&page=2');
    expect(echo.headers.cookie).toBe('theme=dark');
    expect(echo.headers.host).toBe('localhost:5001');
    expect(echo.headers['x-forwarded-prefix']).toBe('/sessions/s1/preview/5001');
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('rewrites redirects to stay under the preview prefix, and leaves redirects to other sites alone', async () => {
    const location = async (path: string) => (await fetch(`${base}${path}`, { redirect: 'manual' })).headers.get('location');
    expect(await location('/5000')).toBe('/sessions/s1/preview/5000/');
    expect(await location('/5000?x=1')).toBe('/sessions/s1/preview/5000/?x=1');
    expect(await location('/5000/docs')).toBe('/sessions/s1/preview/5000/docs/');
    expect(await location('/5001/redirect')).toBe('/sessions/s1/preview/5001/landed?via=path');
    expect(await location('/5001/redirect-absolute')).toBe('/sessions/s1/preview/5001/landed?via=absolute');
    expect(await location('/5001/redirect-away')).toBe('http://example.com/elsewhere');
    const followed = await fetch(`${base}/5000/docs`);
    expect(followed.url).toBe(`${base}/5000/docs/`);
    expect(await followed.text()).toBe('<h1>docs</h1>');
  });

  it('answers 502 with a clear message when nothing listens on the port', async () => {
    const response = await fetch(`${base}/5009/`);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toContain('nothing is listening on port 5009 in the sandbox');
  });

  it('shows a person a page, not JSON, when nothing listens: what to do, and a reload', async () => {
    const response = await fetch(`${base}/5009/app?x=<b>`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await response.text();
    expect(page).toContain('<h1>Nothing answers on port 5009 yet</h1>');
    expect(page).toContain('Nothing answers on port 5009 in your sandbox yet: start your server and reload.');
    // The reload link is the address asked for.
    expect(page).toContain('href="/sessions/s1/preview/5009/app?x=%3Cb%3E"');
    expect(page).not.toContain('<script');
  });

  it('answers 400 for ports that are not ports', async () => {
    for (const port of ['0', '70000', 'abc', '080', '-1']) {
      const response = await fetch(`${base}/${port}/`);
      expect({ port, status: response.status }).toEqual({ port, status: 400 });
      expect(((await response.json()) as { error: string }).error).toContain('is not a port');
    }
  });

  it('gives up with 504 when the app does not answer in time', async () => {
    const started = Date.now();
    const response = await fetch(`${base}/5001/slow`);
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: string }).error).toContain('did not answer within 1 s');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1500);
  });

  it('streams bodies: the first part arrives while the app is still writing the rest', async () => {
    const started = Date.now();
    const response = await fetch(`${base}/5001/stream`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    const firstAfter = Date.now() - started;
    let rest = '';
    for (let part = await reader.read(); !part.done; part = await reader.read()) rest += Buffer.from(part.value).toString();
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe('first,');
    expect(rest).toBe('second');
    expect(firstAfter).toBeLessThan(1500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it('reaches only the sandbox: paths and Host headers that name other servers go to the app', async () => {
    const tricks = [`/5001//127.0.0.1:${decoyPort}/`, `/5001/http://127.0.0.1:${decoyPort}/`, `/5001/@127.0.0.1:${decoyPort}/`];
    for (const trick of tricks) {
      const echo = await new Promise<Echo>((resolve, reject) => {
        get(`${base}${trick}`, { headers: { host: `127.0.0.1:${decoyPort}` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
        }).on('error', reject);
      });
      // Python folds leading slashes; what matters is that the app, not the decoy, got the request.
      expect(echo.path).toMatch(new RegExp(`127\\.0\\.0\\.1:${decoyPort}/$`));
      expect(echo.headers['x-forwarded-host']).toBe(`127.0.0.1:${decoyPort}`);
    }
    expect(decoyHits).toBe(0);
  });

  it('proxies a WebSocket to an echo server in the sandbox', async () => {
    const socket = new WebSocket(`${base.replace('http:', 'ws:')}/5001/echo`);
    await once(socket, 'open');
    socket.send('hello through the proxy');
    const [message] = await once(socket, 'message');
    expect(String(message)).toBe('echo: hello through the proxy');
    socket.close();
    await once(socket, 'close');
  });

  it('refuses WebSocket upgrades to bad ports (400) and closed ones (502)', async () => {
    for (const [port, status] of [
      ['abc', 400],
      ['5009', 502],
    ] as const) {
      const socket = new WebSocket(`${base.replace('http:', 'ws:')}/${port}/echo`);
      // Aborting a handshake that was refused reports an error; the refusal is what is checked here.
      socket.on('error', () => {});
      const [, response] = await once(socket, 'unexpected-response');
      expect(response.statusCode).toBe(status);
      socket.terminate();
    }
  });

  it('drops what would let an app claim the preview origin: Service-Worker-Allowed, Dockhand cookies, cookies for other paths', async () => {
    const response = await fetch(`${base}/5001/claims`);
    expect(response.status).toBe(200);
    expect(response.headers.get('service-worker-allowed')).toBeNull();
    // The app's own cookies stay under its prefix and on this host; Dockhand's are never the app's to set.
    expect(response.headers.getSetCookie()).toEqual(['theme=dark; Path=/sessions/s1/preview/5001/; SameSite=Lax', 'cart=1']);
  });

  it('refuses to fetch a service worker script: none is ever installed on the preview origin', async () => {
    const response = await fetch(`${base}/5001/sw.js`, { headers: { 'service-worker': 'script' } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toContain('previews do not allow them');
    // An ordinary fetch of the same script still works.
    expect((await fetch(`${base}/5001/sw.js`)).status).toBe(200);
  });

  it('filters the headers of a 101 as those of any answer', async () => {
    const socket = new WebSocket(`${base.replace('http:', 'ws:')}/5001/echo`);
    const opened = once(socket, 'open');
    const [response] = (await once(socket, 'upgrade')) as [IncomingMessage];
    expect(response.statusCode).toBe(101);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['service-worker-allowed']).toBeUndefined();
    expect(response.headers.upgrade).toBe('websocket');
    await opened;
    socket.close();
  });

  it('shows an app whose header lines end in a bare LF (a busybox httpd CGI script), as a browser would', async () => {
    const url = `${base}/5002/cgi-bin/hello`;
    await vi.waitFor(
      async () => {
        const response = await fetch(url);
        expect(response.status, await response.clone().text()).toBe(200);
      },
      { timeout: 30_000, interval: 300 },
    );
    const response = await fetch(url);
    expect(response.headers.get('x-made-by')).toBe('cgi');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('hello from cgi\n');
  });

  it('refuses an answer that could be read as two (a bare CR line end, two body lengths) with 502', async () => {
    for (const path of ['/5001/split-cr', '/5001/split-te']) {
      const response = await fetch(`${base}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 502 });
      expect(response.headers.get('set-cookie')).toBeNull();
    }
  });

  it('adds little latency: median of 50 small GETs, direct and through the proxy', async () => {
    const direct: number[] = [];
    const proxied: number[] = [];
    for (let i = 0; i < 50; i++) {
      direct.push(await timedGet('http://localhost:5000/hello.txt', () => sandbox.backend.dialPort(sandbox.sandbox, 5000)));
      proxied.push(await timedGet(`${base}/5000/hello.txt`));
    }
    const overhead = median(proxied) - median(direct);
    console.log(
      `preview latency: direct ${median(direct).toFixed(2)} ms, proxied ${median(proxied).toFixed(2)} ms, overhead ${overhead.toFixed(2)} ms`,
    );
    expect(overhead).toBeLessThan(25);
  });
});
