// Typed reading of YAML with problems that point at lines of the lesson file. Front matter, exercises
// and checks are all read through these readers, so every field gets the same checks and messages.
// A reader returns undefined after reporting, so a half-valid object is never built.
import { isMap, isNode, isScalar, isSeq, LineCounter, type Pair, parseDocument, type YAMLMap } from 'yaml';

/** A YAML text placed in its file: YAML line 1 is file line `firstLine`. */
export type YamlText = { lineCounter: LineCounter; firstLine: number; lastLine: number; report: (line: number, message: string) => void };

/** What is being read: the line to report at, the context (`exercise "x"`) and the field path in it. */
export type Site = { yaml: YamlText; line: number; where: string; path: string };

export type Reader<T> = (node: unknown, at: Site) => T | undefined;
export type Field<T, Required extends boolean> = { required: Required; read: Reader<T> };
export type FieldSpecs = Record<string, Field<unknown, boolean>>;

type ValueOf<F> = F extends Field<infer T, boolean> ? T : never;
type RequiredKeys<S> = { [K in keyof S]: S[K] extends Field<unknown, true> ? K : never }[keyof S];
export type Values<S extends FieldSpecs> = { [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
  [K in Exclude<keyof S, RequiredKeys<S>>]?: ValueOf<S[K]>;
};

/** The specs an object type needs: one field per property, required exactly when the property is. */
export type SpecsFor<T> = { [K in keyof T]-?: Field<NonNullable<T[K]>, undefined extends T[K] ? false : true> };

export function required<T>(read: Reader<T>): Field<T, true> {
  return { required: true, read };
}

export function optional<T>(read: Reader<T>): Field<T, false> {
  return { required: false, read };
}

/** Parses one YAML document, reporting syntax errors at their file lines; undefined when it is invalid. */
export function parseYaml(source: string, firstLine: number, report: YamlText['report']): { root: unknown; yaml: YamlText } | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false });
  const lineCount = source.endsWith('\n') ? source.split('\n').length - 1 : source.split('\n').length;
  const yaml: YamlText = { lineCounter, firstLine, lastLine: firstLine + Math.max(lineCount, 1) - 1, report };
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

export function subject(at: Site): string {
  return at.path ? `${at.where}: ${at.path}` : at.where;
}

export function fail(at: Site, problem: string): undefined {
  at.yaml.report(at.line, `${subject(at)} ${problem}`);
  return undefined;
}

function describe(node: unknown): string {
  if (node === null || node === undefined) return 'empty';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'empty' : JSON.stringify(node.value);
  return 'something else';
}

function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined;
}

export function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
}

/** A non-empty string. */
export function text(): Reader<string> {
  return (node, at) => {
    const value = scalarValue(node);
    if (node === null || value === null) return fail(at, 'is empty');
    if (typeof value !== 'string') {
      const hint = isScalar(node) ? ' (put it in quotes)' : '';
      return fail(at, `must be text, not ${describe(node)}${hint}`);
    }
    return value.trim() === '' ? fail(at, 'is empty') : value;
  };
}

/** Adds a rule to a reader: `rule` returns what is wrong (completing "<field> …"), or undefined. */
export function refine<T>(read: Reader<T>, rule: (value: T) => string | undefined): Reader<T> {
  return (node, at) => {
    const value = read(node, at);
    if (value === undefined) return undefined;
    const problem = rule(value);
    return problem === undefined ? value : fail(at, problem);
  };
}

export function matching(pattern: RegExp, what: string): Reader<string> {
  return refine(text(), (value) => (pattern.test(value) ? undefined : `must be ${what}, not ${JSON.stringify(value)}`));
}

export function oneOf<const V extends string>(values: readonly V[]): Reader<V> {
  const isOneOf = (value: unknown): value is V => typeof value === 'string' && (values as readonly string[]).includes(value);
  return (node, at) => {
    const value = scalarValue(node);
    return isOneOf(value) ? value : fail(at, `must be one of ${values.join(', ')}, not ${describe(node)}`);
  };
}

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): Reader<number> {
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  return (node, at) => {
    const value = scalarValue(node);
    const valid = typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
    return valid ? value : fail(at, `must be a whole number ${range}, not ${describe(node)}`);
  };
}

export function flag(): Reader<boolean> {
  return (node, at) => {
    const value = scalarValue(node);
    return typeof value === 'boolean' ? value : fail(at, `must be true or false, not ${describe(node)}`);
  };
}

export function listOf<T>(item: Reader<T>, min = 0): Reader<T[]> {
  return (node, at) => {
    if (!isSeq(node)) return fail(at, `must be a list, not ${describe(node)}`);
    if (node.items.length < min) return fail(at, `needs at least ${min} item${min === 1 ? '' : 's'}`);
    const values = node.items.map((child, index) =>
      item(child, { ...at, line: lineOf(child, at.yaml, at.line), path: `${at.path}[${index + 1}]` }),
    );
    return values.every((value) => value !== undefined) ? (values as T[]) : undefined;
  };
}

/** A mapping of names to text, such as environment variables or labels. */
export function textMap(): Reader<Record<string, string>> {
  const value = text();
  return (node, at) => {
    if (!isMap(node)) return fail(at, `must be a mapping of names to values, not ${describe(node)}`);
    const entries: [string, string][] = [];
    let valid = true;
    for (const pair of node.items) {
      const name = scalarValue(pair.key);
      const line = lineOf(pair.key, at.yaml, at.line);
      if (typeof name !== 'string' || name === '') {
        fail({ ...at, line }, `has a name that is not text: ${describe(pair.key)}`);
        valid = false;
        continue;
      }
      const read = value(pair.value, { ...at, line, path: `${at.path}.${name}` });
      if (read === undefined) valid = false;
      else entries.push([name, read]);
    }
    return valid ? Object.fromEntries(entries) : undefined;
  };
}

export function mapping<S extends FieldSpecs>(specs: S): Reader<Values<S>> {
  return (node, at) => readMapping(node, specs, at);
}

/** Reads a mapping against its field specs: reports unknown, missing and wrongly typed fields. */
export function readMapping<S extends FieldSpecs>(node: unknown, specs: S, at: Site): Values<S> | undefined {
  if (!isMap(node)) return fail(at, `must be a mapping of fields, not ${describe(node)}`);
  const names = Object.keys(specs);
  const values: Record<string, unknown> = {};
  let valid = true;
  for (const pair of node.items) {
    const name = scalarValue(pair.key);
    const line = lineOf(pair.key, at.yaml, at.line);
    const path = `${at.path ? `${at.path}.` : ''}${String(name)}`;
    const spec = typeof name === 'string' && Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined || typeof name !== 'string') {
      at.yaml.report(line, `${at.where}: unknown field ${JSON.stringify(path)} (fields here: ${names.join(', ')})`);
      valid = false;
      continue;
    }
    const value = spec.read(pair.value, { ...at, line, path });
    if (value === undefined) valid = false;
    else values[name] = value;
  }
  for (const name of names) {
    if (specs[name]?.required && !pairOf(node, name)) {
      at.yaml.report(at.line, `${at.where}: ${at.path ? `${at.path}.` : ''}${name} is missing`);
      valid = false;
    }
  }
  return valid ? (values as Values<S>) : undefined;
}
