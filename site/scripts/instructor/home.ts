// The instructor's start page: create a workshop (title, lessons, times, seats, expected size), show
// its join code and link, and list the workshops so far.
import { WORKSHOP_PEOPLE_MAX } from '../../../sandbox-server/protocol/limits.ts';
import { part } from '../parts.ts';
import { api } from '../session.ts';
import { adminApi } from './admin.ts';
import { dateTime, groupedCode, localInputValue, sentence } from './format.ts';
import { showJoinCode } from './join-code.ts';
import { requireAdminToken } from './token-gate.ts';
import { type LessonSummary, STATE_LABELS, type WorkshopView } from './types.ts';

const DEFAULT_LENGTH_MS = 3 * 3_600_000;

const page = part(document, 'instructor-page');
const app = part(page, 'instructor-app');
const form = part(page, 'create-form', HTMLFormElement);
const title = part(page, 'workshop-title', HTMLInputElement);
const start = part(page, 'workshop-start', HTMLInputElement);
const end = part(page, 'workshop-end', HTMLInputElement);
const seats = part(page, 'workshop-seats', HTMLInputElement);
const expected = part(page, 'workshop-expected', HTMLInputElement);
const picker = part(page, 'lesson-picker');
const lessonList = part(page, 'lesson-list', HTMLOListElement);
const lessonsStatus = part(page, 'lessons-status');
const error = part(page, 'create-error');
const created = part(page, 'created');
const listStatus = part(page, 'list-status');
const rows = part(page, 'workshop-rows', HTMLTableSectionElement);
const submit = form.querySelector('button[type="submit"]') as HTMLButtonElement;

let adminToken = '';

const dashboardUrl = (code: string) => `/instructor/workshop/?code=${encodeURIComponent(code)}`;

function setDefaultTimes(): void {
  const now = new Date();
  now.setSeconds(0, 0);
  start.value = localInputValue(now);
  end.value = localInputValue(new Date(now.getTime() + DEFAULT_LENGTH_MS));
}

/** One lesson in the picker: a checkbox and buttons that move it up or down the order. */
function lessonItem(lesson: LessonSummary): HTMLLIElement {
  const item = document.createElement('li');
  item.dataset.slug = lesson.slug;
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.value = lesson.slug;
  label.append(box, ` ${lesson.title}`);
  const moves = document.createElement('span');
  moves.className = 'moves';
  for (const [direction, symbol] of [
    ['up', '↑'],
    ['down', '↓'],
  ] as const) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = symbol;
    button.setAttribute('aria-label', `Move “${lesson.title}” ${direction}`);
    button.addEventListener('click', () => {
      const sibling = direction === 'up' ? item.previousElementSibling : item.nextElementSibling;
      if (!sibling) return;
      if (direction === 'up') sibling.before(item);
      else sibling.after(item);
      // Moving an element drops its focus: keep the keyboard where it was.
      button.focus();
      lessonsStatus.textContent = `“${lesson.title}” is now number ${[...lessonList.children].indexOf(item) + 1}.`;
    });
    moves.append(button);
  }
  item.append(label, moves);
  return item;
}

async function loadLessons(): Promise<void> {
  try {
    const lessons = await api<LessonSummary[]>(undefined, 'GET', '/api/lessons');
    lessonList.replaceChildren(...lessons.toSorted((a, b) => a.order - b.order).map(lessonItem));
  } catch (failure) {
    lessonsStatus.textContent = `The lessons could not be loaded. ${sentence(failure instanceof Error ? failure.message : String(failure))}`;
  }
}

for (const radio of form.querySelectorAll<HTMLInputElement>('input[name="lesson-scope"]')) {
  radio.addEventListener('change', () => {
    picker.hidden = !(form.querySelector('input[name="lesson-scope"][value="chosen"]') as HTMLInputElement).checked;
  });
}

/** The form as the API wants it, or the first problem with the field to fix. */
function readForm(): { ok: true; body: Record<string, unknown> } | { ok: false; error: string; field: HTMLElement } {
  if (!title.value.trim()) return { ok: false, error: 'Give the workshop a title.', field: title };
  let lessons: string[] | undefined;
  if (!picker.hidden) {
    lessons = [...lessonList.querySelectorAll<HTMLInputElement>('input[type="checkbox"]:checked')].map((box) => box.value);
    if (lessons.length === 0) {
      const first = lessonList.querySelector('input') ?? lessonList;
      return { ok: false, error: 'Tick at least one lesson, or choose the whole course.', field: first };
    }
  }
  const startsAt = new Date(start.value);
  const endsAt = new Date(end.value);
  if (Number.isNaN(startsAt.getTime())) return { ok: false, error: 'Give a start date and time.', field: start };
  if (Number.isNaN(endsAt.getTime())) return { ok: false, error: 'Give an end date and time.', field: end };
  if (endsAt <= startsAt) return { ok: false, error: 'The end must be after the start.', field: end };
  const body: Record<string, unknown> = { title: title.value.trim(), startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() };
  if (lessons) body.lessons = lessons;
  for (const [input, name, label] of [
    [seats, 'seats', 'The seat limit'],
    [expected, 'expected', 'The expected size'],
  ] as const) {
    if (input.value === '') continue;
    const count = Number(input.value);
    if (!Number.isInteger(count) || count < 1 || count > WORKSHOP_PEOPLE_MAX) {
      return { ok: false, error: `${label} must be a whole number from 1 to ${WORKSHOP_PEOPLE_MAX}, or empty.`, field: input };
    }
    body[name] = count;
  }
  return { ok: true, body };
}

function showError(message: string, field?: HTMLElement): void {
  error.textContent = message;
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  if (!field) return;
  field.setAttribute('aria-invalid', 'true');
  field.focus();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const read = readForm();
  if (!read.ok) return showError(read.error, read.field);
  showError('');
  submit.disabled = true;
  try {
    const workshop = await adminApi<WorkshopView>(adminToken, 'POST', '/api/workshops', read.body);
    showCreated(workshop);
    form.reset();
    picker.hidden = true;
    setDefaultTimes();
    void loadWorkshops();
  } catch (failure) {
    showError(sentence(failure instanceof Error ? failure.message : String(failure)));
  } finally {
    submit.disabled = false;
  }
});

function showCreated(workshop: WorkshopView): void {
  part(page, 'created-name').textContent = workshop.title;
  showJoinCode(part(page, 'created-code'), workshop);
  part(page, 'open-dashboard', HTMLAnchorElement).href = dashboardUrl(workshop.code);
  created.hidden = false;
  created.focus();
}

function cell(row: HTMLTableRowElement, content: string | Node, className?: string): void {
  const td = row.insertCell();
  td.append(content);
  if (className) td.className = className;
}

async function loadWorkshops(): Promise<void> {
  try {
    const workshops = await adminApi<WorkshopView[]>(adminToken, 'GET', '/api/workshops');
    const wrap = rows.closest('.table-wrap') as HTMLElement;
    wrap.hidden = workshops.length === 0;
    listStatus.textContent = workshops.length === 0 ? 'None yet: create your first one above.' : '';
    rows.replaceChildren(
      ...workshops
        .toSorted((a, b) => Date.parse(b.startsAt) - Date.parse(a.startsAt))
        .map((workshop) => {
          const row = document.createElement('tr');
          const th = document.createElement('th');
          th.scope = 'row';
          const link = document.createElement('a');
          link.href = dashboardUrl(workshop.code);
          link.textContent = workshop.title;
          th.append(link);
          row.append(th);
          cell(row, groupedCode(workshop.code), 'code');
          const badge = document.createElement('span');
          badge.className = 'state-badge';
          badge.dataset.state = workshop.state;
          badge.textContent = STATE_LABELS[workshop.state];
          cell(row, badge);
          cell(row, dateTime(workshop.startsAt));
          cell(row, dateTime(workshop.endsAt));
          cell(row, workshop.seats === null ? 'no limit' : String(workshop.seats));
          return row;
        }),
    );
  } catch (failure) {
    listStatus.textContent = `The workshops could not be loaded. ${sentence(failure instanceof Error ? failure.message : String(failure))}`;
  }
}

setDefaultTimes();
requireAdminToken((token) => {
  adminToken = token;
  app.hidden = false;
  void loadLessons();
  void loadWorkshops();
});
