import { describe, expect, it } from 'vitest';
import { foldersAbove, movedPath, parentOf, stampOf, typedPath, urlPath } from '../../site/scripts/editor/paths.ts';

describe("the editor's workspace paths", () => {
  it('encodes each segment of a path for the file API, keeping the slashes', () => {
    expect(urlPath('app/my file#1.txt')).toBe('app/my%20file%231.txt');
    expect(urlPath('a/../b')).toBe('a/../b');
  });

  it('finds the folder a path is in, and every folder above it', () => {
    expect(parentOf('Dockerfile')).toBe('');
    expect(parentOf('app/src/main.py')).toBe('app/src');
    expect(foldersAbove('app/src/main.py')).toEqual(['app/src', 'app']);
    expect(foldersAbove('Dockerfile')).toEqual([]);
  });

  it('moves a renamed entry and everything below it, and nothing that only shares a prefix', () => {
    expect(movedPath('app', 'app', 'web')).toBe('web');
    expect(movedPath('app/src/main.py', 'app', 'web')).toBe('web/src/main.py');
    expect(movedPath('apple/x', 'app', 'web')).toBeUndefined();
    expect(movedPath('other', 'app', 'web')).toBeUndefined();
  });

  it('tells versions of a file apart by size and modification time', () => {
    expect(stampOf({ size: 3, modifiedMs: 10 })).not.toBe(stampOf({ size: 3, modifiedMs: 11 }));
    expect(stampOf({ size: 3, modifiedMs: 10 })).toBe(stampOf({ size: 3, modifiedMs: 10 }));
  });

  it('reads a typed path without surrounding spaces or trailing slashes', () => {
    expect(typedPath('  app/src/ ')).toBe('app/src');
    expect(typedPath('app//')).toBe('app');
    expect(typedPath('   ')).toBe('');
  });
});
