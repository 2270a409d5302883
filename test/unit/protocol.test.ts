import { describe, expect, it } from 'vitest';
import { parse } from '../../sandbox-server/api/body.ts';
import { statusOf } from '../../sandbox-server/http/errors.ts';
import { BroadcastBody, ExtendBody, hintBody, NewSessionBody, WorkshopBody } from '../../sandbox-server/protocol/bodies.ts';
import { ERROR_CODES } from '../../sandbox-server/protocol/errors.ts';
import { normalizeJoinCode } from '../../sandbox-server/protocol/join-code.ts';
import { SLUG_PATTERN } from '../../sandbox-server/protocol/limits.ts';
import { parseControlMessage, parseTerminalWindow } from '../../sandbox-server/protocol/terminal.ts';
import { newJoinCode } from '../../sandbox-server/workshops/codes.ts';

/** The sentence a refusal of `value` carries. */
function refusal(schema: Parameters<typeof parse>[0], value: unknown): string {
  try {
    parse(schema, value);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

describe('a new session body', () => {
  it('fills absent fields with null and trims the name', () => {
    expect(parse(NewSessionBody, {})).toEqual({ lesson: null, workshop: null, name: null, learner: null, fresh: false });
    expect(parse(NewSessionBody, { lesson: 'hello-world', name: '  Ada ' })).toEqual({
      lesson: 'hello-world',
      workshop: null,
      name: 'Ada',
      learner: null,
      fresh: false,
    });
  });

  it.each([
    [[], 'the body must be a JSON object'],
    [{ lessons: 'x' }, 'unknown field "lessons" (allowed: lesson, workshop, name, learner, fresh)'],
    [{ fresh: 'yes' }, 'fresh must be true or false'],
    [{ lesson: 42 }, 'lesson must be a string'],
    [{ lesson: '../etc' }, 'lesson must be a lesson slug such as "hello-world"'],
    [{ name: 'a\u0007b' }, NAME_RULE],
    [{ name: '   ' }, NAME_RULE],
    [{ name: 'x'.repeat(41) }, NAME_RULE],
  ])('refuses %j: %s', (body, sentence) => {
    expect(refusal(NewSessionBody, body)).toBe(sentence);
  });

  // Each would show as another name, or as one already taken, on the dashboard and in the CSV.
  it.each([
    ['right-to-left override', 'Ada\u202Egnp.exe'],
    ['left-to-right embedding', '\u202AAda'],
    ['isolate', 'Ada\u2066x\u2069'],
    ['right-to-left mark', 'Ada\u200F'],
    ['Arabic letter mark', 'Ada\u061C'],
    ['zero-width space', 'A\u200Bda'],
    ['zero-width joiner', 'A\u200Dda'],
    ['word joiner', 'A\u2060da'],
    ['byte order mark', 'A\uFEFFda'],
    ['soft hyphen', 'A\u00ADda'],
    ['Hangul filler', 'Ada\u3164'],
    ['tag character', 'Ada\u{E0041}'],
    ['line separator', 'Ada\u2028Bob'],
    ['C1 control', 'Ada\u0085'],
  ])('refuses a name with a %s', (_what, name) => {
    expect(refusal(NewSessionBody, { name })).toBe(NAME_RULE);
    expect(refusal(WorkshopBody, { title: name })).toBe('title must have no control, invisible or text-direction characters');
  });

  it('keeps names in any script, with accents and emoji', () => {
    for (const name of ['Zoë', 'Łukasz', 'محمد', '李雷', 'Ada 🐳', 'José María']) {
      expect(parse(NewSessionBody, { name }).name).toBe(name);
      expect(parse(WorkshopBody, { title: name }).title).toBe(name);
    }
  });
});

const NAME_RULE = 'name must be 1 to 40 characters, with no control, invisible or text-direction characters';

describe('workshop bodies', () => {
  it('reads times and counts, with null for what was left out', () => {
    expect(parse(WorkshopBody, { title: ' Docker 101 ', startsAt: '2026-11-25T14:00:00Z', seats: 30 })).toEqual({
      title: 'Docker 101',
      lessons: null,
      startsAt: Date.parse('2026-11-25T14:00:00Z'),
      endsAt: undefined,
      seats: 30,
      expected: null,
    });
  });

  it.each([
    [{ title: '' }, 'title must be 1 to 120 characters'],
    [{ title: 'x', color: 'red' }, 'unknown field "color" (allowed: title, lessons, startsAt, endsAt, seats, expected)'],
    [{ title: 'x', lessons: 'one' }, 'lessons must be a list of lesson slugs'],
    [{ title: 'x', startsAt: 'soon' }, 'startsAt must be a date and time such as "2026-11-25T14:00:00Z"'],
    [{ title: 'x', seats: 0 }, 'seats must be a whole number from 1 to 1000'],
    [{ title: 'x', expected: 2.5 }, 'expected must be a whole number from 1 to 1000'],
  ])('refuses %j: %s', (body, sentence) => {
    expect(refusal(WorkshopBody, body)).toBe(sentence);
  });

  it('bounds minutes, messages and hints', () => {
    expect(refusal(ExtendBody, { minutes: 0 })).toBe('minutes must be a whole number from 1 to 1440');
    expect(parse(BroadcastBody, { message: ' hi ' })).toEqual({ message: 'hi' });
    expect(refusal(BroadcastBody, { message: '  ' })).toBe('message must be 1 to 500 characters');
    expect(refusal(hintBody(2), { used: 3 })).toBe('used must be a whole number from 1 to 2 (the hints this exercise has)');
  });
});

describe('terminal control frames', () => {
  it('accept a resize within bounds and explain everything else', () => {
    expect(parseControlMessage('{"type":"resize","cols":80,"rows":24}')).toEqual({
      ok: true,
      value: { type: 'resize', cols: 80, rows: 24 },
    });
    expect(parseControlMessage('not json')).toMatchObject({ ok: false, error: expect.stringMatching(/JSON text frames/) });
    expect(parseControlMessage('[1]')).toMatchObject({ ok: false, error: expect.stringMatching(/JSON object/) });
    expect(parseControlMessage('{"type":"paste"}')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unknown control message type "paste"/),
    });
    expect(parseControlMessage('{"type":"resize","cols":0,"rows":24}')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/cols from 1 to 1000/),
    });
  });

  it('number windows 1 to 8, 1 when absent', () => {
    expect(parseTerminalWindow(undefined)).toEqual({ ok: true, value: 1 });
    expect(parseTerminalWindow('8')).toEqual({ ok: true, value: 8 });
    for (const raw of ['0', '9', '-1', '1.5', 'x', '01x', '99999']) expect(parseTerminalWindow(raw).ok).toBe(false);
  });
});

describe('small shared rules', () => {
  it('every error code has an HTTP status', () => {
    for (const code of ERROR_CODES) expect(statusOf(code)).toBeGreaterThanOrEqual(400);
    expect(statusOf('name_taken')).toBe(409);
    expect(statusOf('session_ended')).toBe(410);
  });

  it('join codes: what people type is normalized, look-alike characters never appear', () => {
    expect(normalizeJoinCode('k7p 4qx')).toBe('K7P4QX');
    expect(normalizeJoinCode('K7P-4QX')).toBe('K7P4QX');
    expect(normalizeJoinCode('O0O1I1')).toBeUndefined();
    expect(normalizeJoinCode('K7P4Q')).toBeUndefined();
    for (let i = 0; i < 50; i++) expect(normalizeJoinCode(newJoinCode())).toBeDefined();
  });

  it('slugs are dash-separated lowercase words of at most 64 characters', () => {
    for (const slug of ['hello-world', 'a1', 'x'.repeat(64)]) expect(SLUG_PATTERN.test(slug)).toBe(true);
    for (const slug of ['Hello', '-a', 'a-', 'a--b', '../etc', 'x'.repeat(65), '']) expect(SLUG_PATTERN.test(slug)).toBe(false);
  });
});
