// The live dashboard of one workshop (?code=): a snapshot socket drives the progress table; the
// controls broadcast, extend, end and export; any participant's terminal can be watched read-only.

import type { DashboardMessage, RoomCounts } from '../../../sandbox-server/protocol/events.ts';
import { normalizeJoinCode } from '../../../sandbox-server/protocol/join-code.ts';
import { ApiError, api } from '../session.ts';
import { openReconnectingSocket } from '../socket.ts';
import type { TerminalElement } from '../terminal.ts';
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

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const problem = byId<HTMLElement>('dashboard-problem');
const actionStatus = byId<HTMLElement>('action-status');
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
  byId('workshop-title').textContent = workshop.title;
  document.title = `${workshop.title} · Dashboard · Dockhand`;
  const badge = byId('workshop-state');
  badge.dataset.state = workshop.state;
  badge.textContent = STATE_LABELS[workshop.state];
  showTime();
  const ended = workshop.state === 'ended';
  // Nobody can join any more: a code still on screen would only invite people in vain.
  byId('dashboard-join').hidden = ended;
  for (const id of ['extend-button', 'end-button', 'extend-minutes']) byId<HTMLButtonElement>(id).disabled = ended;
  for (const control of byId<HTMLFormElement>('broadcast-form').elements) (control as HTMLButtonElement).disabled = ended;
  showLive();
}

let socketState = 'connecting';
/** Whether the table follows the room: once the workshop ended, nothing more comes, and "Live" would mislead. */
function showLive(retryInMs = 0): void {
  const live = byId('live-state');
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
  const time = byId('workshop-time');
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
  byId('no-participants').hidden = people.length > 0;
  byId('progress-summary').textContent =
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
  const panel = byId('watch');
  const status = byId('watch-status');
  const title = byId('watch-title');
  title.textContent = `${participant.name}'s terminal (read-only)`;
  panel.hidden = false;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const path = `/ws/workshops/${encodeURIComponent(code)}/participants/${encodeURIComponent(participant.sessionId)}/terminal`;
  const handle = watchTerminal(byId<TerminalElement>('watch-host'), () => adminSocketUrl(token, `${path}?window=1`), {
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
  byId('watch').hidden = true;
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
  const broadcast = byId<HTMLFormElement>('broadcast-form');
  const input = byId<HTMLInputElement>('broadcast-message');
  broadcast.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      actionStatus.textContent = 'Write a message first.';
      input.focus();
      return;
    }
    void act(broadcast.querySelector('button') as HTMLButtonElement, async () => {
      const { delivered } = await adminApi<BroadcastView>(token, 'POST', `${workshopPath}/broadcast`, { message: text });
      input.value = '';
      return `Message sent to ${delivered} participant${delivered === 1 ? '' : 's'}.`;
    });
  });

  const extend = byId<HTMLButtonElement>('extend-button');
  extend.addEventListener('click', () =>
    act(extend, async () => {
      const minutes = Number(byId<HTMLSelectElement>('extend-minutes').value);
      const extended = await adminApi<WorkshopView>(token, 'POST', `${workshopPath}/extend`, { minutes });
      workshop = { ...workshop, ...extended };
      showWorkshop();
      return `The workshop now ends at ${clockTime(extended.endsAt)}.`;
    }),
  );

  const exportButton = byId<HTMLButtonElement>('export-csv');
  exportButton.addEventListener('click', () =>
    act(exportButton, async () => {
      await downloadCsv();
      return 'Results downloaded.';
    }),
  );

  const dialog = byId<HTMLDialogElement>('end-dialog');
  const end = byId<HTMLButtonElement>('end-button');
  end.addEventListener('click', () => dialog.showModal());
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'end') return end.focus();
    dialog.returnValue = '';
    void act(end, async () => {
      const ended = await adminApi<EndedWorkshopView>(token, 'POST', `${workshopPath}/end`);
      await refreshWorkshop();
      byId('main').focus();
      return `The workshop has ended: ${ended.reaped} sandbox${ended.reaped === 1 ? ' was' : 'es were'} removed.`;
    });
  });

  byId('watch-close').addEventListener('click', () => stopWatching(true));
  byId('watch').addEventListener('keydown', (event) => {
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
    byId<HTMLTableElement>('progress-table'),
    new Map(lessons.map((lesson) => [lesson.slug, lesson.title])),
    watch,
  );
  byId('dashboard').hidden = false;
  showWorkshop();
  showJoinCode(byId('dashboard-code'), workshop);
  byId<HTMLAnchorElement>('projector-open-link').href = `/instructor/workshop/projector/?code=${encodeURIComponent(workshop.code)}`;
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
