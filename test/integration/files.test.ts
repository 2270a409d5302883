import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleFilesRequest } from '../../sandbox-server/api/files.ts';
import { MAX_FILE_BYTES } from '../../sandbox-server/files/workspace.ts';
import { refusalOf } from '../../sandbox-server/http/errors.ts';
import { sendError, sendRefusal } from '../../sandbox-server/http/respond.ts';
import { WORKSPACE_DIR as WS } from '../../sandbox-server/sandboxes/learner.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const FILES = '/api/sessions/s1/files';
let sandbox: TestSandbox;
let server: Server;
let port: number;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  // Routes on the raw request path, so traversal attempts reach the handler exactly as sent.
  server = createServer((req, res) => {
    const pathname = (req.url ?? '').split('?')[0] ?? '';
    const rest = pathname === FILES ? '' : pathname.startsWith(`${FILES}/`) ? pathname.slice(FILES.length + 1) : undefined;
    if (rest === undefined) return sendError(res, 404, 'not a files URL');
    handleFilesRequest(req, res, { backend: sandbox.backend, sandbox: sandbox.sandbox, rest }).catch((error: Error) => {
      const refusal = refusalOf(error);
      if (refusal) sendRefusal(res, refusal);
      else sendError(res, 500, error.message);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.close();
  await sandbox?.destroy();
});

type Reply = { status: number; body: { error?: string; [key: string]: unknown } };

/** A request with the path sent byte for byte (fetch would resolve ".." and "%2e%2e" before sending). */
function call(method: string, path: string, body?: string | Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const save = (path: string, content: string) => call('PUT', `${FILES}/${path}`, JSON.stringify({ content }));

async function shell(script: string): Promise<string> {
  const result = await sandbox.sh(script);
  if (result.exitCode !== 0) throw new Error(`${script} failed: ${result.stderr}`);
  return result.stdout;
}

describe('the workspace file API', () => {
  it('saves text exactly as sent, owned by the learner and visible to their shell at once', async () => {
    const content = 'héllo wörld ✓ 🐳\r\nsecond line\n\n\tindented  \nno newline at the end';
    const saved = await save('notes/deep/hello.txt', content);
    expect(saved).toEqual({ status: 200, body: { path: 'notes/deep/hello.txt', size: Buffer.byteLength(content) } });
    expect(await shell(`cat ${WS}/notes/deep/hello.txt`)).toBe(content);
    expect(await shell(`stat -c '%u:%g %a' ${WS}/notes/deep/hello.txt ${WS}/notes/deep`)).toBe('1000:1000 644\n1000:1000 755\n');
    expect((await call('GET', `${FILES}/notes/deep/hello.txt`)).body).toEqual({
      path: 'notes/deep/hello.txt',
      content,
      size: saved.body.size,
    });
  });

  it('round-trips a byte order mark, a trailing newline and an empty file', async () => {
    for (const content of ['\uFEFFwith a BOM\n', 'ends with two newlines\n\n', '']) {
      expect((await save('roundtrip.txt', content)).status).toBe(200);
      expect((await call('GET', `${FILES}/roundtrip.txt`)).body.content).toBe(content);
      expect(Number(await shell(`wc -c < ${WS}/roundtrip.txt`))).toBe(Buffer.byteLength(content));
    }
  });

  it("opens what the learner's shell wrote, and keeps a file's mode when saving over it", async () => {
    await shell(`printf '#!/bin/sh\\necho hi\\n' > ${WS}/run.sh && chmod 750 ${WS}/run.sh`);
    expect((await call('GET', `${FILES}/run.sh`)).body.content).toBe('#!/bin/sh\necho hi\n');
    expect((await save('run.sh', '#!/bin/sh\necho bye\n')).status).toBe(200);
    expect(await shell(`stat -c %a ${WS}/run.sh && ${WS}/run.sh`)).toBe('750\nbye\n');
  });

  it('lists a folder: folders first, with workspace-relative paths and sizes; names with spaces work', async () => {
    await shell(`mkdir -p ${WS}/listing/sub && printf 12345 > "${WS}/listing/with space.txt" && printf x > ${WS}/listing/a.txt`);
    const listing = await call('GET', `${FILES}?dir=listing`);
    expect(listing).toEqual({
      status: 200,
      body: {
        entries: [
          { name: 'sub', path: 'listing/sub', type: 'dir', size: 0, modifiedMs: expect.any(Number) },
          { name: 'a.txt', path: 'listing/a.txt', type: 'file', size: 1, modifiedMs: expect.any(Number) },
          { name: 'with space.txt', path: 'listing/with space.txt', type: 'file', size: 5, modifiedMs: expect.any(Number) },
        ],
        truncated: false,
      },
    });
    expect((await call('GET', `${FILES}/listing/with%20space.txt`)).body.content).toBe('12345');
    const root = (await call('GET', FILES)).body.entries as { path: string; type: string }[];
    expect(root).toContainEqual({ name: 'listing', path: 'listing', type: 'dir', size: 0, modifiedMs: expect.any(Number) });
  });

  it("tells when a file changed: its modification time follows the learner's shell", async () => {
    await shell(`printf one > ${WS}/listing/a.txt && touch -d '2026-01-02 03:04:05.678 UTC' ${WS}/listing/a.txt`);
    const entry = () =>
      call('GET', `${FILES}?dir=listing`).then(
        (reply) => (reply.body.entries as { name: string; modifiedMs: number }[]).find((found) => found.name === 'a.txt')?.modifiedMs,
      );
    expect(await entry()).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    await shell(`printf two > ${WS}/listing/a.txt`);
    expect(await entry()).toBeGreaterThan(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  });

  it('refuses paths that climb out of the workspace, in every spelling, with 403', async () => {
    await shell(`printf secret > /home/learner/outside.txt`);
    const attempts = [
      `${FILES}/../outside.txt`,
      `${FILES}/notes/../../outside.txt`,
      `${FILES}/%2e%2e/outside.txt`,
      `${FILES}/%2E%2E/outside.txt`,
      `${FILES}/..%2foutside.txt`,
      `${FILES}/notes%2f..%2f..%2foutside.txt`,
      `${FILES}//etc/passwd`,
      `${FILES}/%2fetc%2fpasswd`,
      `${FILES}/..%5coutside.txt`,
      `${FILES}/notes%00/x`,
      `${FILES}?dir=..`,
      `${FILES}?dir=notes/../..`,
      `${FILES}?dir=%2e%2e`,
      `${FILES}?dir=/etc`,
    ];
    for (const path of attempts) {
      const reply = await call('GET', path);
      expect({ path, status: reply.status }).toEqual({ path, status: 403 });
      expect(reply.body.error).toMatch(/absolute path|climbs out|encodes a "\/"|backslash|NUL/);
    }
    const write = await call('PUT', `${FILES}/../escaped.txt`, JSON.stringify({ content: 'x' }));
    expect(write.status).toBe(403);
    expect(await shell('ls /home/learner')).not.toContain('escaped.txt');
  });

  it('refuses symlinks that lead outside, for reading, listing and writing, while links inside work', async () => {
    await shell(
      `cd ${WS} && ln -s /etc etc && ln -s /etc/passwd passwd && ln -s /tmp tmp && ln -s .. up && ln -s notes/deep/hello.txt inside`,
    );
    for (const path of [`${FILES}/etc/passwd`, `${FILES}/passwd`, `${FILES}/up/outside.txt`, `${FILES}?dir=etc`, `${FILES}?dir=up`]) {
      const reply = await call('GET', path);
      expect({ path, status: reply.status }).toEqual({ path, status: 403 });
      expect(reply.body.error).toMatch(/leads outside the workspace/);
    }
    // /tmp is writable by the learner: only the workspace check stands in the way.
    expect((await save('tmp/planted.txt', 'x'.repeat(MAX_FILE_BYTES))).status).toBe(403);
    expect((await save('up/planted.txt', 'x')).status).toBe(403);
    expect(await shell('ls -A /tmp /home/learner')).not.toContain('planted');
    expect((await call('GET', `${FILES}/inside`)).body.content).toMatch(/^héllo/);
  });

  it('answers 404 for missing files and 400 for a folder opened as a file or a file listed as a folder', async () => {
    const missing = await call('GET', `${FILES}/no/such.txt`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('there is no "no/such.txt"');
    expect((await call('GET', `${FILES}?dir=no-such-dir`)).status).toBe(404);
    const folder = await call('GET', `${FILES}/notes`);
    expect(folder.status).toBe(400);
    expect(folder.body.error).toContain('is a folder');
    expect((await call('GET', `${FILES}?dir=run.sh`)).status).toBe(400);
    expect((await save('notes', 'x')).status).toBe(400);
    const parent = await save('run.sh/child.txt', 'x');
    expect(parent.status).toBe(400);
    expect(parent.body.error).toContain('parent folder');
  });

  it('refuses binary files with 415: NUL bytes, invalid UTF-8, and NUL characters in a save', async () => {
    await shell(`printf 'ELF\\000\\001' > ${WS}/program && printf 'caf\\351' > ${WS}/latin1.txt`);
    for (const name of ['program', 'latin1.txt']) {
      const reply = await call('GET', `${FILES}/${name}`);
      expect(reply.status).toBe(415);
      expect(reply.body.error).toContain('the editor only opens text');
    }
    expect((await save('nul.txt', 'a\u0000b')).status).toBe(415);
    expect(await shell(`ls ${WS}`)).not.toContain('nul.txt');
  });

  it('opens and saves files up to 1 MiB, and refuses bigger ones with 413 both ways', async () => {
    await shell(
      `head -c ${MAX_FILE_BYTES} /dev/zero | tr '\\0' a > ${WS}/limit.txt && cp ${WS}/limit.txt ${WS}/big.txt && printf b >> ${WS}/big.txt`,
    );
    const atLimit = await call('GET', `${FILES}/limit.txt`);
    expect(atLimit.status).toBe(200);
    expect(atLimit.body.size).toBe(MAX_FILE_BYTES);
    const big = await call('GET', `${FILES}/big.txt`);
    expect(big.status).toBe(413);
    expect(big.body.error).toContain('up to 1 MiB');
    expect((await save('limit.txt', 'b'.repeat(MAX_FILE_BYTES))).status).toBe(200);
    const tooBig = await save('limit.txt', 'c'.repeat(MAX_FILE_BYTES + 1));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toContain('up to 1 MiB');
    expect(await shell(`head -c 3 ${WS}/limit.txt`)).toBe('bbb');
  });

  it('refuses malformed, mistyped and oversized bodies with a JSON error, changing nothing', async () => {
    await save('keep.txt', 'original');
    const bodies: [string | Buffer, number, RegExp][] = [
      ['{"content": "half', 400, /not valid JSON/],
      ['"just a string"', 400, /\{"content": "\.\.\."\}/],
      ['{"content": 42}', 400, /\{"content": "\.\.\."\}/],
      ['{"text": "x"}', 400, /\{"content": "\.\.\."\}/],
      ['[]', 400, /\{"content": "\.\.\."\}/],
      ['null', 400, /\{"content": "\.\.\."\}/],
      [Buffer.from([0x7b, 0xff, 0x7d]), 400, /not UTF-8/],
      [Buffer.alloc(7 * 1024 * 1024, 0x20), 413, /larger than 6 MiB/],
    ];
    for (const [body, status, error] of bodies) {
      const reply = await call('PUT', `${FILES}/keep.txt`, body);
      expect(reply.status).toBe(status);
      expect(reply.body.error).toMatch(error);
    }
    expect(await shell(`cat ${WS}/keep.txt`)).toBe('original');
  });

  it('does not overwrite a file the learner may not write, and refuses other methods', async () => {
    await shell(`printf locked > ${WS}/locked.txt && chmod 444 ${WS}/locked.txt`);
    const reply = await save('locked.txt', 'changed');
    expect(reply.status).toBe(403);
    expect(reply.body.error).toContain('not allowed to write');
    expect(await shell(`cat ${WS}/locked.txt`)).toBe('locked');
    const other = await call('DELETE', `${FILES}/locked.txt`);
    expect(other.status).toBe(405);
    expect(other.body.error).toContain('POST to create or rename');
  });

  it('replaces a file in one step: a reader never sees half of a save, and no temporary file is left', async () => {
    const sizes = [300_000, 200_000];
    await save('atomic.txt', 'a'.repeat(sizes[0] as number));
    const reader = shell(`for i in $(seq 1500); do wc -c < ${WS}/atomic.txt; done`);
    for (let round = 0; round < 12; round++) {
      const size = sizes[round % 2] as number;
      expect((await save('atomic.txt', String(round % 10).repeat(size))).status).toBe(200);
    }
    const seen = new Set((await reader).trim().split('\n').map(Number));
    expect([...seen].filter((size) => !sizes.includes(size))).toEqual([]);
    // Both versions were seen, so the reader really ran while the saves happened.
    expect(seen.size).toBe(2);
    expect(await shell(`ls -A ${WS}`)).not.toContain('.dockhand-save');
  });
});

const act = (path: string, body: unknown) => call('POST', `${FILES}/${path}`, JSON.stringify(body));
const create = (path: string, type: 'file' | 'dir') => act(path, { op: 'create', type });
const rename = (path: string, to: string) => act(path, { op: 'rename', to });

describe('creating and renaming in the workspace', () => {
  it('creates an empty file and a folder (with the folders above them), owned by the learner', async () => {
    expect(await create('made/deeper/empty.txt', 'file')).toEqual({ status: 201, body: { path: 'made/deeper/empty.txt', type: 'file' } });
    expect(await create('made/folder', 'dir')).toEqual({ status: 201, body: { path: 'made/folder', type: 'dir' } });
    expect(await shell(`stat -c '%F %u %s' ${WS}/made/deeper/empty.txt ${WS}/made/folder`)).toBe(
      'regular empty file 1000 0\ndirectory 1000 4096\n',
    );
  });

  it('never replaces anything: creating a taken name is 409 and the file keeps its content', async () => {
    await save('taken.txt', 'precious\n');
    await shell(`ln -s nowhere ${WS}/dangling`);
    for (const [path, type] of [
      ['taken.txt', 'file'],
      ['taken.txt', 'dir'],
      ['made', 'dir'],
      ['dangling', 'file'],
    ] as const) {
      const reply = await create(path, type);
      expect({ path, type, status: reply.status, code: reply.body.code }).toEqual({ path, type, status: 409, code: 'name_taken' });
      expect(reply.body.error).toContain('already exists');
    }
    expect(await shell(`cat ${WS}/taken.txt; readlink ${WS}/dangling`)).toBe('precious\nnowhere\n');
  });

  it('renames and moves files and folders, into folders that do not exist yet', async () => {
    await save('mv/a.txt', 'A');
    expect(await rename('mv/a.txt', 'mv/b.txt')).toEqual({ status: 200, body: { from: 'mv/a.txt', path: 'mv/b.txt' } });
    expect(await rename('mv/b.txt', 'elsewhere/new/b.txt')).toEqual({
      status: 200,
      body: { from: 'mv/b.txt', path: 'elsewhere/new/b.txt' },
    });
    expect(await rename('elsewhere', 'mv/elsewhere')).toEqual({ status: 200, body: { from: 'elsewhere', path: 'mv/elsewhere' } });
    expect(await shell(`cd ${WS} && find mv | sort && cat mv/elsewhere/new/b.txt`)).toBe(
      'mv\nmv/elsewhere\nmv/elsewhere/new\nmv/elsewhere/new/b.txt\nA',
    );
  });

  it('renames a symlink itself, never what it points to', async () => {
    await shell(`cd ${WS} && printf target > linked.txt && ln -s linked.txt link`);
    expect((await rename('link', 'renamed-link')).status).toBe(200);
    expect(await shell(`cd ${WS} && readlink renamed-link && cat linked.txt && ls link 2>&1 || true`)).toMatch(
      /^linked\.txt\ntarget.*No such file/s,
    );
  });

  it('refuses a rename onto a taken name, of something missing, or of a folder into itself', async () => {
    await save('one.txt', '1');
    await save('two.txt', '2');
    const taken = await rename('one.txt', 'two.txt');
    expect({ status: taken.status, code: taken.body.code }).toEqual({ status: 409, code: 'name_taken' });
    const missing = await rename('no-such.txt', 'x.txt');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('"no-such.txt"');
    const into = await rename('mv', 'mv/inside/mv');
    expect(into.status).toBe(400);
    expect(into.body.error).toContain('cannot move into itself');
    const same = await rename('one.txt', 'one.txt');
    expect(same.status).toBe(409);
    expect(await shell(`cd ${WS} && cat one.txt two.txt && ls mv`)).toBe('12elsewhere\n');
  });

  it('refuses hostile paths on both sides of a rename and for a create, touching nothing outside', async () => {
    await shell(`printf secret > /home/learner/outside.txt && cd ${WS} && ln -sfn /tmp tmp && ln -sfn .. up`);
    const attempts: [string, unknown][] = [
      ['..%2foutside.txt', { op: 'rename', to: 'stolen.txt' }],
      ['../outside.txt', { op: 'rename', to: 'stolen.txt' }],
      ['up/outside.txt', { op: 'rename', to: 'stolen.txt' }],
      ['one.txt', { op: 'rename', to: '../escaped.txt' }],
      ['one.txt', { op: 'rename', to: '/tmp/escaped.txt' }],
      ['one.txt', { op: 'rename', to: 'up/escaped.txt' }],
      ['one.txt', { op: 'rename', to: 'tmp/escaped.txt' }],
      ['one.txt', { op: 'rename', to: 'a\\b.txt' }],
      ['one.txt', { op: 'rename', to: 'nul\u0000.txt' }],
      ['up/planted', { op: 'create', type: 'dir' }],
      ['tmp/planted', { op: 'create', type: 'file' }],
      ['%2e%2e/planted', { op: 'create', type: 'file' }],
    ];
    for (const [path, body] of attempts) {
      const reply = await act(path, body);
      expect({ path, body, status: reply.status }).toEqual({ path, body, status: 403 });
    }
    expect(await shell('ls -A /tmp /home/learner')).not.toMatch(/planted|escaped|stolen/);
    expect(await shell('cat /home/learner/outside.txt')).toBe('secret');
    expect(await shell(`cat ${WS}/one.txt`)).toBe('1');
  });

  it('refuses actions it does not know, and the workspace itself as a name, with a sentence', async () => {
    const bodies: [string, unknown, number, RegExp][] = [
      ['one.txt', { op: 'delete' }, 400, /"op": "create"/],
      ['one.txt', { op: 'rename' }, 400, /"op": "rename"/],
      ['one.txt', { op: 'create', type: 'socket' }, 400, /"type": "dir"/],
      ['one.txt', { op: 'rename', to: '' }, 400, /"to": "new\/path"/],
      ['', { op: 'create', type: 'dir' }, 400, /name the folder/],
      ['one.txt', { op: 'rename', to: '.' }, 400, /give the new name/],
    ];
    for (const [path, body, status, error] of bodies) {
      const reply = await act(path, body);
      expect({ body, status: reply.status }).toEqual({ body, status });
      expect(reply.body.error).toMatch(error);
    }
  });
});
