// JSON request bodies checked against a protocol schema; a refusal names the first thing wrong.
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { DockhandError } from '../errors.ts';
import { readJsonBody } from '../http/body.ts';

export type BodyOptions = {
  limitBytes: number;
  /** Said instead of the schema's own sentences, for bodies with one simple shape. */
  rule?: string;
  /** A request without a body is the same as `{}`. */
  emptyIsObject?: boolean;
};

export async function readBody<S extends z.ZodType>(req: IncomingMessage, schema: S, options: BodyOptions): Promise<z.output<S>> {
  const empty = req.headers['content-length'] === '0' || (req.headers['content-length'] === undefined && !req.headers['transfer-encoding']);
  if (options.emptyIsObject && empty) return parse(schema, {}, options.rule);
  return parse(schema, await readJsonBody(req, options.limitBytes), options.rule);
}

export function parse<S extends z.ZodType>(schema: S, value: unknown, rule?: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new DockhandError('bad_request', rule ?? describe(parsed.error.issues[0], schema));
}

/** The sentence for a schema's first issue: the schema's own, or one for the shape of the body itself. */
function describe(issue: z.core.$ZodIssue | undefined, schema: z.ZodType): string {
  if (!issue) return 'the body is not what this endpoint accepts';
  if (issue.path.length === 0 && issue.code === 'invalid_type') return 'the body must be a JSON object';
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys((schema as unknown as { shape?: Record<string, unknown> }).shape ?? {});
    return `unknown field "${issue.keys[0]}" (allowed: ${allowed.join(', ')})`;
  }
  return issue.message;
}
