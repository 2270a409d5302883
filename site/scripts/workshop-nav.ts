// Fills the workshop nav (components/WorkshopNav.astro) when this browser's session belongs to a
// workshop: its lessons in order with progress, the time left, the next lesson of the workshop. While
// it runs, the course's own links that lead elsewhere are hidden or point back into the workshop; once
// it ended, the nav says so and what the participant can do next.
import type { ParticipantWorkshopView } from '../../sandbox-server/protocol/workshops.ts';
import { clockTime, remaining } from './instructor/format.ts';
import { ApiError, api, storedSession } from './session.ts';
import { WORKSHOP_CHANGE } from './workshop-change.ts';

const nav = document.getElementById('workshop-nav') as HTMLElement | null;
const REFRESH_MS = 30_000;

function lessonUrl(slug: string): string {
  return `/lessons/${slug}/`;
}

function render(root: HTMLElement, view: ParticipantWorkshopView, titles: Record<string, string>): void {
  const byId = (id: string) => root.querySelector(`#${id}`) as HTMLElement;
  const current = root.dataset.current ?? '';
  const titleOf = (slug: string) => titles[slug] ?? slug;
  const ended = view.state === 'ended';
  document.body.dataset.workshop = ended ? 'ended' : 'running';
  byId('workshop-nav-title').textContent = view.title;

  const left = Date.parse(view.endsAt) - Date.now();
  byId('workshop-nav-time').textContent = ended
    ? `Ended at ${clockTime(view.endedAt ?? view.endsAt)}`
    : view.state === 'scheduled'
      ? `Starts at ${clockTime(view.startsAt)}`
      : `${remaining(left)} left (ends at ${clockTime(view.endsAt)})`;

  const list = byId('workshop-nav-lessons');
  list.replaceChildren(
    ...view.lessons.map((lesson) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = lessonUrl(lesson.slug);
      link.textContent = titleOf(lesson.slug);
      item.append(link);
      if (lesson.slug === current) item.setAttribute('aria-current', 'page');
      if (lesson.exercises > 0) {
        const count = document.createElement('span');
        count.className = 'count';
        count.dataset.done = String(lesson.passed === lesson.exercises);
        count.textContent = `${lesson.passed} of ${lesson.exercises} done`;
        item.append(count);
      }
      return item;
    }),
  );

  const index = view.lessons.findIndex((lesson) => lesson.slug === current);
  const next = index === -1 ? view.lessons[0] : view.lessons[index + 1];
  const nextLink = byId('workshop-nav-next') as HTMLAnchorElement;
  nextLink.hidden = ended || !next;
  if (next) {
    nextLink.href = lessonUrl(next.slug);
    nextLink.textContent = index === -1 ? `Back to the workshop: ${titleOf(next.slug)}` : `Next lesson: ${titleOf(next.slug)}`;
  }

  const notice = byId('workshop-nav-ended');
  notice.hidden = !ended;
  if (ended) {
    const passed = view.lessons.reduce((sum, lesson) => sum + lesson.passed, 0);
    const total = view.lessons.reduce((sum, lesson) => sum + lesson.exercises, 0);
    const said = document.createElement('p');
    said.textContent = `This workshop has ended. You finished ${passed} of ${total} exercises; the lessons stay readable here.`;
    const next = document.createElement('p');
    next.append('To keep practising, ');
    const course = document.createElement('a');
    course.href = '/';
    course.textContent = 'continue the course on your own';
    const join = document.createElement('a');
    join.href = '/join/';
    join.textContent = 'join another workshop';
    next.append(course, ' with a new sandbox, or ', join, ' with a code from your instructor.');
    notice.replaceChildren(said, next);
  }

  // Inside a running workshop the way home is the workshop's first lesson, not the course.
  const brand = document.querySelector<HTMLAnchorElement>('.site-header .brand');
  const first = view.lessons[0];
  if (brand && first) brand.href = ended ? '/' : lessonUrl(first.slug);
  const crumbs = document.querySelector('.lesson-pane .crumbs');
  if (crumbs && index !== -1 && !ended) {
    const minutes = crumbs.textContent?.match(/ · about .*$/)?.[0] ?? '';
    crumbs.textContent = `${view.title} · Lesson ${index + 1} of ${view.lessons.length}${minutes}`;
  }
  root.hidden = false;
}

async function start(root: HTMLElement): Promise<void> {
  const session = storedSession();
  if (!session) return;
  const titles = JSON.parse(document.getElementById('workshop-nav-titles')?.textContent ?? '{}') as Record<string, string>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = async (): Promise<void> => {
    clearTimeout(timer);
    try {
      const view = await api<ParticipantWorkshopView | null>(session, 'GET', `/api/sessions/${session.id}/workshop`);
      if (!view) return;
      render(root, view, titles);
      if (view.state === 'ended') return;
      // Again when the clock says the workshop is over, or in a while for the time left.
      timer = setTimeout(refresh, Math.max(1000, Math.min(REFRESH_MS, Date.parse(view.endsAt) - Date.now() + 500)));
    } catch (failure) {
      // A session this server no longer knows: the page stays the course's.
      if (failure instanceof ApiError && failure.status !== 0) return;
      timer = setTimeout(refresh, REFRESH_MS);
    }
  };
  // A tick in an exercise on this page changes this lesson's count.
  document.addEventListener('exercise-state', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  // The instructor extended or ended the workshop (the events socket said so): show it now.
  document.addEventListener(WORKSHOP_CHANGE, () => void refresh());
  await refresh();
}

if (nav) void start(nav);
