// The dashboard's table, one row per participant: the lesson they are in now, per lesson how many exercises
// they passed ("3/5" and a bar), and a footer counting who finished each lesson. A lesson's header button
// expands it to one column per exercise. Snapshots update rows in place (a cell that just passed flashes
// once), so focus and scroll stay where they were. Names come from participants: they only ever go in as text.
import { clockTime } from './format.ts';
import { currentLesson, finishedLesson, type LessonGroup, lessonGroups, passedIn } from './lesson-summary.ts';
import type { ExerciseColumn, ParticipantProgress, WorkshopProgress } from './types.ts';

export type ProgressTable = {
  update(progress: WorkshopProgress): void;
  /** Marks the row whose terminal is being watched (or none). */
  watching(sessionId: string | undefined): void;
};

/** One body column after "Now in": a lesson's summary, or one exercise of an expanded lesson. */
type Column = { kind: 'lesson'; group: LessonGroup } | { kind: 'exercise'; group: LessonGroup; column: ExerciseColumn; position: number };

export function createProgressTable(
  table: HTMLTableElement,
  lessonTitles: Map<string, string>,
  onWatch: (participant: ParticipantProgress) => void,
): ProgressTable {
  let groups: LessonGroup[] = [];
  let columnsKey = '';
  let layout: Column[] = [];
  let latest: WorkshopProgress | undefined;
  let watchedId: string | undefined;
  const expanded = new Set<string>();
  const rows = new Map<string, HTMLTableRowElement>();
  const body = document.createElement('tbody');
  const foot = document.createElement('tfoot');
  const titleOf = (group: LessonGroup) => lessonTitles.get(group.lesson) ?? group.lesson;

  function build(): void {
    layout = groups.flatMap((group): Column[] => [
      { kind: 'lesson', group },
      ...(expanded.has(group.lesson)
        ? group.exercises.map((column, index) => ({ kind: 'exercise' as const, group, column, position: index + 1 }))
        : []),
    ]);
    const head = document.createElement('thead');
    const headRow = head.insertRow();
    headRow.append(headCell('Participant'), headCell('Now in'));
    for (const column of layout) headRow.append(column.kind === 'lesson' ? lessonHead(column.group) : exerciseHead(column));
    headRow.append(headCell('Done'), headCell('Terminal'));

    foot.replaceChildren();
    const totals = foot.insertRow();
    const label = document.createElement('th');
    label.scope = 'row';
    label.textContent = 'Finished';
    label.title = 'How many participants passed every exercise of the lesson (or passed the exercise)';
    totals.append(label, document.createElement('td'));
    for (const column of layout) {
      const td = totals.insertCell();
      td.className = column.kind === 'lesson' ? 'lesson-total' : 'exercise-total';
      td.dataset.key = column.kind === 'lesson' ? column.group.lesson : column.column.key;
    }
    const all = totals.insertCell();
    all.className = 'total';
    totals.insertCell();

    rows.clear();
    body.replaceChildren();
    table.replaceChildren(head, body, foot);
  }

  function lessonHead(group: LessonGroup): HTMLTableCellElement {
    const th = headCell('');
    th.className = 'lesson-head';
    th.dataset.lesson = group.lesson;
    const open = expanded.has(group.lesson);
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'lesson-toggle';
    toggle.setAttribute('aria-expanded', String(open));
    toggle.title = `${group.number}. ${titleOf(group)}: ${open ? 'hide' : 'show'} its ${group.exercises.length} exercises`;
    const number = document.createElement('span');
    number.className = 'lesson-number';
    number.textContent = String(group.number);
    const title = document.createElement('span');
    title.className = 'lesson-title';
    title.textContent = titleOf(group);
    // Named "1. Hello, world…" from what it shows (an aria-label would differ from the visible text).
    const pause = document.createElement('span');
    pause.className = 'visually-hidden';
    pause.textContent = '. ';
    toggle.append(number, pause, title);
    toggle.addEventListener('click', () => {
      if (expanded.has(group.lesson)) expanded.delete(group.lesson);
      else expanded.add(group.lesson);
      rebuild();
      table.querySelector<HTMLButtonElement>(`.lesson-head[data-lesson="${CSS.escape(group.lesson)}"] .lesson-toggle`)?.focus();
    });
    th.append(toggle);
    return th;
  }

  function exerciseHead({ group, column, position }: Extract<Column, { kind: 'exercise' }>): HTMLTableCellElement {
    // Numbered like the lesson (2.3 is lesson 2's third exercise), at the foot like the lessons' numbers.
    const th = headCell('');
    th.className = 'exercise-head';
    th.dataset.key = column.key;
    th.title = column.title;
    const number = document.createElement('span');
    number.className = 'exercise-number';
    number.textContent = `${group.number}.${position}`;
    const label = document.createElement('span');
    label.className = 'exercise-title';
    label.textContent = column.title;
    // Read as "Peek into … , 2.1" rather than run together.
    const pause = document.createElement('span');
    pause.className = 'visually-hidden';
    pause.textContent = ', ';
    th.append(label, pause, number);
    return th;
  }

  function rowFor(participant: ParticipantProgress): HTMLTableRowElement {
    const existing = rows.get(participant.sessionId);
    if (existing) return existing;
    const row = document.createElement('tr');
    row.dataset.session = participant.sessionId;
    const th = document.createElement('th');
    th.scope = 'row';
    const name = document.createElement('span');
    name.className = 'participant-name';
    const note = document.createElement('span');
    note.className = 'participant-note';
    th.append(name, note);
    row.append(th);
    row.insertCell().className = 'now';
    for (const column of layout) {
      const td = row.insertCell();
      if (column.kind === 'lesson') {
        td.className = 'lesson-cell';
        td.dataset.lesson = column.group.lesson;
      } else {
        td.className = 'cell';
        td.dataset.key = column.column.key;
      }
    }
    row.insertCell().className = 'total';
    const actions = row.insertCell();
    const watch = document.createElement('button');
    watch.type = 'button';
    watch.className = 'watch-button';
    watch.textContent = 'Watch';
    actions.append(watch);
    rows.set(participant.sessionId, row);
    body.append(row);
    return row;
  }

  function fill(row: HTMLTableRowElement, participant: ParticipantProgress, fresh: boolean): void {
    row.dataset.state = participant.state;
    row.classList.toggle('stuck', participant.stuck !== null);
    const th = row.cells[0] as HTMLTableCellElement;
    (th.querySelector('.participant-name') as HTMLElement).textContent = participant.name;
    const note = th.querySelector('.participant-note') as HTMLElement;
    note.textContent = participant.state === 'ended' ? 'Session ended' : participant.stuck ? `Stuck: ${participant.stuck}` : '';
    note.dataset.kind = participant.state === 'ended' ? 'ended' : participant.stuck ? 'stuck' : '';

    const current = currentLesson(groups, participant);
    const now = row.cells[1] as HTMLTableCellElement;
    const where = document.createElement('span');
    where.textContent = current ? `${current.number}. ${titleOf(current)}` : 'All done';
    now.replaceChildren(where);
    now.title = where.textContent;
    now.dataset.lesson = current?.lesson ?? '';

    layout.forEach((column, index) => {
      const td = row.cells[index + 2] as HTMLTableCellElement;
      if (column.kind === 'lesson') fillLesson(td, column.group, participant, column.group === current, fresh);
      else fillExercise(td, column.column, participant, fresh);
    });
    const total = groups.reduce((sum, group) => sum + group.exercises.length, 0);
    (row.cells[layout.length + 2] as HTMLTableCellElement).textContent = `${participant.passed}/${total}`;
    const watch = row.querySelector('.watch-button') as HTMLButtonElement;
    watch.setAttribute('aria-label', `Watch ${participant.name}'s terminal`);
    watch.setAttribute('aria-pressed', String(participant.sessionId === watchedId));
    row.classList.toggle('watched', participant.sessionId === watchedId);
    watch.disabled = participant.state === 'ended';
    watch.onclick = () => onWatch(participant);
  }

  function fillLesson(
    td: HTMLTableCellElement,
    group: LessonGroup,
    participant: ParticipantProgress,
    isCurrent: boolean,
    fresh: boolean,
  ): void {
    const passed = passedIn(group, participant);
    const of = group.exercises.length;
    td.classList.toggle('current', isCurrent);
    td.dataset.done = String(passed === of);
    if (td.dataset.passed === String(passed)) return;
    const before = Number(td.dataset.passed ?? passed);
    td.dataset.passed = String(passed);
    const count = document.createElement('span');
    count.className = 'count';
    count.textContent = `${passed}/${of}`;
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.setAttribute('aria-hidden', 'true');
    const fill = document.createElement('span');
    fill.style.inlineSize = `${Math.round((passed / of) * 100)}%`;
    bar.append(fill);
    td.replaceChildren(count, bar);
    td.title = `${group.number}. ${titleOf(group)}: ${passed} of ${of} exercises passed`;
    td.classList.toggle('just-passed', !fresh && passed > before);
  }

  function fillExercise(td: HTMLTableCellElement, column: ExerciseColumn, participant: ParticipantProgress, fresh: boolean): void {
    const result = participant.exercises[column.key];
    const passed = result?.passed === true;
    if (td.dataset.passed === String(passed)) return;
    td.dataset.passed = String(passed);
    const mark = document.createElement('span');
    mark.setAttribute('aria-hidden', 'true');
    mark.textContent = passed ? '✓' : '·';
    const said = document.createElement('span');
    said.className = 'visually-hidden';
    said.textContent = passed && result.at ? `passed at ${clockTime(result.at)}` : 'not yet';
    td.replaceChildren(mark, said);
    td.title = `${column.title}: ${said.textContent}`;
    td.classList.toggle('just-passed', passed && !fresh);
  }

  function fillTotals(progress: WorkshopProgress): void {
    const people = progress.participants;
    const totals = foot.rows[0] as HTMLTableRowElement;
    layout.forEach((column, index) => {
      const td = totals.cells[index + 2] as HTMLTableCellElement;
      const done =
        column.kind === 'lesson'
          ? finishedLesson(column.group, people)
          : people.filter((person) => person.exercises[column.column.key]?.passed === true).length;
      td.textContent = `${done}/${people.length}`;
      td.title =
        column.kind === 'lesson'
          ? `${done} of ${people.length} finished ${column.group.number}. ${titleOf(column.group)}`
          : `${done} of ${people.length} passed ${column.column.title}`;
    });
    const everything = people.filter((person) => person.passed === progress.exercises.length).length;
    (totals.cells[layout.length + 2] as HTMLTableCellElement).textContent = `${everything}/${people.length}`;
  }

  function render(progress: WorkshopProgress): void {
    for (const participant of progress.participants) {
      const fresh = !rows.has(participant.sessionId);
      fill(rowFor(participant), participant, fresh);
    }
    fillTotals(progress);
  }

  function rebuild(): void {
    build();
    if (latest) render(latest);
  }

  return {
    update(progress) {
      latest = progress;
      const key = progress.exercises.map((column) => column.key).join(' ');
      if (key !== columnsKey) {
        columnsKey = key;
        groups = lessonGroups(progress.exercises);
        build();
      }
      render(progress);
    },
    watching(sessionId) {
      watchedId = sessionId;
      for (const [id, row] of rows) {
        const watched = id === sessionId;
        row.classList.toggle('watched', watched);
        (row.querySelector('.watch-button') as HTMLButtonElement).setAttribute('aria-pressed', String(watched));
      }
    },
  };
}

function headCell(text: string): HTMLTableCellElement {
  const th = document.createElement('th');
  th.scope = 'col';
  th.textContent = text;
  return th;
}
