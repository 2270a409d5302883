// The instructor API's shapes as the pages read them (docs/api.md, "Workshops (instructor)").
import type { WorkshopView } from '../../../sandbox-server/protocol/workshops.ts';

export type {
  ExerciseColumn,
  ParticipantProgress,
  WorkshopProgress,
  WorkshopView,
} from '../../../sandbox-server/protocol/workshops.ts';

export type LessonSummary = { slug: string; title: string; order: number; exercises: { id: string; title: string }[] };

export const STATE_LABELS: Record<WorkshopView['state'], string> = { scheduled: 'Scheduled', running: 'Running', ended: 'Ended' };
