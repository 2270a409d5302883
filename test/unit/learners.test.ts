import { afterEach, describe, expect, it } from 'vitest';
import { NewSessionBody } from '../../sandbox-server/protocol/bodies.ts';
import {
  formatResumeCode,
  normalizeResumeCode,
  RESUME_CODE_ALPHABET,
  RESUME_CODE_LENGTH,
  ResumeBody,
} from '../../sandbox-server/protocol/learners.ts';
import { createAdmission } from '../../sandbox-server/sessions/admission.ts';
import { createLearners, newLearnerToken, WRONG_RESUME_CODE } from '../../sandbox-server/sessions/learners.ts';
import { createLobby } from '../../sandbox-server/sessions/lobby.ts';
import { createRateLimit } from '../../sandbox-server/sessions/rate-limit.ts';
import { learnerSessionToken, tokenMatches } from '../../sandbox-server/sessions/tokens.ts';
import { openStore } from '../../sandbox-server/store/store.ts';
import { createWorkshops } from '../../sandbox-server/workshops/workshops.ts';
import { fakeSessions } from '../support/fake-sessions.ts';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

const LIMITS = { create: { perMinute: 60, burst: 3 }, resume: { perMinute: 60, burst: 3 } };

describe('resume codes', () => {
  it('carry at least 80 bits in groups of four from an alphabet without I, L, O and U', () => {
    expect(RESUME_CODE_LENGTH * Math.log2(RESUME_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(80);
    expect(RESUME_CODE_ALPHABET).not.toMatch(/[ILOU]/);
    const token = newLearnerToken();
    expect(token).toMatch(new RegExp(`^[${RESUME_CODE_ALPHABET}]{${RESUME_CODE_LENGTH}}$`));
    expect(formatResumeCode(token)).toMatch(/^(\w{4}-){4}\w{4}$/);
    expect(new Set(Array.from({ length: 200 }, newLearnerToken)).size).toBe(200);
  });

  it('accept what people type: case, spaces, dashes, and O, I, L for 0, 1, 1', () => {
    const token = '0123456789ABCDEFGHJK';
    expect(normalizeResumeCode(formatResumeCode(token))).toBe(token);
    expect(normalizeResumeCode(' o123 4567-89ab cdef ghjk ')).toBe(token);
    expect(normalizeResumeCode('0I23-4567-89AB-CDEF-GHJK')).toBe(token);
    expect(normalizeResumeCode('0l23456789abcdefghjk')).toBe(token);
  });

  it.each([
    ['too short', '0123-4567-89AB-CDEF-GHJ'],
    ['too long', '0123-4567-89AB-CDEF-GHJKM'],
    ['a U', '0123-4567-89AB-CDEF-GHJU'],
    ['punctuation', '0123-4567-89AB-CDEF-GH!K'],
    ['nothing', ''],
  ])('refuse %s', (_what, text) => {
    expect(normalizeResumeCode(text)).toBeUndefined();
  });

  it('come in a strict body, and a session body takes a learner token', () => {
    expect(ResumeBody.safeParse({ code: 'x' }).success).toBe(true);
    expect(ResumeBody.safeParse({ code: 5 }).success).toBe(false);
    expect(ResumeBody.safeParse({ code: 'x', learner: 'y' }).success).toBe(false);
    expect(NewSessionBody.parse({ learner: 'T' })).toMatchObject({ learner: 'T', lesson: null });
    expect(NewSessionBody.parse({})).toMatchObject({ learner: null });
    expect(NewSessionBody.safeParse({ learner: 7 }).success).toBe(false);
  });
});

describe('learners', () => {
  function setup() {
    const store = openStore(':memory:');
    closers.push(() => store.close());
    return { store, learners: createLearners(store, LIMITS) };
  }

  it('are created with a token stored only as a hash, and recognised by it', () => {
    const { store, learners } = setup();
    const { learner, token } = learners.create('1.2.3.4', 0);
    expect(learner.tokenHash).not.toContain(token);
    expect(tokenMatches(token, learner.tokenHash)).toBe(true);
    expect(learners.authenticate(token)?.id).toBe(learner.id);
    expect(learners.authenticate(`${token}X`)).toBeUndefined();
    expect(learners.authenticate(undefined)).toBeUndefined();
    expect(store.learnerByTokenHash(learner.tokenHash)?.id).toBe(learner.id);
  });

  it('are rate-limited per address with a retry time', () => {
    const { learners } = setup();
    for (let i = 0; i < 3; i++) learners.create('a', 0);
    expect(() => learners.create('a', 0)).toThrow(expect.objectContaining({ code: 'rate_limited', retryAfterSeconds: 1 }));
    expect(() => learners.create('b', 0)).not.toThrow();
    expect(() => learners.create('a', 1000)).not.toThrow();
  });

  it('made to join a workshop, count against its room from that address, not against the address', () => {
    const { learners } = setup();
    const room = { workshop: 'K7P4QX', size: 5 };
    for (let i = 0; i < 3; i++) learners.create('a', 0);
    for (let i = 0; i < 5; i++) learners.create('a', 0, room);
    expect(() => learners.create('a', 0, room)).toThrow(expect.objectContaining({ code: 'rate_limited' }));
    expect(() => learners.create('a', 0)).toThrow(expect.objectContaining({ code: 'rate_limited' }));
  });

  it('resume from a code as typed, and refuse wrong codes with one sentence whether or not the format was right', () => {
    const { learners } = setup();
    const { learner, token } = learners.create('a', 0);
    expect(learners.resume(formatResumeCode(token).toLowerCase(), 'b', 0)).toEqual({ learner, token });
    const wrong = (code: string) => {
      try {
        learners.resume(code, 'c', 0);
      } catch (error) {
        return error;
      }
      throw new Error('not refused');
    };
    const unknown = wrong(formatResumeCode(newLearnerToken()));
    const malformed = wrong('nonsense');
    expect(unknown).toMatchObject({ code: 'wrong_resume_code', message: WRONG_RESUME_CODE });
    expect(malformed).toMatchObject({ code: 'wrong_resume_code', message: WRONG_RESUME_CODE });
    // Every try counts against the address, right or wrong.
    expect(learners.resume(token, 'c', 0).learner.id).toBe(learner.id);
    expect(() => learners.resume(token, 'c', 0)).toThrow(expect.objectContaining({ code: 'rate_limited' }));
  });

  it('count wrong tokens presented (GET /api/learners/me) against the resume tries, then refuse every token from that address', () => {
    const { learners } = setup();
    const { learner, token } = learners.create('a', 0);
    // A learner who has the token is never limited for using it.
    for (let i = 0; i < 10; i++) expect(learners.identify(token, 'a', 0).id).toBe(learner.id);
    for (let i = 0; i < 3; i++)
      expect(() => learners.identify(newLearnerToken(), 'guesser', 0)).toThrow(expect.objectContaining({ code: 'unknown_learner' }));
    // Refused before the lookup: even the right token says nothing now.
    expect(() => learners.identify(token, 'guesser', 0)).toThrow(expect.objectContaining({ code: 'rate_limited', retryAfterSeconds: 1 }));
    expect(() => learners.resume(formatResumeCode(token), 'guesser', 0)).toThrow(expect.objectContaining({ code: 'rate_limited' }));
    expect(learners.identify(token, 'guesser', 1000).id).toBe(learner.id);
  });
});

describe('the rate limit', () => {
  it('refills over time and says how long to wait', () => {
    const limit = createRateLimit({ perMinute: 6, burst: 2 });
    expect([limit.take('x', 0), limit.take('x', 0)]).toEqual([undefined, undefined]);
    expect(limit.take('x', 0)).toBe(10);
    expect(limit.take('x', 10_000)).toBeUndefined();
  });

  it('gives a room a bucket as large as its size (at least the burst), and the difference at once when it grows', () => {
    const limit = createRateLimit({ perMinute: 6, burst: 2 });
    const taken = (size: number) => Array.from({ length: 8 }, () => limit.takeInRoom('x', { workshop: 'K7P4QX', size }, 0));
    expect(taken(5).filter((wait) => wait === undefined).length).toBe(5);
    expect(taken(8).filter((wait) => wait === undefined).length).toBe(3);
    expect(limit.takeInRoom('x', { workshop: 'OTHER1', size: 0 }, 0)).toBeUndefined();
    expect(limit.take('x', 0)).toBeUndefined();
  });

  it('can be looked at without taking a token', () => {
    const limit = createRateLimit({ perMinute: 6, burst: 1 });
    expect([limit.check('x', 0), limit.check('x', 0)]).toEqual([undefined, undefined]);
    expect(limit.take('x', 0)).toBeUndefined();
    expect(limit.check('x', 0)).toBe(10);
    expect(limit.check('x', 10_000)).toBeUndefined();
  });
});

describe('one session per learner', () => {
  function setup(maxSandboxes = 5) {
    const world = fakeSessions();
    closers.push(() => world.store.close());
    const learners = createLearners(world.store, LIMITS);
    const admission = createAdmission(
      { maxSandboxes, memory: { guaranteeBytes: 1, reserveBytes: 0 }, perClient: 100, rate: { perMinute: 1000, burst: 1000 } },
      () => `q${Math.random()}`,
      () => 1024 ** 3,
    );
    const lobby = createLobby({ ...world, admission, onAdmitted: async () => {}, onError: () => {} });
    const { learner, token } = learners.create('a');
    const input = { lesson: null, workshop: null, name: null, learner: { id: learner.id, token }, participant: null };
    return { ...world, lobby, input, token };
  }
  const applicant = { client: 'a', workshop: null };

  it('two asks at once get one sandbox, the same id and the token derived from the learner', async () => {
    const { lobby, input, backend, token } = setup();
    const [first, second] = await Promise.all([lobby.enter(input, applicant), lobby.enter(input, applicant)]);
    expect(backend.live.size).toBe(1);
    expect(first).toMatchObject({ kind: 'live', existing: false });
    expect(second).toMatchObject({ kind: 'live', existing: true, token: first?.token });
    if (first?.kind !== 'live') throw new Error('not live');
    expect(first.token).toBe(learnerSessionToken(token, first.session.record.id));
    expect(first.session.record.learner).toBe(input.learner.id);
  });

  it('asking again while waiting in line keeps the place', async () => {
    const { lobby, input } = setup(1);
    await lobby.enter({ ...input, learner: null }, { client: 'b', workshop: null });
    const first = await lobby.enter(input, applicant);
    const again = await lobby.enter(input, applicant);
    expect(first).toMatchObject({ kind: 'queued', position: 1, existing: false });
    expect(again).toMatchObject({ kind: 'queued', id: first.kind === 'queued' ? first.id : '', existing: true });
    expect(lobby.waitingOfLearner(input.learner.id)).toMatchObject({ position: 1 });
  });

  it('a learner who joins a workshop leaves their self-paced session for it', async () => {
    const { lobby, input, backend, store } = setup();
    const alone = await lobby.enter(input, applicant);
    const joined = await lobby.enter(
      { ...input, workshop: 'K7P4QX', name: 'Ada' },
      { ...applicant, workshop: { workshop: 'K7P4QX', size: 0 } },
    );
    if (alone.kind !== 'live' || joined.kind !== 'live') throw new Error('not live');
    expect(joined.existing).toBe(false);
    expect(store.getSession(alone.session.record.id)).toMatchObject({ state: 'ended', endCode: 'learner' });
    expect(backend.live.size).toBe(1);
    // Asked without a workshop, the workshop's session is the one handed out.
    expect(await lobby.enter(input, applicant)).toMatchObject({ existing: true, session: { record: { workshop: 'K7P4QX' } } });
  });
});

describe('workshop participants', () => {
  it('are one row per learner however often they rejoin; the name stays theirs', async () => {
    const world = fakeSessions();
    closers.push(() => world.store.close());
    const workshops = createWorkshops({ store: world.store, sessions: world.sessions, course: { lessons: [] } });
    const now = Date.now();
    const workshop = workshops.create({ title: 'W', lessons: null, startsAt: now, endsAt: now + 3_600_000, seats: 1, expected: null });
    const learners = createLearners(world.store, LIMITS);
    const ada = learners.create('a').learner;
    const first = workshops.admit(workshop.code, 'Ada', ada.id);
    if (!first.ok) throw new Error(first.error);
    workshops.seat(first.participant);
    const input = { lesson: null, workshop: workshop.code, name: 'Ada', learner: null, participant: first.participant.id };
    const { session } = await world.sessions.create(input);
    // Someone else under that name is refused, and told how to come back as themselves.
    expect(workshops.admit(workshop.code, 'ada', learners.create('b').learner.id)).toMatchObject({
      ok: false,
      code: 'name_taken',
      error: expect.stringMatching(/resume code/),
    });
    // While Ada sits in the only seat, she may ask again (the lobby hands her the same session).
    expect(workshops.admit(workshop.code, null, ada.id)).toMatchObject({ ok: true, participant: { id: first.participant.id } });
    await world.sessions.end(session.record.id, 'idle');
    const again = workshops.admit(workshop.code, 'Another name', ada.id);
    expect(again).toMatchObject({ ok: true, participant: { id: first.participant.id, name: 'Ada' } });
    expect(workshops.ofLearner(ada.id)).toEqual([
      expect.objectContaining({ code: workshop.code, participantId: first.participant.id, name: 'Ada', state: 'running' }),
    ]);
    await workshops.end(workshop.code);
    expect(workshops.ofLearner(ada.id)[0]?.state).toBe('ended');
    expect(workshops.admit(workshop.code, 'Ada', ada.id)).toMatchObject({ ok: false, code: 'workshop_ended' });
  });
});
