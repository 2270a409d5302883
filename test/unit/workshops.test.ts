import { afterEach, describe, expect, it } from 'vitest';
import { createWorkshops, csvCell, DEFAULT_RULES, type WorkshopRules } from '../../sandbox-server/workshops/workshops.ts';
import { knownTimeZone, zonedIso } from '../../sandbox-server/workshops/zoned-time.ts';
import { fakeSessions } from '../support/fake-sessions.ts';

const course = {
  lessons: [
    {
      slug: 'one',
      title: 'One',
      exercises: [
        { id: 'a', title: 'A' },
        { id: 'b', title: 'B' },
      ],
    },
  ],
};
const HOUR = 3_600_000;
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function workshopWith(...names: string[]) {
  return workshopWithRules(DEFAULT_RULES, ...names);
}

async function workshopWithRules(rules: WorkshopRules, ...names: string[]) {
  const world = fakeSessions();
  closers.push(() => world.store.close());
  const workshops = createWorkshops({ store: world.store, sessions: world.sessions, course, rules, joinTries: { perMinute: 6, burst: 3 } });
  const now = Date.now();
  const workshop = workshops.create({ title: 'W', lessons: null, startsAt: now, endsAt: now + HOUR, seats: 2, expected: 5 });
  const people = [];
  const joinedAt: number[] = [];
  for (const name of names) {
    const admitted = workshops.admit(workshop.code, name);
    if (!admitted.ok) throw new Error(admitted.error);
    workshops.seat(admitted.participant);
    joinedAt.push(admitted.participant.joinedAt);
    const input = { lesson: null, workshop: workshop.code, name, learner: null, participant: admitted.participant.id };
    people.push((await world.sessions.create(input)).session.record);
  }
  return { ...world, workshops, workshop, people, joinedAt, now };
}

describe('who is stuck', () => {
  it('nobody, right after joining', async () => {
    const { workshops, workshop, now } = await workshopWith('ada');
    expect(workshops.progress(workshop.code, now).participants[0]?.stuck).toBeNull();
  });

  it('someone with five failed checks since their last pass', async () => {
    const { workshops, workshop, store, people, now } = await workshopWith('ada');
    const id = people[0]?.id as string;
    store.recordCheck(id, 'one', 'a', true, 'done', now);
    for (let i = 0; i < DEFAULT_RULES.stuckAfterFailures; i++) store.recordCheck(id, 'one', 'b', false, 'not yet', now);
    expect(workshops.progress(workshop.code, now).participants[0]).toMatchObject({ stuck: '5 failed checks', passed: 1 });
  });

  it('never someone for revealing a solution: that is how a learner gets unstuck', async () => {
    const { workshops, workshop, store, people, now } = await workshopWith('ada');
    store.recordSolutionRevealed(people[0]?.id as string, 'one', 'a', now);
    expect(workshops.progress(workshop.code, now).participants[0]).toMatchObject({ stuck: null, solutionsRevealed: 1 });
  });

  it('someone without progress for the rule’s time, but never someone who left', async () => {
    const { workshops, workshop, sessions, people, now } = await workshopWith('ada', 'bob');
    await sessions.end(people[1]?.id as string, 'learner');
    const later = now + DEFAULT_RULES.stuckAfterMs + 60_000;
    const byName = (name: string) => workshops.progress(workshop.code, later).participants.find((p) => p.name === name);
    const [ada, bob] = [byName('ada'), byName('bob')];
    expect(ada?.stuck).toBe(`no progress for ${Math.floor((later - (people[0]?.createdAt ?? 0)) / 60_000)} min`);
    expect(bob?.stuck).toBeNull();
  });
});

describe('admission', () => {
  it('refuses by code: unknown workshop, taken name, full seats, ended workshop', async () => {
    const { workshops, workshop } = await workshopWith('ada', 'bob');
    expect(workshops.admit('ZZZZZZ', 'cy')).toMatchObject({ ok: false, code: 'unknown_workshop' });
    expect(workshops.admit(workshop.code, 'ADA')).toMatchObject({ ok: false, code: 'name_taken' });
    expect(workshops.admit(workshop.code, 'cy')).toMatchObject({ ok: false, code: 'workshop_full' });
    await workshops.end(workshop.code);
    expect(workshops.admit(workshop.code, 'cy')).toMatchObject({ ok: false, code: 'workshop_ended' });
  });

  it('makes no row until seated, and holds at most participantsMax rows', async () => {
    const { workshops, workshop, store } = await workshopWithRules({ ...DEFAULT_RULES, participantsMax: 3 }, 'ada', 'bob');
    await workshops.extend(workshop.code, Date.now() + HOUR);
    const cy = workshops.admit(workshop.code, 'cy');
    // Seats (2) are full for a newcomer, so the bound is seen through seat() alone here.
    expect(cy).toMatchObject({ ok: false, code: 'workshop_full' });
    expect(store.participantCount(workshop.code)).toBe(2);
    const planned = { id: 'p-cy', workshop: workshop.code, learner: null, name: 'cy', joinedAt: Date.now() };
    workshops.seat(planned);
    expect(store.participantCount(workshop.code)).toBe(3);
    expect(() => workshops.seat({ ...planned, id: 'p-dee', name: 'dee' })).toThrow(/as many participants as it can hold \(3\)/);
    expect(() => workshops.seat({ ...planned, id: 'p-cy2', name: 'CY' })).toThrow(/as many participants|already taken/);
    expect(store.participantCount(workshop.code)).toBe(3);
  });

  it('a newcomer admitted without seats is not a row yet; the bound refuses at admit when reached', async () => {
    const { workshops, store } = await workshopWithRules({ ...DEFAULT_RULES, participantsMax: 1 });
    const now = Date.now();
    const open = workshops.create({ title: 'Open', lessons: null, startsAt: now, endsAt: now + HOUR, seats: null, expected: null });
    const admitted = workshops.admit(open.code, 'ada');
    expect(admitted).toMatchObject({ ok: true, isNew: true });
    expect(store.participantCount(open.code)).toBe(0);
    if (admitted.ok) workshops.seat(admitted.participant);
    expect(workshops.admit(open.code, 'bob')).toMatchObject({ ok: false, code: 'workshop_full' });
  });

  it('counts wrong codes per client and refuses before looking the code up once too many were tried', async () => {
    const { workshops, workshop } = await workshopWith();
    for (let i = 0; i < 3; i++) expect(workshops.admit('ZZZZZZ', 'cy', null, 'mallory')).toMatchObject({ code: 'unknown_workshop' });
    // Right codes do not count: a room behind one address joins.
    for (let i = 0; i < 5; i++) expect(workshops.admit(workshop.code, `p${i}`, null, 'room')).toMatchObject({ ok: true });
    // The right code is refused too now: the answer says nothing about the code.
    expect(workshops.admit(workshop.code, 'cy', null, 'mallory')).toMatchObject({ ok: false, code: 'rate_limited', retryAfterSeconds: 10 });
    expect(workshops.admit('ZZZZZZ', 'cy', null, 'someone-else')).toMatchObject({ code: 'unknown_workshop' });
  });

  it('asks the pool for the people expected who have not joined yet', async () => {
    const { workshops, now } = await workshopWith('ada');
    expect(workshops.hotStartDemand(now)).toBe(4);
    expect(workshops.hotStartDemand(now + 2 * HOUR)).toBe(0);
  });
});

describe('the CSV export', () => {
  it('has a row per participant with pass times, quoted per RFC 4180 and defused against formulas', async () => {
    const { workshops, workshop, store, people, joinedAt, now } = await workshopWith('=HYPERLINK("x")', 'bob, jr');
    store.recordCheck(people[1]?.id as string, 'one', 'a', true, 'done', now);
    const lines = workshops.csv(workshop.code).split('\r\n');
    expect(lines[0]).toBe('name,state,joined (UTC),passed,one/a,one/b');
    expect(lines.find((line) => line.includes('HYPERLINK'))).toMatch(/^"'=HYPERLINK\(""x""\)",active,/);
    const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
    expect(lines.find((line) => line.includes('bob'))).toBe(`"bob, jr",active,${utc(joinedAt[1] ?? 0)},1,${utc(now)},`);
    expect(lines.at(-1)).toBe('');
  });

  it('writes times in the zone asked for, with its offset, and names the zone in the header', async () => {
    const { workshops, workshop, store, people } = await workshopWith('ada');
    const summer = Date.UTC(2026, 6, 1, 10, 30, 5);
    store.recordCheck(people[0]?.id as string, 'one', 'a', true, 'done', summer);
    const lines = workshops.csv(workshop.code, 'Europe/Berlin').split('\r\n');
    expect(lines[0]).toBe('name,state,joined (Europe/Berlin),passed,one/a,one/b');
    expect(lines[1]).toMatch(/^ada,active,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00,1,2026-07-01T12:30:05\+02:00,$/);
    expect(zonedIso(Date.UTC(2026, 11, 6, 5, 0, 0), 'Europe/Berlin')).toBe('2026-12-06T06:00:00+01:00');
    expect(zonedIso(Date.UTC(2026, 11, 6, 5, 0, 0), 'Asia/Kolkata')).toBe('2026-12-06T10:30:00+05:30');
    expect(zonedIso(Date.UTC(2026, 11, 6, 5, 0, 0), 'America/New_York')).toBe('2026-12-06T00:00:00-05:00');
    expect(knownTimeZone('Mars/Olympus')).toBeUndefined();
    expect(knownTimeZone('x'.repeat(65))).toBeUndefined();
    expect(knownTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(lines.at(-1)).toBe('');
  });

  // A spreadsheet in a locale whose decimal mark is a comma splits on semicolons (and tabs).
  it.each([
    ['a;b', '"a;b"'],
    ['a\tb', '"a\tb"'],
    ['=1+1', "'=1+1"],
    ['+1;=2', `"'+1;=2"`],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', `"'\t=1"`],
    ['plain', 'plain'],
  ])('quotes and defuses %j as %s', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });
});
