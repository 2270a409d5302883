import { describe, expect, it } from 'vitest';
import { compilePath, createRouter, type Handler, matchPath } from '../../sandbox-server/http/router.ts';

const handler: Handler = async () => {};

describe('the router', () => {
  it('matches :params as decoded single segments and * as the encoded rest', () => {
    expect(matchPath(compilePath('/api/sessions/:id'), '/api/sessions/a%20b')).toEqual({ id: 'a b' });
    expect(matchPath(compilePath('/api/sessions/:id'), '/api/sessions/a/b')).toBeUndefined();
    expect(matchPath(compilePath('/files/:id/*'), '/files/s1/dir/a%2Fb')).toEqual({ id: 's1', rest: 'dir/a%2Fb' });
  });

  it('keeps a malformed escape as written instead of throwing', () => {
    expect(matchPath(compilePath('/x/:id'), '/x/%E0%A4%A')).toEqual({ id: '%E0%A4%A' });
  });

  it('escapes regex characters in literal parts', () => {
    expect(matchPath(compilePath('/progress.csv'), '/progressXcsv')).toBeUndefined();
  });

  it('tells 404 from 405 and lists the methods a path allows', () => {
    const router = createRouter().add('GET', '/a/:id', handler).add('DELETE', '/a/:id', handler);
    expect(router.match('GET', '/a/1')).toMatchObject({ handler, params: { id: '1' } });
    expect(router.match('PUT', '/a/1')).toEqual({ status: 405, allowed: ['GET', 'DELETE'] });
    expect(router.match('GET', '/b')).toEqual({ status: 404, allowed: [] });
  });
});
