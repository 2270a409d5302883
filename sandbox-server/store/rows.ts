// The store's rows as SQLite returns them, parsed into records: a column missing or of another type
// (a database written by another version, edited by hand) fails loudly with its name instead of
// reaching the server as a value of the wrong type. The records' types are the schemas' output.
import { z } from 'zod';
import { END_REASONS, type EndCode } from '../protocol/sessions.ts';

const text = z.string();
const maybeText = z.string().nullable();
const integer = z.number().int();
const maybeInteger = z.number().int().nullable();

const isEndCode = (value: string | null): value is EndCode => value !== null && Object.hasOwn(END_REASONS, value);

export const SessionRow = z
  .object({
    id: text,
    token_hash: text,
    lesson: maybeText,
    workshop: maybeText,
    name: maybeText,
    learner: maybeText,
    participant: maybeText,
    sandbox_id: maybeText,
    state: z.enum(['active', 'ended']),
    created_at: integer,
    last_active_at: integer,
    ended_at: maybeInteger,
    end_reason: maybeText,
  })
  .transform((row) => ({
    id: row.id,
    tokenHash: row.token_hash,
    lesson: row.lesson,
    workshop: row.workshop,
    name: row.name,
    /** The learner who owns the session, when the site sent one. */
    learner: row.learner,
    /** The workshop participant the session is a sitting of. */
    participant: row.participant,
    sandboxId: row.sandbox_id,
    state: row.state,
    createdAt: row.created_at,
    lastActiveAt: row.last_active_at,
    endedAt: row.ended_at,
    // A reason this version does not know (written by a newer one) reads as none.
    endCode: isEndCode(row.end_reason) ? row.end_reason : null,
  }));

export const LearnerRow = z
  .object({ id: text, token_hash: text, created_at: integer })
  .transform((row) => ({ id: row.id, tokenHash: row.token_hash, createdAt: row.created_at }));

export const ParticipantRow = z
  .object({ id: text, workshop: text, learner: maybeText, name: text, joined_at: integer })
  .transform((row) => ({ id: row.id, workshop: row.workshop, learner: row.learner, name: row.name, joinedAt: row.joined_at }));

export const ProgressRow = z
  .object({
    lesson: text,
    exercise: text,
    passed_at: maybeInteger,
    checks_failed: integer,
    hints_used: integer,
    solution_revealed_at: maybeInteger,
    last_message: maybeText,
  })
  .transform((row) => ({
    lesson: row.lesson,
    exercise: row.exercise,
    passedAt: row.passed_at,
    checksFailed: row.checks_failed,
    hintsUsed: row.hints_used,
    solutionRevealedAt: row.solution_revealed_at,
    lastMessage: row.last_message,
  }));

/** The lessons column holds a JSON array of slugs. */
const lessonList = text.transform((json, ctx) => {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // Not JSON at all: refused below like any other value that is not a list.
    value = undefined;
  }
  const parsed = z.array(z.string()).safeParse(value);
  if (parsed.success) return parsed.data;
  ctx.addIssue({ code: 'custom', message: 'lessons is not a JSON list of slugs' });
  return z.NEVER;
});

export const WorkshopRow = z
  .object({
    code: text,
    title: text,
    lessons: lessonList,
    starts_at: integer,
    ends_at: integer,
    seats: maybeInteger,
    expected: maybeInteger,
    created_at: integer,
    ended_at: maybeInteger,
  })
  .transform((row) => ({
    code: row.code,
    title: row.title,
    lessons: row.lessons,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    seats: row.seats,
    expected: row.expected,
    createdAt: row.created_at,
    endedAt: row.ended_at,
  }));

export const CountRow = z.object({ n: integer }).transform((row) => row.n);

/** Parses a row a query returned, naming the table and column that is not what it should be. */
export function parseRow<S extends z.ZodType>(schema: S, table: string, row: unknown): z.output<S> {
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(
    `the database's ${table} row does not read (${issue?.path.join('.') || 'row'}: ${issue?.message}); is it from another Dockhand version?`,
  );
}
