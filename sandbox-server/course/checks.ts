// The check kinds of docs/lesson-format.md as field specs. `SpecsFor` ties each spec to its type in
// types.ts, so a field added to one and not the other fails the type check.
import { isMap } from 'yaml';
import type { Check, CheckKind, ImageCheck, VolumeCheck } from './types.ts';
import {
  fail,
  flag,
  lineOf,
  listOf,
  mapping,
  matching,
  oneOf,
  optional,
  pairOf,
  type Reader,
  readMapping,
  refine,
  required,
  type Site,
  type SpecsFor,
  subject,
  text,
  textMap,
  wholeNumber,
} from './yaml-fields.ts';

type FieldsOf<K extends CheckKind> = Omit<Extract<Check, { kind: K }>, 'kind' | 'message'>;

const port = wholeNumber(1, 65535);

function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (error) {
    return `must be a valid regular expression (${(error as Error).message})`;
  }
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);
}

const CHECK_FIELDS: { [K in CheckKind]: SpecsFor<FieldsOf<K>> } = {
  container: {
    name: optional(text()),
    image: optional(text()),
    state: optional(oneOf(['running', 'exited', 'created', 'paused'])),
    exitCode: optional(wholeNumber(0, 255)),
    ports: optional(
      listOf(mapping({ container: required(port), host: optional(port), protocol: optional(oneOf(['tcp', 'udp', 'sctp'])) })),
    ),
    mounts: optional(
      listOf(
        mapping({
          destination: required(text()),
          source: optional(text()),
          type: optional(oneOf(['bind', 'volume'])),
          readOnly: optional(flag()),
        }),
      ),
    ),
    env: optional(textMap()),
    hostname: optional(text()),
    logs: optional(text()),
    restartPolicy: optional(oneOf(['no', 'always', 'unless-stopped', 'on-failure'])),
    autoRemove: optional(flag()),
    interactive: optional(flag()),
    count: optional(wholeNumber(1)),
  },
  image: {
    name: required(text()),
    exists: optional(flag()),
    entrypoint: optional(listOf(text())),
    cmd: optional(listOf(text())),
    env: optional(textMap()),
    labels: optional(textMap()),
    workdir: optional(text()),
    user: optional(text()),
    exposedPorts: optional(listOf(matching(/^\d{1,5}\/(tcp|udp|sctp)$/, 'a port with its protocol such as 8080/tcp'))),
    sameIdAs: optional(text()),
    sharesLayersWith: optional(text()),
    minLayers: optional(wholeNumber(1)),
    maxLayers: optional(wholeNumber(1)),
    fromScratch: optional(flag()),
  },
  volume: {
    name: required(text()),
    exists: optional(flag()),
    holdsFile: optional(text()),
    fileContains: optional(text()),
  },
  network: {
    name: required(text()),
    exists: optional(flag()),
    driver: optional(text()),
    containers: optional(listOf(text())),
  },
  http: {
    url: required(refine(text(), (url) => (isHttpUrl(url) ? undefined : 'must be an http:// or https:// URL'))),
    status: optional(wholeNumber(100, 599)),
    contains: optional(text()),
  },
  registry: {
    registry: required(text()),
    repository: required(text()),
    tag: required(text()),
  },
  file: {
    path: required(refine(text(), (path) => (/^[/~]/.test(path) ? 'must be relative to ~/workspace' : undefined))),
    exists: optional(flag()),
    contains: optional(text()),
    matches: optional(refine(text(), regexProblem)),
  },
  script: {
    run: required(text()),
  },
};

const CHECK_KINDS = Object.keys(CHECK_FIELDS) as CheckKind[];
const kindOf = oneOf(CHECK_KINDS);

/** What is wrong with a check as a whole, beyond its single fields. */
function ruleProblem(check: Check): string | undefined {
  if (check.kind === 'container' && check.name === undefined && check.image === undefined) return 'needs name or image (or both)';
  if (check.kind === 'volume') return volumeProblem(check);
  if (check.kind === 'image') return imageProblem(check);
  return undefined;
}

function volumeProblem(check: VolumeCheck): string | undefined {
  return check.fileContains !== undefined && check.holdsFile === undefined ? 'has fileContains without holdsFile' : undefined;
}

function imageProblem(check: ImageCheck): string | undefined {
  const { minLayers, maxLayers } = check;
  return minLayers !== undefined && maxLayers !== undefined && minLayers > maxLayers ? 'has minLayers above maxLayers' : undefined;
}

/** Reads one item of an exercise's `checks` list. */
export const readCheck: Reader<Check> = (node, at) => {
  const kindPair = isMap(node) ? pairOf(node, 'kind') : undefined;
  if (!kindPair) return fail(at, `needs a kind (one of ${CHECK_KINDS.join(', ')})`);
  const kind = kindOf(kindPair.value, { ...at, line: lineOf(kindPair.key, at.yaml, at.line), path: `${at.path}.kind` });
  if (kind === undefined) return undefined;
  const site: Site = { ...at, where: `${subject(at)} (${kind})`, path: '' };
  const specs = { kind: required(kindOf), message: optional(text()), ...CHECK_FIELDS[kind] };
  const check = readMapping(node, specs, site) as Check | undefined;
  if (check === undefined) return undefined;
  const problem = ruleProblem(check);
  return problem === undefined ? check : fail(site, problem);
};
