// The dashboard's table: one row per participant, one column per exercise grouped by lesson. Snapshots
// update it in place (a cell that just passed flashes once), so focus and scroll stay where they were.
// Names come from participants: they only ever go in as text.
import { clockTime } from './format.ts';
import type { ExerciseColumn, ParticipantProgress, WorkshopProgress } from './types.ts';

export type ProgressTable = {
  update(progress: WorkshopProgress): void;
  /** Marks the row whose terminal is being watched (or none). */
  watching(sessionId: string | undefined): void;
};

export function createProgressTable(
  table: HTMLTableElement,
  lessonTitles: Map<string, string>,
  onWatch: (participant: ParticipantProgress) => void,
): ProgressTable {
  let columns: ExerciseColumn[] = [];
  let columnsKey = '';
  const rows = new Map<string, HTMLTableRowElement>();
  const body = document.createElement('tbody');

  function buildHead(): void {
    const groups = lessonGroups(columns);
    const colgroups = [colgroup(1, 'names'), colgroup(1, 'totals')];
    for (const group of groups) colgroups.push(colgroup(group.columns.length, 'lesson'));
    colgroups.push(colgroup(1, 'actions'));

    const head = document.createElement('thead');
    const lessonRow = head.insertRow();
    lessonRow.append(headCell('Participant', 'col', 2), headCell('Done', 'col', 2));
    const exerciseRow = document.createElement('tr');
    groups.forEach((group, index) => {
      const th = headCell(lessonTitles.get(group.lesson) ?? group.lesson, 'colgroup');
      th.colSpan = group.columns.length;
      th.className = 'lesson-head';
      th.title = th.textContent ?? '';
      th.prepend(`${index + 1}. `);
      lessonRow.append(th);
      group.columns.forEach((column, position) => {
        // Numbered like the lesson (2.3 is lesson 2's third exercise), the title beside it, wrapped.
        const exercise = headCell('', 'col');
        exercise.className = 'exercise-head';
        exercise.dataset.key = column.key;
        exercise.title = column.title;
        const number = document.createElement('span');
        number.className = 'exercise-number';
        number.textContent = `${index + 1}.${position + 1}`;
        const label = document.createElement('span');
        label.className = 'exercise-title';
        label.textContent = column.title;
        exercise.append(number, label);
        exerciseRow.append(exercise);
      });
    });
    lessonRow.append(headCell('Terminal', 'col', 2));
    head.append(exerciseRow);
    rows.clear();
    body.replaceChildren();
    table.replaceChildren(...colgroups, head, body);
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
    const total = row.insertCell();
    total.className = 'total';
    for (const column of columns) {
      const td = row.insertCell();
      td.className = 'cell';
      td.dataset.key = column.key;
    }
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
    (row.cells[1] as HTMLTableCellElement).textContent = `${participant.passed}/${columns.length}`;
    columns.forEach((column, index) => {
      const td = row.cells[index + 2] as HTMLTableCellElement;
      const result = participant.exercises[column.key];
      const passed = result?.passed === true;
      if (td.dataset.passed === String(passed)) return;
      const flash = passed && !fresh;
      td.dataset.passed = String(passed);
      const mark = document.createElement('span');
      mark.setAttribute('aria-hidden', 'true');
      mark.textContent = passed ? '✓' : '·';
      const said = document.createElement('span');
      said.className = 'visually-hidden';
      said.textContent = passed && result.at ? `passed at ${clockTime(result.at)}` : 'not yet';
      td.replaceChildren(mark, said);
      td.title = `${column.title}: ${said.textContent}`;
      td.classList.toggle('just-passed', flash);
    });
    const watch = row.querySelector('.watch-button') as HTMLButtonElement;
    watch.setAttribute('aria-label', `Watch ${participant.name}'s terminal`);
    watch.disabled = participant.state === 'ended';
    watch.onclick = () => onWatch(participant);
  }

  return {
    update(progress) {
      const key = progress.exercises.map((column) => column.key).join(' ');
      if (key !== columnsKey) {
        columns = progress.exercises;
        columnsKey = key;
        buildHead();
      }
      for (const participant of progress.participants) {
        const fresh = !rows.has(participant.sessionId);
        fill(rowFor(participant), participant, fresh);
      }
    },
    watching(sessionId) {
      for (const [id, row] of rows) {
        const watched = id === sessionId;
        row.classList.toggle('watched', watched);
        const button = row.querySelector('.watch-button') as HTMLButtonElement;
        button.setAttribute('aria-pressed', String(watched));
      }
    },
  };
}

function lessonGroups(columns: ExerciseColumn[]): { lesson: string; columns: ExerciseColumn[] }[] {
  const groups: { lesson: string; columns: ExerciseColumn[] }[] = [];
  for (const column of columns) {
    const last = groups.at(-1);
    if (last?.lesson === column.lesson) last.columns.push(column);
    else groups.push({ lesson: column.lesson, columns: [column] });
  }
  return groups;
}

function colgroup(span: number, className: string): HTMLTableColElement {
  const group = document.createElement('colgroup');
  group.span = span;
  group.className = className;
  return group;
}

function headCell(text: string, scope: 'col' | 'colgroup', rowSpan = 1): HTMLTableCellElement {
  const th = document.createElement('th');
  th.scope = scope;
  th.rowSpan = rowSpan;
  th.textContent = text;
  return th;
}
