// The check kinds of docs/lesson-format.md as zod schemas. The schemas own the types: each check's type
// (exported below, re-exported by types.ts) is its schema's output, so the two cannot disagree.
import { z } from 'zod';
import { describe, fields, flag, listOf, matching, oneOf, type Scope, text, textMap, textWhere, wholeNumber } from './yaml-schema.ts';

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

/** Every check may replace its failure sentence with its own `message`. */
const check = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) =>
  fields({ kind: z.literal(kind), message: text().optional(), ...shape });

const container = check('container', {
  name: text().optional(),
  image: text().optional(),
  state: oneOf(['running', 'exited', 'created', 'paused']).optional(),
  exitCode: wholeNumber(0, 255).optional(),
  /** `host` absent means "published on any host port". */
  ports: listOf(fields({ container: port, host: port.optional(), protocol: oneOf(['tcp', 'udp', 'sctp']).optional() })).optional(),
  mounts: listOf(
    fields({
      destination: text(),
      source: text().optional(),
      type: oneOf(['bind', 'volume']).optional(),
      readOnly: flag().optional(),
    }),
  ).optional(),
  env: textMap().optional(),
  hostname: text().optional(),
  /** Substring of stdout+stderr. */
  logs: text().optional(),
  restartPolicy: oneOf(['no', 'always', 'unless-stopped', 'on-failure']).optional(),
  /** The most restarts `on-failure:N` allows. */
  restartRetries: wholeNumber(0).optional(),
  autoRemove: flag().optional(),
  /** Capabilities dropped with --cap-drop, such as CHOWN. */
  capDrop: listOf(matching(/^[A-Z_]+$/, 'a capability name in capitals without CAP_, such as CHOWN')).optional(),
  /** The user the container was started as (--user or the image's USER). */
  user: text().optional(),
  /** false: no port of the container is published on the host. */
  publishes: flag().optional(),
  /** Stdin kept open. */
  interactive: flag().optional(),
  /** At least this many containers match (default 1). */
  count: wholeNumber(1).optional(),
}).refine((found) => found.name !== undefined || found.image !== undefined, 'needs name or image (or both)');

const image = check('image', {
  name: text(),
  /** Default true; false means no such tag. */
  exists: flag().optional(),
  entrypoint: listOf(text()).optional(),
  cmd: listOf(text()).optional(),
  env: textMap().optional(),
  labels: textMap().optional(),
  workdir: text().optional(),
  user: text().optional(),
  /** Such as `8080/tcp`. */
  exposedPorts: listOf(matching(/^\d{1,5}\/(tcp|udp|sctp)$/, 'a port with its protocol such as 8080/tcp')).optional(),
  sameIdAs: text().optional(),
  sharesLayersWith: text().optional(),
  minLayers: wholeNumber(1).optional(),
  maxLayers: wholeNumber(1).optional(),
  fromScratch: flag().optional(),
}).refine(
  ({ minLayers, maxLayers }) => minLayers === undefined || maxLayers === undefined || minLayers <= maxLayers,
  'has minLayers above maxLayers',
);

const volume = check('volume', {
  name: text(),
  exists: flag().optional(),
  /** Path inside the volume. */
  holdsFile: text().optional(),
  /** Substring of holdsFile's content. */
  fileContains: text().optional(),
}).refine((found) => found.fileContains === undefined || found.holdsFile !== undefined, 'has fileContains without holdsFile');

const SCHEMAS = {
  container,
  image,
  volume,
  network: check('network', { name: text(), exists: flag().optional(), driver: text().optional(), containers: listOf(text()).optional() }),
  /** A request made from inside the sandbox; `status` defaults to 200. */
  http: check('http', {
    url: textWhere((url) => (isHttpUrl(url) ? undefined : 'must be an http:// or https:// URL')),
    status: wholeNumber(100, 599).optional(),
    contains: text().optional(),
  }),
  registry: check('registry', { registry: text(), repository: text(), tag: text() }),
  /** `path` is relative to ~/workspace; `matches` is a JavaScript regular expression (no flags). */
  file: check('file', {
    path: textWhere((path) => (/^[/~]/.test(path) ? 'must be relative to ~/workspace' : undefined)),
    exists: flag().optional(),
    contains: text().optional(),
    matches: textWhere(regexProblem).optional(),
  }),
  /** Shell run as the learner in ~/workspace; exit 0 passes, `FAIL:` lines become the message. */
  script: check('script', { run: text() }),
};

export type CheckKind = keyof typeof SCHEMAS;
export type ContainerCheck = z.output<typeof container>;
export type ImageCheck = z.output<typeof image>;
export type VolumeCheck = z.output<typeof volume>;
export type NetworkCheck = z.output<typeof SCHEMAS.network>;
export type HttpCheck = z.output<typeof SCHEMAS.http>;
export type RegistryCheck = z.output<typeof SCHEMAS.registry>;
export type FileCheck = z.output<typeof SCHEMAS.file>;
export type ScriptCheck = z.output<typeof SCHEMAS.script>;
export type PortCheck = NonNullable<ContainerCheck['ports']>[number];
export type MountCheck = NonNullable<ContainerCheck['mounts']>[number];
export type ContainerState = NonNullable<ContainerCheck['state']>;
export type RestartPolicy = NonNullable<ContainerCheck['restartPolicy']>;

const CHECK_KINDS = Object.keys(SCHEMAS) as CheckKind[];

const isKind = (value: unknown): value is CheckKind => typeof value === 'string' && (CHECK_KINDS as string[]).includes(value);
const kindOf = (value: unknown) => (typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined);

/** One item of an exercise's `checks`: its kind first, then the fields of that kind. */
export const CheckSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    const kind = kindOf(value);
    if (kind === undefined || Array.isArray(value))
      ctx.addIssue({ code: 'custom', message: `needs a kind (one of ${CHECK_KINDS.join(', ')})` });
    else if (!isKind(kind))
      ctx.addIssue({ code: 'custom', path: ['kind'], message: `must be one of ${CHECK_KINDS.join(', ')}, not ${describe(kind)}` });
  })
  .pipe(
    z.discriminatedUnion('kind', [
      SCHEMAS.container,
      SCHEMAS.image,
      SCHEMAS.volume,
      SCHEMAS.network,
      SCHEMAS.http,
      SCHEMAS.registry,
      SCHEMAS.file,
      SCHEMAS.script,
    ]),
  );

export type Check = z.output<typeof CheckSchema>;

/** Problems inside a check of a known kind read as `checks[2] (image): …`. */
export function checkScope(path: readonly PropertyKey[], value: unknown): Scope | undefined {
  const [field, index] = path;
  if (path.length !== 2 || field !== 'checks' || typeof index !== 'number') return undefined;
  const kind = kindOf(value);
  return isKind(kind) ? { depth: 2, label: `checks[${index + 1}] (${kind})` } : undefined;
}
