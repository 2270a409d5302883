// Instructor-led workshops: a join code, a seat limit, unique display names, a live progress table, and
// an end that reaps every participant's sandbox. A participant is one row per person however often they
// rejoin (the same learner, whose sessions are sittings of it), so their progress stays in one place. Hot start: before and during a workshop the warm pool
// grows towards the number of people expected who have not joined yet. Join codes are a secret: wrong
// ones are counted per client and refused before any lookup once too many were tried, and a participant
// row is made only once admission gave its person a sandbox or a place in line (`seat`), at most
// WORKSHOP_PARTICIPANTS_MAX per workshop.

import { DockhandError } from '../errors.ts';
import type { LearnerWorkshopView } from '../protocol/learners.ts';
import { WORKSHOP_PARTICIPANTS_MAX } from '../protocol/limits.ts';
import type { ExerciseColumn, ParticipantProgress, WorkshopProgress, WorkshopState } from '../protocol/workshops.ts';
import { createRateLimit, type Rate, type Room } from '../sessions/rate-limit.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { newSessionId } from '../sessions/tokens.ts';
import type { ExerciseProgress, ParticipantRecord, Store, WorkshopRecord } from '../store/store.ts';
import { newJoinCode } from './codes.ts';
import { zonedIso } from './zoned-time.ts';

/** What workshops need to know about the course: lessons and their exercises, in order. */
export type CourseIndex = { lessons: readonly { slug: string; title: string; exercises: readonly { id: string; title: string }[] }[] };

export type WorkshopInput = {
  title: string;
  lessons: string[] | null;
  startsAt: number;
  endsAt: number;
  seats: number | null;
  expected: number | null;
};

export type Refusal = {
  ok: false;
  code: 'bad_request' | 'unknown_workshop' | 'name_taken' | 'workshop_full' | 'workshop_ended' | 'rate_limited';
  error: string;
  retryAfterSeconds?: number;
};

/** Who may join: `isNew` when the participant has no row yet (see `seat`). */
export type Admitted = { ok: true; workshop: WorkshopRecord; participant: ParticipantRecord; isNew: boolean };

export type Workshops = {
  create(input: WorkshopInput): WorkshopRecord;
  get(code: string): WorkshopRecord | undefined;
  list(): WorkshopRecord[];
  /**
   * May this name join now? Checks the client's wrong tries, the code, the end, the seat limit, the
   * participant bound and that the name is free. A learner who joined before is that participant again,
   * under the name they joined with. Makes no row: `seat` does, once a sandbox or a place is given.
   */
  admit(code: string, name: string | null, learner?: string | null, client?: string): Admitted | Refusal;
  /** Makes the row of a new participant; throws DockhandError name_taken or workshop_full (both can change since `admit`). */
  seat(participant: ParticipantRecord): void;
  /** What a learner achieved in each workshop they joined, for their own read-only view. */
  ofLearner(learner: string, now?: number): LearnerWorkshopView[];
  extend(code: string, endsAt: number): WorkshopRecord;
  end(code: string): Promise<{ reaped: number }>;
  progress(code: string, now?: number): WorkshopProgress;
  /** `zone`: the IANA time zone the times are written in (with their offset), named in the header. */
  csv(code: string, zone?: string): string;
  /** Extra warm sandboxes wanted now for workshops about to start or running. */
  hotStartDemand(now?: number): number;
  /** The room a code opens while its workshop has not ended; an unknown code counts as a wrong try of the client's. */
  roomOf(code: string, client?: string): Room | undefined;
};

export type WorkshopRules = {
  /** No exercise passed for this long marks an active participant as stuck. */
  stuckAfterMs: number;
  /** This many failed checks since the last pass marks a participant as stuck. */
  stuckAfterFailures: number;
  /** The pool starts growing this long before a workshop starts. */
  hotStartLeadMs: number;
  /** Participant rows one workshop holds at most. */
  participantsMax: number;
};

export const DEFAULT_RULES: WorkshopRules = {
  stuckAfterMs: 10 * 60_000,
  stuckAfterFailures: 5,
  hotStartLeadMs: 15 * 60_000,
  participantsMax: WORKSHOP_PARTICIPANTS_MAX,
};

export type WorkshopsDeps = {
  store: Store;
  sessions: Sessions;
  course: CourseIndex;
  rules?: WorkshopRules;
  /** Wrong join codes a client may try (DOCKHAND_JOIN_TRIES_PER_MINUTE); absent, tries are not counted. */
  joinTries?: Rate;
};

export function createWorkshops(deps: WorkshopsDeps): Workshops {
  const { store, sessions, course } = deps;
  const rules = deps.rules ?? DEFAULT_RULES;
  const wrongCodes = deps.joinTries ? createRateLimit(deps.joinTries) : undefined;

  /** A workshop the caller already knows exists (the API looked it up first): its absence is a bug. */
  function storedWorkshop(code: string): WorkshopRecord {
    const workshop = store.getWorkshop(code);
    if (!workshop) throw new Error(`no workshop ${code}`);
    return workshop;
  }

  function columns(workshop: WorkshopRecord): ExerciseColumn[] {
    const wanted = workshop.lessons.length > 0 ? workshop.lessons : course.lessons.map((lesson) => lesson.slug);
    return wanted.flatMap((slug) => {
      const lesson = course.lessons.find((candidate) => candidate.slug === slug);
      return (lesson?.exercises ?? []).map((exercise) => ({
        key: `${slug}/${exercise.id}`,
        lesson: slug,
        exercise: exercise.id,
        title: exercise.title,
      }));
    });
  }

  function cells(participant: ParticipantRecord, cols: ExerciseColumn[]) {
    const rows = new Map<string, ExerciseProgress>(
      store.participantProgress(participant.id).map((row) => [`${row.lesson}/${row.exercise}`, row]),
    );
    const exercises: ParticipantProgress['exercises'] = {};
    for (const col of cols) {
      const row = rows.get(col.key);
      exercises[col.key] = row?.passedAt ? { passed: true, at: new Date(row.passedAt).toISOString() } : { passed: false };
    }
    return { rows, exercises };
  }

  function participant(record: ParticipantRecord, cols: ExerciseColumn[], now: number): ParticipantProgress {
    const sittings = store.participantSessions(record.id);
    const latest = sittings.at(-1);
    const { rows, exercises } = cells(record, cols);
    // Time without progress counts from the latest sitting: coming back is not being stuck.
    let lastPass = latest?.createdAt ?? record.joinedAt;
    let failuresSinceLastPass = 0;
    for (const col of cols) {
      const row = rows.get(col.key);
      if (row?.passedAt) lastPass = Math.max(lastPass, row.passedAt);
      else failuresSinceLastPass += row?.checksFailed ?? 0;
    }
    const all = [...rows.values()];
    const revealed = all.filter((row) => row.solutionRevealedAt !== null).length;
    const state = sittings.some((sitting) => sitting.state === 'active') ? 'active' : 'ended';
    // Revealing a solution is a way of getting unstuck, not a sign of being stuck: it never counts.
    let stuck: string | null = null;
    if (state === 'active') {
      if (failuresSinceLastPass >= rules.stuckAfterFailures) stuck = `${failuresSinceLastPass} failed checks`;
      else if (now - lastPass >= rules.stuckAfterMs) stuck = `no progress for ${Math.floor((now - lastPass) / 60_000)} min`;
    }
    return {
      participantId: record.id,
      sessionId: latest?.id ?? '',
      name: record.name,
      state,
      joinedAt: new Date(record.joinedAt).toISOString(),
      exercises,
      passed: Object.values(exercises).filter((cell) => cell.passed).length,
      checksFailed: all.reduce((sum, row) => sum + row.checksFailed, 0),
      hintsUsed: all.reduce((sum, row) => sum + row.hintsUsed, 0),
      solutionsRevealed: revealed,
      lastProgressAt: new Date(lastPass).toISOString(),
      stuck,
    };
  }

  function progress(code: string, now = Date.now()): WorkshopProgress {
    const workshop = storedWorkshop(code);
    const cols = columns(workshop);
    return {
      code,
      title: workshop.title,
      exercises: cols,
      participants: store.workshopParticipants(code).map((record) => participant(record, cols, now)),
    };
  }

  /** Seats are taken by participants with a live session; `except` is the one asking to come back. */
  function seatsFull(workshop: WorkshopRecord, except?: string): Refusal | undefined {
    if (workshop.seats === null) return undefined;
    const seated = store
      .workshopSessions(workshop.code)
      .filter((record) => record.state === 'active' && (except === undefined || record.participant !== except));
    if (new Set(seated.map((record) => record.participant ?? record.id)).size < workshop.seats) return undefined;
    return {
      ok: false,
      code: 'workshop_full',
      error: `all ${workshop.seats} seats of this workshop are taken; ask your instructor for room`,
    };
  }

  function tooManyParticipants(workshop: WorkshopRecord): Refusal | undefined {
    if (store.participantCount(workshop.code) < rules.participantsMax) return undefined;
    return {
      ok: false,
      code: 'workshop_full',
      error: `this workshop has had as many participants as it can hold (${rules.participantsMax}); ask your instructor`,
    };
  }

  return {
    create(input) {
      for (;;) {
        const code = newJoinCode();
        if (store.getWorkshop(code)) continue;
        return store.createWorkshop({ code, ...input, lessons: input.lessons ?? [], createdAt: Date.now() });
      }
    },
    get: (code) => store.getWorkshop(code),
    list: () => store.workshops(),

    admit(code, name, learner = null, client = 'server') {
      // Refused before the lookup, so the answer to one more try says nothing about the code.
      const wait = wrongCodes?.check(client);
      if (wait !== undefined)
        return {
          ok: false,
          code: 'rate_limited',
          error: `too many wrong workshop codes from your address; try again in ${wait} s`,
          retryAfterSeconds: wait,
        };
      const workshop = store.getWorkshop(code);
      if (!workshop) {
        wrongCodes?.take(client);
        return {
          ok: false,
          code: 'unknown_workshop',
          error: `there is no workshop with the code "${code}"; check the code with your instructor`,
        };
      }
      if (workshop.endedAt !== null || workshop.endsAt <= Date.now())
        return { ok: false, code: 'workshop_ended', error: `the workshop "${workshop.title}" has ended` };
      const again = learner ? store.participantOfLearner(workshop.code, learner) : undefined;
      if (again) return seatsFull(workshop, again.id) ?? { ok: true, workshop, participant: again, isNew: false };
      if (!name) return { ok: false, code: 'bad_request', error: 'joining a workshop needs a display name' };
      const holder = store.participantByName(workshop.code, name);
      if (holder) {
        const mine = holder.learner ? '; if that is you on another device, enter your resume code there first' : '';
        return { ok: false, code: 'name_taken', error: `the name "${name}" is already taken in this workshop${mine}; pick another` };
      }
      const full = seatsFull(workshop) ?? tooManyParticipants(workshop);
      if (full) return full;
      return {
        ok: true,
        workshop,
        participant: { id: newSessionId(), workshop: workshop.code, learner, name, joinedAt: Date.now() },
        isNew: true,
      };
    },

    seat(participant) {
      const workshop = storedWorkshop(participant.workshop);
      const full = tooManyParticipants(workshop);
      if (full) throw new DockhandError(full.code, full.error);
      // Throws name_taken when the same name joined since admit().
      store.createParticipant(participant);
    },

    ofLearner(learner, now = Date.now()) {
      return store.learnerParticipants(learner).flatMap((record) => {
        const workshop = store.getWorkshop(record.workshop);
        if (!workshop) return [];
        const cols = columns(workshop);
        const { exercises } = cells(record, cols);
        return [
          {
            code: workshop.code,
            title: workshop.title,
            state: workshopState(workshop, now),
            endsAt: new Date(workshop.endsAt).toISOString(),
            participantId: record.id,
            name: record.name,
            exercises: cols.map((col) => ({ ...col, ...exercises[col.key] })) as LearnerWorkshopView['exercises'],
          },
        ];
      });
    },

    extend(code, endsAt) {
      storedWorkshop(code);
      store.extendWorkshop(code, endsAt);
      return storedWorkshop(code);
    },

    async end(code) {
      storedWorkshop(code);
      store.endWorkshop(code, Date.now());
      const active = store.workshopSessions(code).filter((record) => record.state === 'active');
      await Promise.all(active.map((record) => sessions.end(record.id, 'workshop')));
      return { reaped: active.length };
    },

    progress,

    csv(code, zone = 'UTC') {
      const table = progress(code);
      const time = (iso: string | undefined) => (iso ? zonedIso(Date.parse(iso), zone) : '');
      const header = ['name', 'state', `joined (${zone})`, 'passed', ...table.exercises.map((col) => col.key)];
      const rows = table.participants.map((p) => [
        p.name,
        p.state,
        time(p.joinedAt),
        String(p.passed),
        ...table.exercises.map((col) => time(p.exercises[col.key]?.at)),
      ]);
      return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
    },

    hotStartDemand(now = Date.now()) {
      let demand = 0;
      for (const workshop of store.workshops()) {
        const live = workshop.endedAt === null && now >= workshop.startsAt - rules.hotStartLeadMs && now < workshop.endsAt;
        if (!live || !workshop.expected) continue;
        const joined = store.workshopParticipants(workshop.code).length;
        demand += Math.max(0, workshop.expected - joined);
      }
      return demand;
    },

    roomOf(code, client = 'server') {
      if (wrongCodes?.check(client) !== undefined) return undefined;
      const workshop = store.getWorkshop(code);
      if (!workshop) {
        wrongCodes?.take(client);
        return undefined;
      }
      return workshopState(workshop) === 'ended' ? undefined : { workshop: workshop.code, size: roomSize(workshop) };
    },
  };
}

/** How many people a workshop holds: its seats, else the people expected (0: not said). */
export function roomSize(workshop: Pick<WorkshopRecord, 'seats' | 'expected'>): number {
  return workshop.seats ?? workshop.expected ?? 0;
}

export function workshopState(workshop: WorkshopRecord, now = Date.now()): WorkshopState {
  if (workshop.endedAt !== null || workshop.endsAt <= now) return 'ended';
  return workshop.startsAt > now ? 'scheduled' : 'running';
}

/**
 * RFC 4180 quoting, also of semicolons and tabs (spreadsheets in locales whose decimal mark is a comma
 * split on them); cells that a spreadsheet would run as a formula are defused with a leading '.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r\n]/.test(value) ? `'${value}` : value;
  return /[",;\t\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
