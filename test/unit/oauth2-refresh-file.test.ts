import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RefreshTokenFile } from '../../src/oauth2-refresh-file.js';

describe('RefreshTokenFile', () => {
  it('replaces the file whole (a new file renamed over it, in its folder) readable by its owner only, even over one others could read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-oauth2-'));
    try {
      const file = join(dir, 'oauth2-refresh-token.json');
      const kept = new RefreshTokenFile(file, 'configured');
      kept.save('refresh-2');
      chmodSync(file, 0o644);
      const before = statSync(file);
      kept.save('refresh-3');
      const after = statSync(file);
      // Another inode: renamed over the old file, never rewritten in place, where a crash would leave half a token.
      expect(after.ino).not.toBe(before.ino);
      expect(after.mode & 0o777).toBe(0o600);
      expect(kept.read()).toBe('refresh-3');
      expect(readdirSync(dir)).toEqual(['oauth2-refresh-token.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes under a temporary name of its own, not one another process with the same pid is writing", () => {
    // The daemon and a CLI command in two containers sharing DATA_DIR are both pid 1: saving at the same moment,
    // each truncated and renamed the other's half-written file (a damaged file, or a save failing with ENOENT).
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-oauth2-'));
    try {
      const file = join(dir, 'oauth2-refresh-token.json');
      const theirs = `${file}.${process.pid}.tmp`;
      writeFileSync(theirs, '{"from":"...","refreshToken":"being written by the other process');
      const kept = new RefreshTokenFile(file, 'configured');
      kept.save('refresh-2');
      expect(kept.read()).toBe('refresh-2');
      expect(readFileSync(theirs, 'utf8')).toBe('{"from":"...","refreshToken":"being written by the other process');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
