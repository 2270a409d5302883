import { describe, expect, it } from 'vitest';
import { parseLesson } from '../../sandbox-server/course/parse.ts';
import { lessonTags } from '../../sandbox-server/sandboxes/kit/images.ts';

const FRONT_MATTER = '---\nslug: checks\ntitle: Checks\norder: 1\nsummary: S.\nminutes: 1\nimages: []\n---\n\n';
const EXERCISE_START = '```exercise\nid: e\ntitle: T\ntask: Do it.\nchecks:\n';
/** File line of the first line of the checks YAML. */
const FIRST_CHECK_LINE = (FRONT_MATTER + EXERCISE_START).split('\n').length;

/** Problems of one exercise whose `checks` is `checks`, with lines counted from the first line of `checks`. */
function checkProblems(checks: string): { line: number; message: string }[] {
  const indented = checks
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  const text = `${FRONT_MATTER}${EXERCISE_START}${indented}\nsolution: S.\nsolve: "true"\n\`\`\`\n`;
  const { problems } = parseLesson('01-checks.md', text, { images: lessonTags(), starterExists: () => false });
  return problems.map(({ line, message }) => ({ line: line - FIRST_CHECK_LINE + 1, message }));
}

describe('checks are read against the table in lesson-format.md', () => {
  const cases: [string, string, number, string][] = [
    [
      'an unknown kind',
      '- kind: podman\n  name: a',
      1,
      'checks[1].kind must be one of container, image, volume, network, http, registry, file, script',
    ],
    ['a check without a kind', '- name: a', 1, 'checks[1] needs a kind'],
    ['a check that is not a mapping', '- container', 1, 'checks[1] needs a kind'],
    ['a message that is not text', '- kind: script\n  run: "true"\n  message: 5', 3, '(script): message must be text'],
    ['a field of another kind', '- kind: volume\n  name: v\n  url: http://x/', 3, '(volume): unknown field "url"'],
    ['a container without name or image', '- kind: container\n  state: running', 1, '(container) needs name or image'],
    [
      'a container state outside the list',
      '- kind: container\n  name: a\n  state: sleeping',
      3,
      'state must be one of running, exited, created, paused',
    ],
    [
      'a restart policy outside the list',
      '- kind: container\n  name: a\n  restartPolicy: sometimes',
      3,
      'restartPolicy must be one of no, always',
    ],
    ['a boolean given as text', '- kind: container\n  name: a\n  autoRemove: "yes"', 3, 'autoRemove must be true or false, not "yes"'],
    ['interactive given as a number', '- kind: container\n  name: a\n  interactive: 1', 3, 'interactive must be true or false'],
    ['a count below one', '- kind: container\n  name: a\n  count: 0', 3, 'count must be a whole number of at least 1, not 0'],
    [
      'a capability written with CAP_ or in small letters',
      '- kind: container\n  name: a\n  capDrop: [cap_chown]',
      3,
      'capDrop[1] must be a capability name in capitals without CAP_, such as CHOWN',
    ],
    ['a retry limit below zero', '- kind: container\n  name: a\n  restartRetries: -1', 3, 'restartRetries must be a whole number'],
    ['publishes given as text', '- kind: container\n  name: a\n  publishes: "no"', 3, 'publishes must be true or false'],
    [
      'an exit code that is a fraction',
      '- kind: container\n  name: a\n  exitCode: 1.5',
      3,
      'exitCode must be a whole number from 0 to 255',
    ],
    ['ports that are not a list', '- kind: container\n  name: a\n  ports: 80', 3, 'ports must be a list, not 80'],
    [
      'a port protocol outside the list',
      '- kind: container\n  name: a\n  ports:\n    - container: 80\n      protocol: http',
      5,
      'ports[1].protocol must be one of tcp, udp, sctp',
    ],
    [
      'a host port out of range',
      '- kind: container\n  name: a\n  ports:\n    - container: 80\n      host: 70000',
      5,
      'ports[1].host must be a whole number from 1 to 65535',
    ],
    [
      'an unknown port field',
      '- kind: container\n  name: a\n  ports:\n    - container: 80\n      hostPort: 8080',
      5,
      'unknown field "ports[1].hostPort"',
    ],
    ['a mount without destination', '- kind: container\n  name: a\n  mounts:\n    - source: data', 4, 'mounts[1].destination is missing'],
    [
      'a mount type outside the list',
      '- kind: container\n  name: a\n  mounts:\n    - destination: /d\n      type: tmpfs',
      5,
      'mounts[1].type must be one of bind, volume',
    ],
    ['env given as a list', '- kind: container\n  name: a\n  env: [A=1]', 3, 'env must be a mapping of names to values, not a list'],
    ['an image without name', '- kind: image\n  exists: false', 1, '(image): name is missing'],
    ['an entrypoint given as text', '- kind: image\n  name: i\n  entrypoint: python3', 3, 'entrypoint must be a list, not "python3"'],
    [
      'a label value that is a number',
      '- kind: image\n  name: i\n  labels:\n    version: 2',
      4,
      'labels.version must be text, not 2 (put it in quotes)',
    ],
    ['an exposed port without protocol', '- kind: image\n  name: i\n  exposedPorts: [8080]', 3, 'exposedPorts[1] must be text, not 8080'],
    [
      'an exposed port with a wrong protocol',
      '- kind: image\n  name: i\n  exposedPorts: [8080/http]',
      3,
      'exposedPorts[1] must be a port with its protocol',
    ],
    [
      'more minimum than maximum layers',
      '- kind: image\n  name: i\n  minLayers: 3\n  maxLayers: 2',
      1,
      '(image) has minLayers above maxLayers',
    ],
    ['fromScratch given as text', '- kind: image\n  name: i\n  fromScratch: yes', 3, 'fromScratch must be true or false, not "yes"'],
    ['a volume without name', '- kind: volume\n  holdsFile: /a', 1, '(volume): name is missing'],
    ['network containers given as text', '- kind: network\n  name: n\n  containers: web', 3, 'containers must be a list'],
    [
      'an http status out of range',
      '- kind: http\n  url: http://localhost/\n  status: 700',
      3,
      'status must be a whole number from 100 to 599',
    ],
    ['an http url of another scheme', '- kind: http\n  url: ftp://localhost/', 2, 'url must be an http:// or https:// URL'],
    ['a registry check without tag', '- kind: registry\n  registry: localhost:5000\n  repository: r', 1, '(registry): tag is missing'],
    ['an absolute file path', '- kind: file\n  path: /etc/passwd', 2, 'path must be relative to ~/workspace'],
    ['an empty file path', '- kind: file\n  path: ""', 2, 'path is empty'],
    ['a script without run', '- kind: script\n  message: m', 1, '(script): run is missing'],
    ['a script given as a number', '- kind: script\n  run: 1', 2, 'run must be text, not 1'],
  ];

  it.each(cases)('reports %s', (_, checks, line, fragment) => {
    expect(checkProblems(checks)).toEqual([{ line, message: expect.stringContaining(fragment) }]);
  });

  it('reports an empty list of checks, and checks that are not a list', () => {
    expect(checkProblems('[]')).toEqual([{ line: 0, message: 'exercise "e": checks needs at least 1 item' }]);
    expect(checkProblems('kind: script')).toEqual([{ line: 0, message: 'exercise "e": checks must be a list, not a mapping' }]);
  });

  it('accepts every check kind with only its required fields', () => {
    const minimal = [
      '- kind: container\n  image: busybox',
      '- kind: image\n  name: hello:v1',
      '- kind: volume\n  name: data',
      '- kind: network\n  name: backend',
      '- kind: http\n  url: http://localhost:8080/',
      '- kind: registry\n  registry: localhost:5000\n  repository: hello\n  tag: v1',
      '- kind: file\n  path: Dockerfile',
      '- kind: script\n  run: test -f Dockerfile',
    ];
    expect(checkProblems(minimal.join('\n'))).toEqual([]);
  });
});
