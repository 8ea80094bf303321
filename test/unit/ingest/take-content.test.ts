import { describe, expect, it } from 'vitest';
import { takeContent } from '../../../src/ingest/mail-parser-run.js';
import type { BlobStore } from '../../../src/store/blobs.js';

// A part past the in-memory bound is streamed into the store (takeContent). When the store gives up half-way (a
// write fails: a full disk), the part's source must be closed with it: a part read back from the store (a big
// BinHex or x-uuencode part, encoded-parts.ts) otherwise kept its blob's file open for the life of the process.

describe('takeContent', () => {
  it('closes the source when the store fails while writing it', async () => {
    let closed = false;
    const source = (async function* () {
      try {
        for (let i = 0; i < 100; i++) yield Buffer.alloc(1024, i);
      } finally {
        closed = true;
      }
    })();
    const failingStore = {
      async putStream(chunks: AsyncIterable<Buffer>) {
        for await (const _ of chunks) throw new Error('ENOSPC: no space left on device');
        return { sha256: null, size: 0 };
      },
    } as unknown as BlobStore;
    await expect(takeContent(source, { blobs: failingStore, inMemoryBytes: 2048, maxBytes: 1 << 20 })).rejects.toThrow('ENOSPC');
    expect(closed).toBe(true);
  });
});
