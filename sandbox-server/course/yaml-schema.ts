// YAML validated by zod schemas, with every problem reported at the line of the YAML node it is about.
// The field builders below give each schema the sentences lesson authors read; `validate` turns a
// schema error's path back into a file line and a subject ("exercise "x": checks[2].state").
import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

/** A YAML text placed in its file: YAML line 1 is file line `firstLine`. */
export type YamlText = {
  document: Document;
  lineCounter: LineCounter;
  firstLine: number;
  lastLine: number;
  report: (line: number, message: string) => void;
};

/** Part of a path that reads better as one name, such as a check shown with its kind: `checks[2] (image)`. */
export type Scope = { depth: number; label: string };

/** What is being validated: where its root is, what to call it, and how to name scopes inside it. */
export type Site = {
  yaml: YamlText;
  line: number;
  where: string;
  scope?: (path: readonly PropertyKey[], value: unknown) => Scope | undefined;
};

const MISSING = 'is missing';

/** Parses one YAML document, reporting syntax errors at their file lines; undefined when it is invalid. */
export function parseYaml(source: string, firstLine: number, report: YamlText['report']): { root: unknown; yaml: YamlText } | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false });
  const lineCount = source.endsWith('\n') ? source.split('\n').length - 1 : source.split('\n').length;
  const yaml: YamlText = { document, lineCounter, firstLine, lastLine: firstLine + Math.max(lineCount, 1) - 1, report };
  for (const error of document.errors) {
    report(lineAtOffset(yaml, error.pos[0]), `invalid YAML: ${error.message.split('\n')[0]}`);
  }
  return document.errors.length === 0 ? { root: document.contents, yaml } : undefined;
}

function lineAtOffset(yaml: YamlText, offset: number): number {
  return Math.min(yaml.firstLine + yaml.lineCounter.linePos(offset).line - 1, yaml.lastLine);
}

/** The file line where a node starts, or `fallback` for nodes without a position. */
export function lineOf(node: unknown, yaml: YamlText, fallback: number): number {
  return isNode(node) && node.range ? lineAtOffset(yaml, node.range[0]) : fallback;
}

export function pairOf(map: unknown, key: string) {
  return isMap(map) ? map.items.find((pair) => isScalar(pair.key) && pair.key.value === key) : undefined;
}

/** Checks a YAML node against a schema; reports every problem and returns the value only when there are none. */
export function validate<S extends z.ZodType>(schema: S, node: unknown, site: Site): z.output<S> | undefined {
  const value = isNode(node) ? node.toJS(site.yaml.document) : node;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) report(site, node, value, [...issue.path, key], `unknown field`, issue.message);
    } else report(site, node, value, issue.path, issue.message);
  }
  return undefined;
}

function report(site: Site, root: unknown, value: unknown, path: PropertyKey[], problem: string, fields?: string): void {
  const scope = scopeOf(site, path, value);
  const where = scope ? `${site.where}: ${scope.label}` : site.where;
  const inner = pathText(path.slice(scope?.depth ?? 0));
  // A missing field is reported where its mapping starts; anything else where the field or item is.
  const line = lineAt(site, root, problem === MISSING ? path.slice(0, -1) : path);
  const message = fields ? `${where}: ${problem} ${JSON.stringify(inner)} ${fields}` : `${inner ? `${where}: ${inner}` : where} ${problem}`;
  site.yaml.report(line, message);
}

function scopeOf(site: Site, path: PropertyKey[], value: unknown): Scope | undefined {
  for (let depth = path.length; depth > 0 && site.scope; depth--) {
    const scope = site.scope(path.slice(0, depth), valueAt(value, path.slice(0, depth)));
    if (scope) return scope;
  }
  return undefined;
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let current = value;
  for (const step of path)
    current = typeof current === 'object' && current !== null ? (current as Record<PropertyKey, unknown>)[step] : undefined;
  return current;
}

/** `checks[2].ports[1].host`: list positions count from 1, as authors count items. */
function pathText(path: PropertyKey[]): string {
  return path.map((step, index) => (typeof step === 'number' ? `[${step + 1}]` : `${index > 0 ? '.' : ''}${String(step)}`)).join('');
}

/** The line of the node a path leads to: a list item where it starts, a field where its key is. */
function lineAt(site: Site, root: unknown, path: PropertyKey[]): number {
  let node = root;
  let line = site.line;
  for (const step of path) {
    if (typeof step === 'number' && isSeq(node)) {
      node = node.items[step];
      line = lineOf(node, site.yaml, line);
    } else {
      const pair = pairOf(node, String(step));
      if (!pair) break;
      line = lineOf(pair.key, site.yaml, line);
      node = pair.value;
    }
  }
  return line;
}

/** How a value reads in a problem: `"python3"`, `80`, `a list`, `empty`. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

/** Sentences for a schema's own issues; an absent field always reads "is missing". */
const says =
  (problem: (input: unknown) => string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? MISSING : problem(issue.input);

/** A non-empty string. */
export const text = () =>
  z
    .string({
      error: says((input) =>
        input === null ? 'is empty' : `must be text, not ${describe(input)}${typeof input === 'object' ? '' : ' (put it in quotes)'}`,
      ),
    })
    .refine((value) => value.trim() !== '', 'is empty');

/** Text that passes `rule`, which says what is wrong (completing "<field> …") or returns undefined. */
export const textWhere = (rule: (value: string) => string | undefined) =>
  text().superRefine((value, ctx) => {
    const problem = rule(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

export const matching = (pattern: RegExp, what: string) =>
  textWhere((value) => (pattern.test(value) ? undefined : `must be ${what}, not ${JSON.stringify(value)}`));

export const oneOf = <const V extends string>(values: readonly [V, ...V[]]) =>
  z.enum(values, { error: says((input) => `must be one of ${values.join(', ')}, not ${describe(input)}`) });

export const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  const error = says((input) => `must be a whole number ${range}, not ${describe(input)}`);
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

export const flag = () => z.boolean({ error: says((input) => `must be true or false, not ${describe(input)}`) });

export const listOf = <T extends z.ZodType>(item: T, min = 0) =>
  z
    .array(item, { error: says((input) => `must be a list, not ${describe(input)}`) })
    .min(min, `needs at least ${min} item${min === 1 ? '' : 's'}`);

/** A mapping of names to text, such as environment variables or labels. */
export const textMap = () =>
  z.record(z.string(), text(), { error: says((input) => `must be a mapping of names to values, not ${describe(input)}`) });

/** A mapping with exactly these fields; unknown ones are reported with the list of known ones. */
export const fields = <S extends z.ZodRawShape>(shape: S) => {
  const names = `(fields here: ${Object.keys(shape).join(', ')})`;
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? names : says((input) => `must be a mapping of fields, not ${describe(input)}`)(issue),
  });
};
