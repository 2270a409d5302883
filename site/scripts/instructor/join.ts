// Joining a workshop: code + display name → a session of that workshop (POST /api/sessions), kept where
// the lesson pages look for it, then the workshop's first lesson. Refusals say what to do next.

import type { NewSessionBody } from '../../../sandbox-server/protocol/bodies.ts';
import { normalizeJoinCode } from '../../../sandbox-server/protocol/join-code.ts';
import type { CreatedSessionView, QueuedCreatedView, SessionView } from '../../../sandbox-server/protocol/sessions.ts';
import { learnerToken, rememberWorkshop } from '../learner.ts';
import { part } from '../parts.ts';
import { ApiError, api, rememberCreated, rememberQueued, storedSession } from '../session.ts';
import { groupedCode, sentence } from './format.ts';
import type { LessonSummary } from './types.ts';

const page = part(document, 'join-page');
const form = part(page, 'join-form', HTMLFormElement);
const codeInput = part(page, 'join-code', HTMLInputElement);
const nameInput = part(page, 'join-name', HTMLInputElement);
const error = part(page, 'join-error');
const status = part(page, 'join-status');
const submit = form.querySelector('button[type="submit"]') as HTMLButtonElement;
const params = new URLSearchParams(location.search);
const lessonsLoading = api<LessonSummary[]>(undefined, 'GET', '/api/lessons').catch((): LessonSummary[] => []);

/** The workshop's first lesson (as the server or the join link names it), else the course's first. */
async function firstLessonUrl(workshopLessons: string[] = []): Promise<string> {
  const lessons = (await lessonsLoading).toSorted((a, b) => a.order - b.order);
  const wanted = workshopLessons[0] ?? params.get('lesson');
  const named = lessons.find((lesson) => lesson.slug === wanted);
  const lesson = named ?? lessons[0];
  return lesson ? `/lessons/${lesson.slug}/` : '/';
}

// No maxlength: the browser would cut a long name without a word. Cut here, and say so.
const nameMax = Number(nameInput.dataset.max);
const nameCut = part(page, 'join-name-cut');
nameInput.addEventListener('input', () => {
  if (nameInput.value.length < nameMax) nameCut.textContent = '';
  if (nameInput.value.length <= nameMax) return;
  nameInput.value = nameInput.value.slice(0, nameMax);
  nameCut.textContent = `Names are kept to ${nameMax} characters: yours was cut to “${nameInput.value.trim()}”.`;
});

function showError(text: string, field?: HTMLInputElement): void {
  error.textContent = text;
  status.textContent = '';
  for (const input of [codeInput, nameInput]) input.setAttribute('aria-invalid', String(input === field));
  field?.focus();
}

/** A refusal in words a participant can act on, and the field it is about. */
function refusal(failure: unknown, code: string): { text: string; field?: HTMLInputElement } {
  if (!(failure instanceof ApiError)) return { text: String(failure) };
  switch (failure.code) {
    case 'unknown_workshop':
      return { text: `There is no workshop with the code ${groupedCode(code)}. Check the code with your instructor.`, field: codeInput };
    case 'workshop_ended':
      return { text: `${sentence(failure.message)} Ask your instructor whether a new one is running.`, field: codeInput };
    case 'name_taken': {
      const name = nameInput.value.trim();
      return {
        text:
          `Someone in this workshop already goes by “${name}”. Choose another name, for instance with an initial added. ` +
          "If that is you on another device, first enter that device's resume code here (Resume code, at the top of the page), then join again.",
        field: nameInput,
      };
    }
    case 'bad_request':
      return { text: sentence(failure.message), field: nameInput };
    default:
      return { text: sentence(failure.message) };
  }
}

/**
 * Shows the wait counted down. The status is a live region: it is said once, with "a few seconds", and the
 * seconds tick only on screen (aria-hidden), or a screen reader would read out every second.
 */
async function countDown(seconds: number): Promise<void> {
  const shown = document.createElement('span');
  shown.className = 'countdown';
  shown.setAttribute('aria-hidden', 'true');
  const said = document.createElement('span');
  said.className = 'visually-hidden';
  said.textContent = 'a few seconds…';
  status.replaceChildren('Many people are joining from your network at once: trying again in ', shown, said);
  for (let left = seconds; left > 0; left--) {
    shown.textContent = `${left} s…`;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** How many times a join refused for the rate (a room joining from one network) is tried again by itself. */
const RATE_RETRIES = 20;

/**
 * Joins; a refusal for the rate lifts by itself within seconds (a whole room behind one address joining
 * at once), so it is waited out and tried again, with the wait counted down, instead of asking for a click.
 */
async function joinWhenLetIn(body: NewSessionBody): Promise<CreatedSessionView | QueuedCreatedView> {
  for (let tries = 0; ; tries++) {
    try {
      return await api<CreatedSessionView | QueuedCreatedView>(undefined, 'POST', '/api/sessions', body);
    } catch (failure) {
      const wait = failure instanceof ApiError && failure.code === 'rate_limited' ? failure.retryAfterSeconds : undefined;
      if (wait === undefined || tries >= RATE_RETRIES) throw failure;
      await countDown(wait);
      status.textContent = 'Joining and starting your sandbox…';
    }
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = normalizeJoinCode(codeInput.value);
  const name = nameInput.value.trim();
  if (!code) return showError('A join code has six letters and digits, such as K7P\u00a04QX.', codeInput);
  if (!name) return showError('Enter the name your instructor should see.', nameInput);
  showError('');
  submit.disabled = true;
  status.textContent = 'Joining and starting your sandbox…';
  try {
    // As the browser's learner, so joining again (a reload, another device with the resume code) is the same seat.
    const learner = await learnerToken(code);
    const view = await joinWhenLetIn({ workshop: code, name, learner });
    rememberWorkshop({ workshop: code, name });
    // A full host puts the participant in line (workshops first): the lesson page waits and starts by itself.
    if (view.state === 'queued') rememberQueued(view);
    else rememberCreated(view);
    status.textContent = 'Joined. Opening the first lesson…';
    location.assign(await firstLessonUrl(view.state === 'queued' ? undefined : view.workshopLessons));
  } catch (failure) {
    const { text, field } = refusal(failure, code);
    showError(text, field);
    submit.disabled = false;
  }
});

/** Someone who joined already (a reload, the link opened twice) continues instead of joining again. */
async function offerToContinue(code: string): Promise<void> {
  const stored = storedSession();
  if (!stored) return;
  const view = await api<SessionView>(stored, 'GET', `/api/sessions/${stored.id}`).catch(() => undefined);
  if (view?.state !== 'active' || !view.workshop || view.workshop !== code) return;
  part(page, 'already-text').textContent = `You are in this workshop already, as “${view.name ?? ''}”.`;
  part(page, 'already-link', HTMLAnchorElement).href = await firstLessonUrl();
  part(page, 'already-joined').hidden = false;
}

const fromLink = params.get('code') ?? '';
if (fromLink) {
  const normal = normalizeJoinCode(fromLink);
  codeInput.value = normal ? groupedCode(normal) : fromLink;
  nameInput.focus();
  void offerToContinue(normal ?? fromLink);
} else codeInput.focus();
