// The projector view (?code=): join code, QR code of the join link (drawn as SVG by the `qrcode`
// package), and the room's counts from the dashboard socket. Once the workshop ended the code goes.
import QRCode from 'qrcode';
import type { DashboardMessage, RoomCounts } from '../../../sandbox-server/protocol/events.ts';
import { normalizeJoinCode } from '../../../sandbox-server/protocol/join-code.ts';
import { ApiError, api } from '../session.ts';
import { openReconnectingSocket } from '../socket.ts';
import { adminApi, adminSocketUrl } from './admin.ts';
import { groupedCode, joinLink, loopbackWarning, sentence, spelledCode } from './format.ts';
import { finishedCounts } from './lesson-summary.ts';
import { requireAdminToken } from './token-gate.ts';
import type { LessonSummary, WorkshopProgress, WorkshopView } from './types.ts';

const byId = (id: string) => document.getElementById(id) as HTMLElement;
const code = normalizeJoinCode(new URLSearchParams(location.search).get('code') ?? '') ?? '';
const workshopPath = `/api/workshops/${encodeURIComponent(code)}`;

function showProblem(text: string): void {
  const problem = byId('projector-problem');
  problem.textContent = text;
  problem.hidden = false;
}

async function showJoin(workshop: WorkshopView): Promise<void> {
  const ended = workshop.state === 'ended';
  byId('projector-title').textContent = workshop.title;
  document.title = `${workshop.title} · Projector · Dockhand`;
  byId('projector-open').hidden = ended;
  byId('projector-ended').hidden = !ended;
  if (ended) return;
  const joinUrl = joinLink(workshop);
  const url = joinUrl.toString();
  const value = byId('projector-code');
  value.textContent = groupedCode(workshop.code);
  value.setAttribute('aria-label', spelledCode(workshop.code));
  byId('projector-origin').textContent = `${joinUrl.host}/join`;
  byId('projector-link').textContent = url;
  const warning = byId('projector-warning');
  warning.textContent = loopbackWarning(joinUrl);
  warning.hidden = !warning.textContent;
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  const qr = byId('projector-qr');
  qr.innerHTML = svg;
  qr.querySelector('svg')?.setAttribute('role', 'img');
  qr.querySelector('svg')?.setAttribute('aria-label', `QR code of the join link ${url}`);
}

function showCounts(room: RoomCounts): void {
  byId('projector-joined').textContent = String(room.joined);
  byId('projector-prompt').textContent = String(room.atPrompt);
}

/** Per lesson, how many of the room finished it: a count and a bar, readable from the back. */
function showLessons(progress: WorkshopProgress, titles: Map<string, string>): void {
  const people = progress.participants.length;
  byId('projector-progress').hidden = people === 0;
  const items = finishedCounts(progress).map(({ group, finished }) => {
    const item = document.createElement('li');
    item.dataset.lesson = group.lesson;
    const title = document.createElement('span');
    title.className = 'projector-lesson-title';
    title.textContent = `${group.number}. ${titles.get(group.lesson) ?? group.lesson}`;
    const count = document.createElement('span');
    count.className = 'projector-lesson-count';
    count.textContent = `${finished} of ${people}`;
    const bar = document.createElement('span');
    bar.className = 'projector-lesson-bar';
    bar.setAttribute('aria-hidden', 'true');
    const fill = document.createElement('span');
    fill.style.inlineSize = `${people ? Math.round((finished / people) * 100) : 0}%`;
    bar.append(fill);
    item.append(title, count, bar);
    return item;
  });
  byId('projector-lessons').replaceChildren(...items);
}

async function start(token: string): Promise<void> {
  let workshop: WorkshopView;
  try {
    workshop = await adminApi<WorkshopView>(token, 'GET', workshopPath);
  } catch (failure) {
    return showProblem(
      failure instanceof ApiError && failure.code === 'unknown_workshop'
        ? `There is no workshop with the code ${code}.`
        : `The workshop could not be loaded. ${sentence(failure instanceof Error ? failure.message : String(failure))}`,
    );
  }
  (byId('projector-back') as HTMLAnchorElement).href = `/instructor/workshop/?code=${encodeURIComponent(code)}`;
  byId('projector').hidden = false;
  await showJoin(workshop);
  const lessons = await api<LessonSummary[]>(undefined, 'GET', '/api/lessons').catch((): LessonSummary[] => []);
  const titles = new Map(lessons.map((lesson) => [lesson.slug, lesson.title]));
  openReconnectingSocket(() => adminSocketUrl(token, `/ws/workshops/${encodeURIComponent(code)}/dashboard`), {
    onState() {},
    onMessage(data) {
      if (typeof data !== 'string') return;
      const frame = JSON.parse(data) as DashboardMessage;
      if (frame.type !== 'snapshot') return;
      showCounts(frame.room);
      showLessons(frame.progress, titles);
    },
  });
  // The end comes from the dashboard (or the clock): look again now and then, and drop the code then.
  const timer = setInterval(async () => {
    workshop = await adminApi<WorkshopView>(token, 'GET', workshopPath).catch(() => workshop);
    if (workshop.state === 'ended') {
      clearInterval(timer);
      await showJoin(workshop);
    }
  }, 15_000);
}

if (!code) showProblem('This page needs a workshop code in its address. Open it from the workshop dashboard.');
else requireAdminToken((token) => void start(token));
