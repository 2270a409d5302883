import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { refuseCrossSite } from '../../sandbox-server/http/cross-site.ts';

const request = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;
const refusal = (method: string, headers: Record<string, string>) => {
  try {
    refuseCrossSite(request(method, headers));
    return undefined;
  } catch (error) {
    return (error as { code: string }).code;
  }
};
const json = { 'content-type': 'application/json', host: 'dockhand.example:8080' };

describe('refuseCrossSite', () => {
  it('lets reads through whatever they carry', () => {
    expect(refusal('GET', { origin: 'https://evil.example' })).toBeUndefined();
    expect(refusal('HEAD', {})).toBeUndefined();
  });
  it('needs JSON on every state-changing method (what a form or a no-cors fetch cannot send)', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(refusal(method, { host: 'dockhand.example' })).toBe('json_required');
      expect(refusal(method, { host: 'dockhand.example', 'content-type': 'text/plain;charset=UTF-8' })).toBe('json_required');
      expect(refusal(method, { host: 'dockhand.example', 'content-type': 'application/jsonx' })).toBe('json_required');
      expect(refusal(method, json)).toBeUndefined();
    }
    expect(refusal('POST', { ...json, 'content-type': 'Application/JSON; charset=utf-8' })).toBeUndefined();
  });
  it('passes the same origin, with or without a default port written out', () => {
    expect(refusal('POST', { ...json, origin: 'http://dockhand.example:8080' })).toBeUndefined();
    expect(refusal('POST', { ...json, host: 'dockhand.example', origin: 'https://dockhand.example' })).toBeUndefined();
    expect(refusal('POST', { ...json, host: 'dockhand.example:443', origin: 'https://dockhand.example' })).toBeUndefined();
  });
  it('refuses any other origin', () => {
    for (const origin of [
      'http://evil.example',
      'http://dockhand.example:8081',
      'http://dockhand.example',
      'null',
      'file://',
      'http://dockhand.example:8080.evil.example',
    ])
      expect(refusal('POST', { ...json, origin })).toBe('foreign_origin');
    expect(refusal('POST', { 'content-type': 'application/json', origin: 'http://dockhand.example:8080' })).toBe('foreign_origin');
  });
});
