// Workshops as the instructor's API and dashboard show them.

export type WorkshopState = 'scheduled' | 'running' | 'ended';

export type WorkshopView = {
  code: string;
  title: string;
  /** Chosen lesson slugs in order; empty means the whole course. */
  lessons: string[];
  startsAt: string;
  endsAt: string;
  seats: number | null;
  expected: number | null;
  state: WorkshopState;
  joinUrl: string;
};

export type ExerciseColumn = { key: string; lesson: string; exercise: string; title: string };

export type ParticipantProgress = {
  /** The same however often the participant rejoins. */
  participantId: string;
  /** The participant's latest session (live, or the last that ended). */
  sessionId: string;
  name: string;
  state: 'active' | 'ended';
  joinedAt: string;
  exercises: Record<string, { passed: boolean; at?: string }>;
  passed: number;
  checksFailed: number;
  hintsUsed: number;
  solutionsRevealed: number;
  lastProgressAt: string;
  /** Why the participant may need help, or null. */
  stuck: string | null;
};

export type WorkshopProgress = { code: string; title: string; exercises: ExerciseColumn[]; participants: ParticipantProgress[] };

/** GET /api/workshops/:code: the workshop and who joined it. */
export type WorkshopDetailView = WorkshopView & {
  participants: Pick<ParticipantProgress, 'participantId' | 'sessionId' | 'name' | 'state' | 'joinedAt' | 'passed' | 'stuck'>[];
};

/** POST /api/workshops/:code/end: the ended workshop and how many sandboxes were removed. */
export type EndedWorkshopView = WorkshopView & { reaped: number };

/** POST /api/workshops/:code/broadcast: how many live participants the message went to. */
export type BroadcastView = { delivered: number };

/** What a participant's own pages show of their workshop (GET /api/sessions/:id/workshop, session token; null outside one). */
export type ParticipantWorkshopView = {
  code: string;
  title: string;
  state: WorkshopState;
  startsAt: string;
  /** When it is planned to end. */
  endsAt: string;
  /** When the instructor ended it, if they did. */
  endedAt: string | null;
  /** The workshop's lessons in order, with this participant's exercises passed in each. */
  lessons: { slug: string; exercises: number; passed: number }[];
};
