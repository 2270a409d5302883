import { describe, expect, it } from 'vitest';
import { parseLesson } from '../../sandbox-server/course/parse.ts';
import type { Problem } from '../../sandbox-server/course/types.ts';
import { lineContaining, parseFixture } from '../fixtures/lessons/fixtures.ts';

/** Asserts the exact set of problems of one fixture: [line, a fragment of the message]. */
function expectProblems(file: string, expected: [number, string][]): void {
  const { lesson, problems } = parseFixture(file);
  const name = file.split('/').pop() as string;
  const wanted = expected.map(([line, fragment]): Problem => ({ file: name, line, message: expect.stringContaining(fragment) }));
  expect(problems).toHaveLength(expected.length);
  expect(problems).toEqual(expect.arrayContaining(wanted));
  expect(lesson).toBeUndefined();
}

describe('parseLesson on valid lessons', () => {
  it('reads front matter, exercises and every check field with its type', () => {
    const { lesson, problems } = parseFixture('valid/002-ports.md');
    expect(problems).toEqual([]);
    expect(lesson).toEqual({
      slug: 'ports',
      title: 'Ports',
      order: 2,
      summary: 'Publish a port.',
      minutes: 10,
      images: ['python:3-slim', 'debian:bookworm', 'registry:2'],
      starter: [],
      file: '002-ports.md',
      body: expect.stringMatching(/^\nPublish the port\.\n\n```exercise\nid: publish\n/),
      codeBlocks: [],
      exercises: [
        {
          id: 'publish',
          title: 'Publish port 8000',
          task: 'Run `web` from `python:3-slim` and publish port 8000 as 8080.',
          checks: [
            {
              kind: 'container',
              name: 'web',
              state: 'running',
              ports: [
                { container: 8000, host: 8080 },
                { container: 53, protocol: 'udp' },
              ],
              mounts: [{ destination: '/srv', type: 'bind', readOnly: true }],
              env: { PORT: '8000' },
              restartPolicy: 'no',
              autoRemove: false,
              interactive: true,
            },
            {
              kind: 'image',
              name: 'hello:v1',
              exists: true,
              entrypoint: ['python3'],
              cmd: ['-m', 'http.server'],
              labels: { maintainer: 'me' },
              exposedPorts: ['8000/tcp'],
              minLayers: 1,
              maxLayers: 5,
              fromScratch: false,
            },
            { kind: 'volume', name: 'data', holdsFile: '/hello.txt', fileContains: 'hi' },
            { kind: 'network', name: 'backend', driver: 'bridge', containers: ['web'] },
            { kind: 'http', url: 'http://localhost:8080/', status: 200, contains: 'Directory listing' },
            { kind: 'registry', registry: 'localhost:5000', repository: 'hello', tag: 'v1' },
            { kind: 'file', path: 'web/index.html', contains: 'Hello', matches: '<h1>.*</h1>' },
          ],
          hints: [],
          solution: 'Publish with `-p 8080:8000`.',
          solve: 'docker run -d --name web -p 8080:8000 python:3-slim python -m http.server',
          wrong: ['docker run -d --name web -p 8000:8080 python:3-slim python -m http.server'],
          line: lineContaining('valid/002-ports.md', '```exercise'),
        },
      ],
    });
  });

  it('reads code blocks with their run attributes, exercises in any block container, and starter files', () => {
    const file = 'valid/01-hello-world.md';
    const { lesson, problems } = parseFixture(file);
    expect(problems).toEqual([]);
    expect(lesson?.images).toEqual(['busybox:latest', 'hello-world:latest']);
    expect(lesson?.starter).toEqual(['app.py', 'web/index.html']);
    expect(lesson?.codeBlocks).toEqual([
      { lang: 'sh', exec: true, interrupt: false, terminal: 1, code: 'docker run hello-world', line: lineContaining(file, '```sh exec') },
      {
        lang: 'sh',
        exec: true,
        interrupt: true,
        terminal: 2,
        code: "docker logs -f web | grep '</script><b>&amp;'",
        line: lineContaining(file, '```sh exec interrupt terminal=2'),
      },
      {
        lang: 'dockerfile',
        exec: false,
        interrupt: false,
        terminal: 1,
        code: 'FROM busybox\nCMD ["echo", "<hello>"]',
        line: lineContaining(file, '```dockerfile'),
      },
      { lang: 'text', exec: false, interrupt: false, terminal: 1, code: 'plain <text> & more', line: lineContaining(file, '```text') },
    ]);
    const [firstRun, cleanUp] = lesson?.exercises ?? [];
    expect(firstRun).toMatchObject({
      id: 'first-run',
      line: lineContaining(file, '````exercise'),
      task: expect.stringContaining('```sh\ndocker ps --all\n```'),
      hints: ['`docker run --name NAME IMAGE COMMAND` names the container.', 'Use <b>echo</b> to print.'],
      checks: [{ kind: 'container', name: 'greeter', image: 'busybox', logs: 'hello', state: 'exited', exitCode: 0 }],
      wrong: ['docker run busybox echo hello WRONG-SECRET-TOKEN', 'docker run --name greeter busybox echo bye\n'],
    });
    expect(cleanUp).toMatchObject({
      id: 'clean-up',
      line: lineContaining(file, '> ```exercise'),
      solve: 'docker rm greeter',
      wrong: [],
      checks: [
        { kind: 'container', name: 'greeter', count: 1, message: 'greeter is still there' },
        { kind: 'script', run: '! docker container inspect greeter' },
      ],
    });
  });

  it('accepts Windows line endings and a byte order mark', () => {
    const text = '\uFEFF---\r\nslug: crlf\r\ntitle: T\r\norder: 7\r\nsummary: S.\r\nminutes: 1\r\nimages: [busybox]\r\n---\r\nBody\r\n';
    const { lesson, problems } = parseLesson('07-crlf.md', text, { images: ['busybox:latest'], starterExists: () => false });
    expect(problems).toEqual([]);
    expect(lesson?.body).toBe('Body\n');
  });
});

describe('parseLesson reports every problem at its line', () => {
  it('front matter: missing and wrongly typed fields, images outside the kit, starter files, unknown fields', () => {
    const file = 'broken/01-front-matter.md';
    expectProblems(file, [
      [1, 'front matter: summary is missing'],
      [lineContaining(file, 'title: 42'), 'front matter: title must be text, not 42'],
      [lineContaining(file, 'minutes: ten'), 'front matter: minutes must be a whole number of at least 1, not "ten"'],
      [lineContaining(file, 'images: [busybox, mongo]'), 'images[2] names "mongo", which is not in the image kit'],
      [lineContaining(file, '- missing.txt'), 'starter[2] names lessons/starter/front-matter/missing.txt, which does not exist'],
      [lineContaining(file, '- ../secret'), 'starter[3] must be a path inside lessons/starter/<slug>/'],
      [lineContaining(file, 'author: me'), 'unknown field "author"'],
    ]);
  });

  it('a slug or order that disagrees with the file name, and a file name without an order', () => {
    const file = 'broken/02-mismatch.md';
    expectProblems(file, [
      [lineContaining(file, 'slug: other'), 'slug "other" does not match the file name 02-mismatch.md'],
      [lineContaining(file, 'order: 3'), 'order 3 does not match the file name 02-mismatch.md'],
    ]);
    expectProblems('broken/notes.md', [[1, 'the file name must be <order>-<slug>.md']]);
  });

  it('invalid YAML in the front matter, at the offending line', () => {
    const file = 'broken/06-bad-yaml.md';
    expectProblems(file, [[lineContaining(file, 'title: Bad: yaml'), 'invalid YAML']]);
  });

  it('a file without front matter, and still the problems of its exercises', () => {
    const file = 'broken/04-no-front-matter.md';
    expectProblems(file, [
      [1, 'the file must start with front matter'],
      [lineContaining(file, '```exercise'), 'exercise "unsolved": solve is missing'],
    ]);
  });

  it('code block attributes, exercise YAML, missing fields, duplicate ids and wrong checks, all in one pass', () => {
    const file = 'broken/05-exercises.md';
    const at = (needle: string, nth = 1) => lineContaining(file, needle, nth);
    const checksWrong = 'exercise "checks-wrong": checks';
    expectProblems(file, [
      [at('```sh exec terminal=abc'), 'code block attribute "terminal=abc" needs a terminal number'],
      [at('```sh interrupt'), 'code block has interrupt but no exec'],
      [at('```sh exec now'), 'unknown code block attribute "now"'],
      [at('```exercise extra'), 'an exercise block takes nothing after "exercise"'],
      [at('title: Run: it'), 'invalid YAML'],
      [at('id: no-solve') - 1, 'exercise "no-solve": solve is missing'],
      ...['title', 'task', 'checks', 'solution', 'solve'].map((field): [number, string] => [
        at('id: only-id') - 1,
        `exercise "only-id": ${field} is missing`,
      ]),
      [at('id: Bad_Id'), 'id must be lowercase letters, digits and dashes, not "Bad_Id"'],
      [at('checks: []'), 'checks needs at least 1 item'],
      [at('  - 1'), 'hints[1] must be text, not 1'],
      [at('kind: containr'), `${checksWrong}[1].kind must be one of container, image`],
      [at('imagee: busybox'), `${checksWrong}[2] (container): unknown field "imagee"`],
      [at('exitCode: zero'), `${checksWrong}[3] (container): exitCode must be a whole number from 0 to 255, not "zero"`],
      [at('state: running') - 1, `${checksWrong}[4] (container) needs name or image`],
      [at('- host: 8080'), `${checksWrong}[5] (container): ports[1].container is missing`],
      [at('PORT: 8080'), `${checksWrong}[6] (container): env.PORT must be text, not 8080 (put it in quotes)`],
      [at('url: localhost:8080'), `${checksWrong}[7] (http): url must be an http:// or https:// URL`],
      [at('matches: "("'), `${checksWrong}[8] (file): matches must be a valid regular expression`],
      [at('fileContains: hi') - 2, `${checksWrong}[9] (volume) has fileContains without holdsFile`],
      [at('- name: no-kind'), `${checksWrong}[10] needs a kind`],
      [at('  - 5'), 'exercise "wrong-wrong": wrong[2] must be text, not 5'],
      [at('  - ""'), 'exercise "wrong-wrong": wrong[3] is empty'],
      [at('id: twice', 2), `exercise id "twice" is already used by the exercise at line ${at('id: twice') - 1}`],
    ]);
  });
});
