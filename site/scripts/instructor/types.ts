// The instructor API's shapes as the pages read them (docs/api.md, "Workshops (instructor)"); the
// progress table's types come from the server module that builds it.
export type { ExerciseColumn, ParticipantProgress, WorkshopProgress } from '../../../sandbox-server/workshops/workshops.ts';

export type WorkshopView = {
  code: string;
  title: string;
  /** Chosen lesson slugs in order; empty means the whole course. */
  lessons: string[];
  startsAt: string;
  endsAt: string;
  seats: number | null;
  expected: number | null;
  state: 'scheduled' | 'running' | 'ended';
  joinUrl: string;
};

export type LessonSummary = { slug: string; title: string; order: number; exercises: { id: string; title: string }[] };

export const STATE_LABELS: Record<WorkshopView['state'], string> = { scheduled: 'Scheduled', running: 'Running', ended: 'Ended' };
