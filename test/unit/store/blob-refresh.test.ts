import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore, sha256Of } from '../../../src/store/blobs.js';
import { chunks } from '../../support/chunks.js';

// A blob already stored is not written again; but the sweep (blob-sweep.ts) removes files older than its grace
// period that no row references. A mail or an answer that stores content whose file is old, and commits a
// reference to it a moment later, must not find it swept in between: storing it again makes it young.

const DAY_MS = 24 * 60 * 60 * 1000;
let root: string;
let blobs: BlobStore;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ventanilla-blobs-'));
  blobs = new BlobStore(root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Sets the blob's file back two days, as a sweep finds a file stored long ago. */
function age(sha256: string): void {
  const then = new Date(Date.now() - 2 * DAY_MS);
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

    it(`${name} writes the file anew when it vanished after the store saw it (a sweep took it)`, async () => {
      const content = randomBytes(10_000);
      await store(content);
      unlinkSync(blobs.pathOf(sha256Of(content)));
      await store(content);
      expect(readFileSync(blobs.pathOf(sha256Of(content))).equals(content)).toBe(true);
    });
  }
});
