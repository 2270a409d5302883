// Progress as the API shows it (a session's, a learner's): one entry per exercise, keyed `lesson/exercise`.
import type { ProgressView } from '../protocol/sessions.ts';
import type { ExerciseProgress } from '../store/store.ts';

export function progressView(rows: readonly ExerciseProgress[]): ProgressView {
  const exercises: ProgressView['exercises'] = {};
  for (const row of rows) {
    exercises[`${row.lesson}/${row.exercise}`] = {
      passed: row.passedAt !== null,
      ...(row.passedAt !== null ? { at: new Date(row.passedAt).toISOString() } : {}),
      hintsUsed: row.hintsUsed,
      solutionRevealed: row.solutionRevealedAt !== null,
      checksFailed: row.checksFailed,
      ...(row.lastMessage ? { message: row.lastMessage } : {}),
    };
  }
  return { exercises };
}
