// The live dashboard of one workshop (?code=): a snapshot socket drives the progress table; the
// controls broadcast, extend, end and export; any participant's terminal can be watched read-only.

import type { DashboardMessage, RoomCounts } from '../../../sandbox-server/protocol/events.ts';
import { normalizeJoinCode } from '../../../sandbox-server/protocol/join-code.ts';
import { part } from '../parts.ts';
import { ApiError, api } from '../session.ts';
import { openReconnectingSocket } from '../socket.ts';
import { TerminalElement } from '../terminal.ts';
import { adminApi, adminSocketUrl } from './admin.ts';
import { clockTime, dateTime, remaining, sentence } from './format.ts';
import { showJoinCode } from './join-code.ts';
import { createProgressTable, type ProgressTable } from './progress-table.ts';
import { requireAdminToken } from './token-gate.ts';
import {
  type BroadcastView,
  type EndedWorkshopView,
  type LessonSummary,
  type ParticipantProgress,
  STATE_LABELS,
  type WorkshopDetailView as WorkshopDetail,
  type WorkshopProgress,
  type WorkshopView,
} from './types.ts';
import { type WatchHandle, watchTerminal } from './watch-terminal.ts';

const main = part(document, 'dashboard-page');
const problem = part(main, 'dashboard-problem');
const actionStatus = part(main, 'action-status');
const code = normalizeJoinCode(new URLSearchParams(location.search).get('code') ?? '') ?? '';

let token = '';
let workshop: WorkshopDetail;
let table: ProgressTable;
let watched: { participant: ParticipantProgress; handle: WatchHandle; opener: HTMLElement | null } | undefined;

const workshopPath = `/api/workshops/${encodeURIComponent(code)}`;
const message = (failure: unknown) => sentence(failure instanceof Error ? failure.message : String(failure));

function showProblem(text: string): void {
  problem.textContent = text;
  problem.hidden = false;
}

/** Title, state and times; the controls that make no sense once the workshop ended are switched off. */
function showWorkshop(): void {
  part(main, 'workshop-title').textContent = workshop.title;
  document.title = `${workshop.title} · Dashboard · Dockhand`;
  const badge = part(main, 'workshop-state');
  badge.dataset.state = workshop.state;
  badge.textContent = STATE_LABELS[workshop.state];
  showTime();
  const ended = workshop.state === 'ended';
  // Nobody can join any more: a code still on screen would only invite people in vain.
  part(main, 'dashboard-join').hidden = ended;
  const switches = [
    part(main, 'extend-button', HTMLButtonElement),
    part(main, 'end-button', HTMLButtonElement),
    part(main, 'extend-minutes', HTMLSelectElement),
  ];
  for (const control of switches) control.disabled = ended;
  for (const control of part(main, 'broadcast-form', HTMLFormElement).elements)
    if (control instanceof HTMLInputElement || control instanceof HTMLButtonElement) control.disabled = ended;
  showLive();
}

let socketState = 'connecting';
/** Whether the table follows the room: once the workshop ended, nothing more comes, and "Live" would mislead. */
function showLive(retryInMs = 0): void {
  const live = part(main, 'live-state');
  const ended = workshop?.state === 'ended';
  live.dataset.state = ended ? 'ended' : socketState;
  if (ended) live.textContent = 'Ended: final results';
  else if (socketState === 'open') live.textContent = 'Live';
  else if (socketState === 'connecting') live.textContent = 'Connecting…';
  else if (socketState === 'waiting') live.textContent = `Connection lost; reconnecting in ${Math.ceil(retryInMs / 1000)} s…`;
}

function showTime(): void {
  const now = Date.now();
  const endsAt = Date.parse(workshop.endsAt);
  const startsAt = Date.parse(workshop.startsAt);
  const time = part(main, 'workshop-time');
  if (workshop.state === 'ended') time.textContent = `Ended. It was planned until ${dateTime(workshop.endsAt)}.`;
  else if (startsAt > now) time.textContent = `Starts ${dateTime(workshop.startsAt)}, ends ${clockTime(workshop.endsAt)}.`;
  else time.textContent = `Ends at ${clockTime(workshop.endsAt)} (${remaining(endsAt - now)} left).`;
  // The server decides when a workshop is over: ask it once the clock says so (again next tick if it cannot answer).
  if (workshop.state !== 'ended' && endsAt <= now) refreshWorkshop().catch(() => {});
}

async function refreshWorkshop(): Promise<void> {
  workshop = await adminApi<WorkshopDetail>(token, 'GET', workshopPath);
  showWorkshop();
}

function showProgress(progress: WorkshopProgress, room: RoomCounts): void {
  table.update(progress);
  const people = progress.participants;
  const active = people.filter((person) => person.state === 'active').length;
  const stuck = people.filter((person) => person.stuck !== null).length;
  part(main, 'no-participants').hidden = people.length > 0;
  part(main, 'progress-summary').textContent =
    people.length === 0
      ? ''
      : `${people.length} joined · ${active} active · ${room.atPrompt} at a prompt · ${stuck} stuck · ${progress.exercises.length} exercises`;
}

function followProgress(): void {
  openReconnectingSocket(() => adminSocketUrl(token, `/ws/workshops/${encodeURIComponent(code)}/dashboard`), {
    onState(state, detail) {
      socketState = state;
      showLive(detail.retryInMs ?? 0);
    },
    onMessage(data) {
      if (typeof data !== 'string') return;
      const frame = JSON.parse(data) as DashboardMessage;
      if (frame.type === 'snapshot') showProgress(frame.progress, frame.room);
    },
  });
}

function watch(participant: ParticipantProgress): void {
  stopWatching(false);
  const panel = part(main, 'watch');
  const status = part(main, 'watch-status');
  const title = part(main, 'watch-title');
  title.textContent = `${participant.name}'s terminal (read-only)`;
  panel.hidden = false;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const path = `/ws/workshops/${encodeURIComponent(code)}/participants/${encodeURIComponent(participant.sessionId)}/terminal`;
  const handle = watchTerminal(part(main, 'watch-host', TerminalElement), () => adminSocketUrl(token, `${path}?window=1`), {
    label: `${participant.name}'s terminal`,
    onStatus(text, state) {
      status.textContent = text;
      status.dataset.state = state;
    },
    async stillLive() {
      await refreshWorkshop();
      return workshop.participants.some((person) => person.sessionId === participant.sessionId && person.state === 'active');
    },
  });
  watched = { participant, handle, opener };
  table.watching(participant.sessionId);
  title.focus();
}

function stopWatching(returnFocus: boolean): void {
  if (!watched) return;
  const { handle, opener } = watched;
  watched = undefined;
  handle.dispose();
  part(main, 'watch').hidden = true;
  table.watching(undefined);
  if (returnFocus) opener?.focus();
}

async function act(button: HTMLButtonElement, run: () => Promise<string>): Promise<void> {
  button.disabled = true;
  try {
    actionStatus.textContent = await run();
  } catch (failure) {
    actionStatus.textContent = message(failure);
  } finally {
    button.disabled = workshop.state === 'ended' && button.id !== 'export-csv';
  }
}

function wireControls(): void {
  const broadcast = part(main, 'broadcast-form', HTMLFormElement);
  const input = part(main, 'broadcast-message', HTMLInputElement);
  broadcast.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      actionStatus.textContent = 'Write a message first.';
      input.focus();
      return;
    }
    void act(part(broadcast, 'broadcast-send', HTMLButtonElement), async () => {
      const { delivered } = await adminApi<BroadcastView>(token, 'POST', `${workshopPath}/broadcast`, { message: text });
      input.value = '';
      return `Message sent to ${delivered} participant${delivered === 1 ? '' : 's'}.`;
    });
  });

  const extend = part(main, 'extend-button', HTMLButtonElement);
  extend.addEventListener('click', () =>
    act(extend, async () => {
      const minutes = Number(part(main, 'extend-minutes', HTMLSelectElement).value);
      const extended = await adminApi<WorkshopView>(token, 'POST', `${workshopPath}/extend`, { minutes });
      workshop = { ...workshop, ...extended };
      showWorkshop();
      return `The workshop now ends at ${clockTime(extended.endsAt)}.`;
    }),
  );

  const exportButton = part(main, 'export-csv', HTMLButtonElement);
  exportButton.addEventListener('click', () =>
    act(exportButton, async () => {
      await downloadCsv();
      return 'Results downloaded.';
    }),
  );

  const dialog = part(main, 'end-dialog', HTMLDialogElement);
  const end = part(main, 'end-button', HTMLButtonElement);
  end.addEventListener('click', () => dialog.showModal());
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'end') return end.focus();
    dialog.returnValue = '';
    void act(end, async () => {
      const ended = await adminApi<EndedWorkshopView>(token, 'POST', `${workshopPath}/end`);
      await refreshWorkshop();
      main.focus();
      return `The workshop has ended: ${ended.reaped} sandbox${ended.reaped === 1 ? ' was' : 'es were'} removed.`;
    });
  });

  part(main, 'watch-close').addEventListener('click', () => stopWatching(true));
  part(main, 'watch').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') stopWatching(true);
  });
}

/**
 * A plain link cannot carry the admin token: fetch the CSV and hand it to the browser as a file. Its times
 * are in this browser's zone (as the page shows them), written with their offset.
 */
async function downloadCsv(): Promise<void> {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const response = await fetch(`${workshopPath}/progress.csv?zone=${encodeURIComponent(zone)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok)
    throw new ApiError(response.status, `The results could not be exported (the server answered ${response.status}).`, 'internal');
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = `workshop-${code}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function start(): Promise<void> {
  try {
    workshop = await adminApi<WorkshopDetail>(token, 'GET', workshopPath);
  } catch (failure) {
    return showProblem(
      failure instanceof ApiError && failure.code === 'unknown_workshop'
        ? `There is no workshop with the code ${code}. Pick one from all workshops.`
        : `The workshop could not be loaded. ${message(failure)}`,
    );
  }
  const lessons = await api<LessonSummary[]>(undefined, 'GET', '/api/lessons').catch((): LessonSummary[] => []);
  table = createProgressTable(
    part(main, 'progress-table', HTMLTableElement),
    new Map(lessons.map((lesson) => [lesson.slug, lesson.title])),
    watch,
  );
  part(main, 'dashboard').hidden = false;
  showWorkshop();
  showJoinCode(part(main, 'dashboard-code'), workshop);
  part(main, 'projector-open-link', HTMLAnchorElement).href = `/instructor/workshop/projector/?code=${encodeURIComponent(workshop.code)}`;
  wireControls();
  followProgress();
  setInterval(showTime, 30_000);
}

if (!code) showProblem('This page needs a workshop code in its address. Pick a workshop from all workshops.');
else
  requireAdminToken((accepted) => {
    token = accepted;
    void start();
  });
