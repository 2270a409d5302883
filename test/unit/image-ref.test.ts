import { describe, expect, it } from 'vitest';
import { formatImageRef, normalizeImageRef, parseImageRef } from '../../sandbox-server/sandboxes/image-ref.ts';

describe('image references', () => {
  it.each([
    ['busybox', { name: 'busybox', tag: 'latest' }],
    ['python:3-slim', { name: 'python', tag: '3-slim' }],
    ['localhost:5000/hello', { name: 'localhost:5000/hello', tag: 'latest' }],
    ['localhost:5000/hello:v2', { name: 'localhost:5000/hello', tag: 'v2' }],
    ['busybox@sha256:abc', { name: 'busybox', tag: 'latest', digest: 'sha256:abc' }],
    ['busybox:1.36@sha256:abc', { name: 'busybox', tag: '1.36', digest: 'sha256:abc' }],
  ])('reads %s', (text, ref) => {
    expect(parseImageRef(text)).toEqual(ref);
  });

  it('writes the long form, so two spellings of one image compare equal', () => {
    expect(formatImageRef({ name: 'busybox', tag: 'latest' })).toBe('busybox:latest');
    expect(normalizeImageRef('busybox')).toBe(normalizeImageRef('busybox:latest'));
    expect(normalizeImageRef('localhost:5000/x')).toBe('localhost:5000/x:latest');
  });
});
