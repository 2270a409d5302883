// The exercises of a lesson page: hands each <dockhand-exercise> the session, shows what the learner
// already passed (in any session, before one starts too), applies results the events socket pushes, and
// counts passes for the page.
import type { ProgressView } from '../../sandbox-server/protocol/sessions.ts';
// Defines <dockhand-exercise>.
import './exercise.ts';
import type { ExerciseElement } from './exercise.ts';
import { api, type Session } from './session.ts';

export type Exercises = ReturnType<typeof enableExercises>;

export function enableExercises(root: HTMLElement, lesson: string, onProgress: (passed: number, total: number) => void) {
  const exercises = [...root.querySelectorAll<ExerciseElement>('dockhand-exercise')];
  for (const exercise of exercises) exercise.lesson = lesson;
  const exerciseOf = (id: string) => exercises.find((exercise) => exercise.exerciseId === id);
  const report = () => onProgress(exercises.filter((exercise) => exercise.passed).length, exercises.length);
  root.addEventListener('exercise-state', report);
  report();

  /** What the learner achieved so far (in any of their sessions): ticks, last sentences, hints shown. */
  function showProgress(progress: ProgressView): void {
    for (const [key, entry] of Object.entries(progress.exercises)) {
      const [ofLesson, id] = key.split('/');
      const exercise = ofLesson === lesson && id ? exerciseOf(id) : undefined;
      if (!exercise) continue;
      if (entry.passed || entry.message) exercise.show({ passed: entry.passed, message: entry.message }, false);
      if (entry.hintsUsed) exercise.revealHints(entry.hintsUsed);
    }
  }

  return {
    showProgress,
    /** The sandbox is ready (or gone): load what this learner already passed. */
    async setSession(next: Session | undefined): Promise<void> {
      for (const exercise of exercises) exercise.session = next;
      if (!next) return;
      try {
        showProgress(await api<ProgressView>(next, 'GET', `/api/sessions/${next.id}/progress`));
      } catch {
        // No progress yet (or a server without it): every exercise stays as it is.
      }
    },
    /** An exercise result pushed by the server. */
    result(event: { lesson: string; exercise: string; passed: boolean; message?: string }): void {
      const exercise = event.lesson === lesson ? exerciseOf(event.exercise) : undefined;
      exercise?.show(event, true);
    },
  };
}
