import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BlobStore, sha256Of } from '../../../src/store/blobs.js';
import { chunks } from '../../support/chunks.js';

// A blob already stored is not written again; but the sweep (blob-sweep.ts) removes files older than its grace
// period that no row references. A mail or an answer that stores content whose file is old, and commits a
// reference to it a moment later, must not find it swept in between: storing it again makes it young.

// Another OS user's file: setting its times is refused (EPERM), as it would be for anyone but its owner and root.
const denied = vi.hoisted(() => new Set<string>());
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const utimesSync: typeof fs.utimesSync = (path, atime, mtime) => {
    if (denied.has(String(path))) throw Object.assign(new Error(`EPERM: operation not permitted, utime '${String(path)}'`), { code: 'EPERM' });
    fs.utimesSync(path, atime, mtime);
  };
  return { ...fs, default: { ...fs, utimesSync }, utimesSync };
});

const DAY_MS = 24 * 60 * 60 * 1000;
let root: string;
let blobs: BlobStore;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ventanilla-blobs-'));
  blobs = new BlobStore(root);
});
afterEach(() => {
  denied.clear();
  rmSync(root, { recursive: true, force: true });
});

/** Sets the blob's file back (two days: as a sweep finds a file stored long ago). */
function age(sha256: string, ms = 2 * DAY_MS): void {
  const then = new Date(Date.now() - ms);
  utimesSync(blobs.pathOf(sha256), then, then);
}
const ageMs = (sha256: string) => Date.now() - statSync(blobs.pathOf(sha256)).mtimeMs;

describe('storing content whose blob exists already', () => {
  const ways: Array<[string, (content: Buffer) => Promise<unknown>]> = [
    ['put', (content) => blobs.put(content)],
    ['putSync (the preparation worker)', async (content) => blobs.putSync(content)],
    ['putStream (a big mail, its big parts)', (content) => blobs.putStream(chunks(content, 4096))],
  ];
  for (const [name, store] of ways) {
    it(`${name} makes the file young again`, async () => {
      const content = randomBytes(10_000);
      await store(content);
      age(sha256Of(content));
      expect(ageMs(sha256Of(content))).toBeGreaterThan(DAY_MS);
      await store(content);
      expect(ageMs(sha256Of(content))).toBeLessThan(60_000);
      expect(readFileSync(blobs.pathOf(sha256Of(content))).equals(content)).toBe(true);
    });

    // Its touch fails: it stores the content as if never stored. (The race, a sweep taking the file between a store
    // and the commit that names it, is blob-sweep.test.ts's "with other processes at work".)
    it(`${name} writes the file anew when a sweep holds it aside`, async () => {
      const content = randomBytes(10_000);
      await store(content);
      const path = blobs.pathOf(sha256Of(content));
      age(sha256Of(content));
      renameSync(path, `${path}.4242.sweep`);
      await store(content);
      expect(readFileSync(path).equals(content)).toBe(true);
      expect(ageMs(sha256Of(content))).toBeLessThan(60_000);
      expect(existsSync(`${path}.4242.sweep`)).toBe(true);
    });

    it(`${name} leaves another user's file as it is when it was stored lately (it may not set its times)`, async () => {
      const content = randomBytes(10_000);
      await store(content);
      const path = blobs.pathOf(sha256Of(content));
      age(sha256Of(content), 60 * 60 * 1000);
      const before = statSync(path);
      denied.add(path);
      await store(content);
      const after = statSync(path);
      // Not written anew: it stays its owner's (written anew, it would be this user's, mode 600).
      expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    });

    it(`${name} writes another user's file anew when it is old (a sweep may take it before the commit)`, async () => {
      const content = randomBytes(10_000);
      await store(content);
      const path = blobs.pathOf(sha256Of(content));
      age(sha256Of(content), DAY_MS / 2 + 60_000);
      denied.add(path);
      await store(content);
      expect(ageMs(sha256Of(content))).toBeLessThan(60_000);
      expect(readFileSync(path).equals(content)).toBe(true);
    });
  }
});
