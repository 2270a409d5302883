// Marks each lesson of a <CourseList> with what the learner passed in it.
import type { ProgressView } from '../../sandbox-server/protocol/sessions.ts';

export function markCourse(progress: ProgressView): void {
  for (const item of document.querySelectorAll<HTMLElement>('.course-item')) {
    const ids = (item.dataset.exercises ?? '').split(' ').filter(Boolean);
    const passed = ids.filter((id) => progress.exercises[`${item.dataset.lesson}/${id}`]?.passed).length;
    const mark = item.querySelector('.progress') as HTMLElement;
    if (ids.length > 0 && passed > 0) mark.textContent = passed === ids.length ? '✓ all done' : `${passed} of ${ids.length} done`;
  }
}
