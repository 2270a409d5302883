// The browser's learner: an anonymous identity made on the first visit (POST /api/learners), its token
// kept in localStorage. It owns the sessions and progress this browser sees; a resume code brings it to
// another browser. Also kept here: the workshop the learner joined, so starting again rejoins it.
import type { NewLearnerBody } from '../../sandbox-server/protocol/bodies.ts';
import type { CreatedLearnerView, LearnerView } from '../../sandbox-server/protocol/learners.ts';
import { ApiError, api } from './session.ts';

const LEARNER_KEY = 'dockhand.learner';
const WORKSHOP_KEY = 'dockhand.workshop';

export type Learner = { id: string; token: string };
/** The workshop this browser's learner takes part in, as POST /api/sessions takes it. */
export type JoinedWorkshop = { workshop: string; name: string };

function read<T>(key: string, valid: (value: Partial<T>) => boolean): T | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(key) ?? 'null') as Partial<T> | null;
    return value && valid(value) ? (value as T) : undefined;
  } catch {
    // A corrupt entry is the same as none.
    return undefined;
  }
}

export function storedLearner(): Learner | undefined {
  return read<Learner>(LEARNER_KEY, (value) => typeof value.id === 'string' && typeof value.token === 'string');
}

function rememberLearner(learner: Learner | undefined): void {
  if (learner) localStorage.setItem(LEARNER_KEY, JSON.stringify({ id: learner.id, token: learner.token }));
  else localStorage.removeItem(LEARNER_KEY);
}

export function storedWorkshop(): JoinedWorkshop | undefined {
  return read<JoinedWorkshop>(WORKSHOP_KEY, (value) => typeof value.workshop === 'string' && typeof value.name === 'string');
}

export function rememberWorkshop(joined: JoinedWorkshop): void {
  localStorage.setItem(WORKSHOP_KEY, JSON.stringify(joined));
}

export function forgetWorkshop(): void {
  localStorage.removeItem(WORKSHOP_KEY);
}

let making: Promise<Learner | undefined> | undefined;

/**
 * This browser's learner, made on first use; undefined when none can be made now (the page works on
 * without). Made to join `workshop`, it counts against that room's allowance, not the address's.
 */
export function ensureLearner(workshop?: string): Promise<Learner | undefined> {
  const stored = storedLearner();
  if (stored) return Promise.resolve(stored);
  const body: NewLearnerBody | undefined = workshop ? { workshop } : undefined;
  making ??= api<CreatedLearnerView>(undefined, 'POST', '/api/learners', body)
    .then((made) => {
      rememberLearner(made);
      return made;
    })
    .catch(() => undefined)
    .finally(() => {
      making = undefined;
    });
  return making;
}

export async function learnerToken(workshop?: string): Promise<string | undefined> {
  return (await ensureLearner(workshop))?.token;
}

/** The learner's progress, live session and resume code; a learner this server does not know is replaced. */
export async function learnerView(): Promise<LearnerView | undefined> {
  const learner = await ensureLearner();
  if (!learner) return undefined;
  try {
    return await api<LearnerView>(learner, 'GET', '/api/learners/me');
  } catch (error) {
    // A server with a new state directory forgot it: start afresh rather than stay stuck.
    if (error instanceof ApiError && error.code === 'unknown_learner') {
      rememberLearner(undefined);
      const fresh = await ensureLearner();
      return fresh ? api<LearnerView>(fresh, 'GET', '/api/learners/me') : undefined;
    }
    return undefined;
  }
}

/** Adopts the identity a resume code stands for (typed from another device); refusals carry the server's sentence. */
export async function resumeLearner(code: string): Promise<Learner> {
  const learner = await api<CreatedLearnerView>(undefined, 'POST', '/api/learners/resume', { code });
  rememberLearner(learner);
  // The workshop remembered here was the old identity's.
  forgetWorkshop();
  return learner;
}
