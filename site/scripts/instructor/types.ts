// The instructor API's shapes as the pages read them (docs/api.md, "Workshops (instructor)").
import type { WorkshopView } from '../../../sandbox-server/protocol/workshops.ts';

export type { LessonSummaryView as LessonSummary } from '../../../sandbox-server/protocol/lessons.ts';
export type {
  BroadcastView,
  EndedWorkshopView,
  ExerciseColumn,
  ParticipantProgress,
  WorkshopDetailView,
  WorkshopProgress,
  WorkshopView,
} from '../../../sandbox-server/protocol/workshops.ts';

export const STATE_LABELS: Record<WorkshopView['state'], string> = { scheduled: 'Scheduled', running: 'Running', ended: 'Ended' };
