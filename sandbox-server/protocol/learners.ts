// Learners: an anonymous identity that owns sessions and progress, no account. Its secret is one random
// value in two spellings: the bearer token the browser keeps, and the resume code a person types on
// another device (the same letters in groups of four). So the server stores only a hash of it and can
// still show the code to whoever holds the token.
import { z } from 'zod';
import type { LiveSessionView, ProgressView, QueuedSessionView } from './sessions.ts';
import type { ExerciseColumn, WorkshopState } from './workshops.ts';

/** Crockford's base32: 32 symbols (5 bits each) without I, L, O and U, which people misread. */
export const RESUME_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 20 symbols of 5 bits: 100 bits, far beyond guessing even without the rate limit on tries. */
export const RESUME_CODE_LENGTH = 20;
export const RESUME_CODE_GROUP = 4;

/** The code as people read it: groups of four, such as `7KQM-3XHP-…`. */
export function formatResumeCode(token: string): string {
  return token.match(new RegExp(`.{1,${RESUME_CODE_GROUP}}`, 'g'))?.join('-') ?? '';
}

/**
 * The token a typed code stands for, or undefined when it cannot be one. Accepts what people type: any
 * case, spaces or dashes between groups, and O, I and L for 0, 1 and 1 (as Crockford's scheme does).
 */
export function normalizeResumeCode(text: string): string | undefined {
  const code = text.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  return code.length === RESUME_CODE_LENGTH && [...code].every((char) => RESUME_CODE_ALPHABET.includes(char)) ? code : undefined;
}

/** POST /api/learners/resume. */
export const ResumeBody = z.strictObject({
  code: z.string({ error: 'code must be the resume code, such as "7KQM-3XHP-…"' }).max(100, 'code is too long for a resume code'),
});
export type ResumeBody = z.input<typeof ResumeBody>;

/** POST /api/learners (201) and POST /api/learners/resume (200): the token is the learner's secret. */
export type CreatedLearnerView = { id: string; token: string };

/** A workshop the learner took part in, and what they achieved in it (kept after it ends). */
export type LearnerWorkshopView = {
  code: string;
  title: string;
  state: WorkshopState;
  endsAt: string;
  participantId: string;
  name: string;
  exercises: (ExerciseColumn & { passed: boolean; at?: string })[];
};

/** GET /api/learners/me. */
export type LearnerView = {
  id: string;
  progress: ProgressView;
  /** The learner's live (or waiting) session, without its token: POST /api/sessions with the learner gives that. */
  session: LiveSessionView | QueuedSessionView | null;
  /** The code that brings this identity to another browser (POST /api/learners/resume). */
  resumeCode: string;
  workshops: LearnerWorkshopView[];
};
