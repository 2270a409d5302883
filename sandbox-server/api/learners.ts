// POST /api/learners, GET /api/learners/me, POST /api/learners/resume: anonymous learners, their progress
// on every page, and the resume code that brings them to another browser.
import { requestClient } from '../http/client.ts';
import { sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import { NewLearnerBody } from '../protocol/bodies.ts';
import { normalizeJoinCode } from '../protocol/join-code.ts';
import { type CreatedLearnerView, formatResumeCode, type LearnerView, ResumeBody } from '../protocol/learners.ts';
import type { Learners } from '../sessions/learners.ts';
import type { Lobby } from '../sessions/lobby.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { LearnerRecord, Store } from '../store/store.ts';
import type { Workshops } from '../workshops/workshops.ts';
import { bearerToken } from './auth.ts';
import { readBody } from './body.ts';
import { progressView } from './progress-view.ts';
import { liveView } from './sessions.ts';

export type LearnersApiDeps = {
  learners: Learners;
  sessions: Sessions;
  lobby: Pick<Lobby, 'waitingOfLearner'>;
  store: Pick<Store, 'learnerProgress'>;
  workshops: Pick<Workshops, 'ofLearner' | 'get' | 'roomOf'>;
  trustedProxies?: string[];
};

export function addLearnerRoutes(router: Router, deps: LearnersApiDeps): void {
  const { learners } = deps;

  router.add('POST', '/api/learners', async (req, res) => {
    const client = requestClient(req, deps.trustedProxies ?? []);
    const body = await readBody(req, NewLearnerBody, { limitBytes: 1024, emptyIsObject: true });
    const room = body.workshop === null ? undefined : deps.workshops.roomOf(normalizeJoinCode(body.workshop) ?? body.workshop, client);
    const { learner, token } = learners.create(client, Date.now(), room);
    const view: CreatedLearnerView = { id: learner.id, token };
    sendJson(res, 201, view);
  });

  router.add('GET', '/api/learners/me', async (req, res) => {
    const token = bearerToken(req);
    const learner = learners.identify(token, requestClient(req, deps.trustedProxies ?? []));
    sendJson(res, 200, learnerView(deps, learner, token as string));
  });

  router.add('POST', '/api/learners/resume', async (req, res) => {
    const { code } = await readBody(req, ResumeBody, { limitBytes: 1024 });
    const { learner, token } = learners.resume(code, requestClient(req, deps.trustedProxies ?? []));
    const view: CreatedLearnerView = { id: learner.id, token };
    sendJson(res, 200, view);
  });
}

function learnerView(deps: LearnersApiDeps, learner: LearnerRecord, token: string): LearnerView {
  const live = deps.sessions.liveOfLearner(learner.id);
  const waiting = live ? undefined : deps.lobby.waitingOfLearner(learner.id);
  const workshopLessons = (code: string) => deps.workshops.get(code)?.lessons ?? [];
  return {
    id: learner.id,
    progress: progressView(deps.store.learnerProgress(learner.id)),
    session: live
      ? liveView(deps.sessions, live, { workshopLessons })
      : waiting
        ? { id: waiting.id, state: 'queued', position: waiting.position }
        : null,
    resumeCode: formatResumeCode(token),
    workshops: deps.workshops.ofLearner(learner.id),
  };
}
