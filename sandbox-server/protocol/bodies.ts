// Request bodies the API accepts, as zod schemas: the server validates with them, clients take their
// types. Each message is the sentence a refusal carries; absent fields get their defaults here.
import { z } from 'zod';
import {
  BROADCAST_MAX,
  HIDDEN_CHARACTER,
  HIDDEN_CHARACTER_WHAT,
  NAME_MAX,
  SLUG_PATTERN,
  WORKSHOP_PEOPLE_MAX,
  WORKSHOP_TITLE_MAX,
} from './limits.ts';
import { SESSION_TICKET_PURPOSES } from './sessions.ts';

const TICKET_PURPOSE_RULE = `purpose must be what the ticket opens: ${SESSION_TICKET_PURPOSES.map((p) => `"${p}"`).join(', ')}`;

const optionalString = (key: string) =>
  z
    .string({ error: `${key} must be a string` })
    .nullish()
    .transform((value) => value ?? null);

/** POST /api/learners; may be empty. */
export const NewLearnerBody = z.strictObject({
  /**
   * The join code of the workshop this learner is made to join: made within that room's allowance (as
   * large as its seats) rather than the address's, so a room behind one NAT address all gets in.
   */
  workshop: optionalString('workshop'),
});
export type NewLearnerBody = z.input<typeof NewLearnerBody>;

/** POST /api/sessions; every field may be left out. */
export const NewSessionBody = z.strictObject({
  /** The lesson the session opens with: its starter files are copied, its exercises checked live. */
  lesson: optionalString('lesson').refine(
    (slug) => slug === null || SLUG_PATTERN.test(slug),
    'lesson must be a lesson slug such as "hello-world"',
  ),
  /** A workshop's join code, in any case and grouping people type. */
  workshop: optionalString('workshop'),
  /** The display name the instructor sees; needed to join a workshop. */
  name: optionalString('name')
    .transform((name) => name?.trim() ?? null)
    .refine(
      (name) => name === null || (name.length > 0 && name.length <= NAME_MAX && !HIDDEN_CHARACTER.test(name)),
      `name must be 1 to ${NAME_MAX} characters, with ${HIDDEN_CHARACTER_WHAT}`,
    ),
  /** The learner's token (POST /api/learners): the session, its progress and a rejoined workshop seat are theirs. */
  learner: optionalString('learner'),
  /** "Start fresh": drop the learner's kept work (their last sandbox's disk) instead of resuming on it. */
  fresh: z.boolean({ error: 'fresh must be true or false' }).default(false),
});
export type NewSessionBody = z.input<typeof NewSessionBody>;

/** POST /api/sessions/:id/tickets: what the ticket will open (a ticket opens nothing else). */
export const TicketBody = z.strictObject({
  purpose: z.enum(SESSION_TICKET_PURPOSES, { error: TICKET_PURPOSE_RULE }),
});
export type TicketBody = z.input<typeof TicketBody>;

/** PUT /api/sessions/:id/files/<path>. */
export const SaveFileBody = z.object({ content: z.string() });
export const SAVE_FILE_RULE = 'send a JSON object with the file text as a string: {"content": "..."}.';

/** POST /api/sessions/:id/files/<path>: create an empty file or a folder there, or rename it. */
export const FileActionBody = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), type: z.enum(['file', 'dir']) }),
  z.object({ op: z.literal('rename'), to: z.string().min(1) }),
]);
export const FILE_ACTION_RULE =
  'send {"op": "create", "type": "file"} or {"op": "create", "type": "dir"} to make one, or {"op": "rename", "to": "new/path"} to rename it.';

/** POST /api/sessions/:id/hints/:lesson/:exercise: how many of the exercise's hints are shown now. */
export const hintBody = (hints: number) => {
  const rule = `used must be a whole number from 1 to ${hints} (the hints this exercise has)`;
  return z.object({ used: z.int({ error: rule }).min(1, rule).max(hints, rule) });
};

const time = (key: string) =>
  z
    .string({ error: `${key} must be a date and time such as "2026-11-25T14:00:00Z"` })
    .nullish()
    .transform((text, ctx) => {
      if (text === null || text === undefined) return undefined;
      const at = Date.parse(text);
      if (Number.isNaN(at)) ctx.addIssue({ code: 'custom', message: `${key} must be a date and time such as "2026-11-25T14:00:00Z"` });
      return at;
    });

const people = (key: string) => {
  const rule = `${key} must be a whole number from 1 to ${WORKSHOP_PEOPLE_MAX}`;
  return z
    .int({ error: rule })
    .min(1, rule)
    .max(WORKSHOP_PEOPLE_MAX, rule)
    .nullish()
    .transform((count) => count ?? null);
};

/** POST /api/workshops. Times are ISO 8601; a workshop starts now and lasts three hours unless told. */
export const WorkshopBody = z.strictObject({
  title: z
    .string({ error: `title must be 1 to ${WORKSHOP_TITLE_MAX} characters` })
    .max(WORKSHOP_TITLE_MAX, `title must be 1 to ${WORKSHOP_TITLE_MAX} characters`)
    .transform((title) => title.trim())
    .refine((title) => title.length > 0, `title must be 1 to ${WORKSHOP_TITLE_MAX} characters`)
    .refine((title) => !HIDDEN_CHARACTER.test(title), `title must have ${HIDDEN_CHARACTER_WHAT}`),
  /** Lesson slugs in order; absent or null means the whole course. */
  lessons: z
    .array(z.string(), { error: 'lessons must be a list of lesson slugs' })
    .nullish()
    .transform((lessons) => lessons ?? null),
  startsAt: time('startsAt'),
  endsAt: time('endsAt'),
  /** At most this many participants; null is no limit. */
  seats: people('seats'),
  /** How many people the instructor expects: the warm pool grows towards it before the start. */
  expected: people('expected'),
});
export type WorkshopBody = z.input<typeof WorkshopBody>;

/** POST /api/workshops/:code/extend. */
export const ExtendBody = z.object({
  minutes: z
    .int({ error: 'minutes must be a whole number from 1 to 1440' })
    .min(1, 'minutes must be a whole number from 1 to 1440')
    .max(24 * 60, 'minutes must be a whole number from 1 to 1440'),
});

/** POST /api/workshops/:code/broadcast: a message shown on every participant's page. */
export const BroadcastBody = z.object({
  message: z
    .string({ error: `message must be 1 to ${BROADCAST_MAX} characters` })
    .max(BROADCAST_MAX, `message must be 1 to ${BROADCAST_MAX} characters`)
    .refine((message) => message.trim().length > 0, `message must be 1 to ${BROADCAST_MAX} characters`)
    .transform((message) => message.trim()),
});
