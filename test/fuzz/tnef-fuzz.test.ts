import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rtfBody } from '../../src/ingest/rtf-body.js';
import { rtfText } from '../../src/ingest/rtf-text.js';
import { tnefFiles } from '../../src/ingest/tnef.js';
import { tnefBody } from '../../src/ingest/tnef-body.js';
import { readStreamedTnef } from '../../src/ingest/tnef-stream-read.js';
import { projectRoot } from '../../src/paths.js';
import { BlobStore } from '../../src/store/blobs.js';
import { chunks } from '../support/chunks.js';
import { compressedRtf, tnefStream } from '../support/tnef-stream.js';

// Property: whatever a winmail.dat holds (it comes from strangers), reading it ends, without an exception, in
// either its files or null; a file read out is never longer than the stream it came from. Its body (the compressed
// RTF of a "Rich Text" mail) is a text or null, never an exception either. Read as a stream (a big mail's
// winmail.dat), it reads the same files and body, in chunks of any size.

const seed = readFileSync(join(projectRoot, 'test', 'fixtures', 'tnef', 'outlook-two-files.dat'));

/** Overwrites a few bytes (lengths and counts included), or cuts the stream, keeping its signature. */
const mutatedFrom = (seed: Buffer) =>
  fc
    .tuple(fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.option(fc.nat(seed.length)))
    .map(([flips, cut]) => {
      const b = Buffer.from(seed);
      for (const [at, value] of flips) if (at >= 4) b[at] = value;
      return cut === null ? b : b.subarray(0, Math.max(6, cut));
    });
const mutated = mutatedFrom(seed);

const RTF = String.raw`{\rtf1\ansi\ansicpg1250{\fonttbl{\f0 Calibri;}}{\*\generator W;}\uc1\pard Dzie\'f1 \u8211?dobry\par{\field{\*\fldinst{HYPERLINK "x"}}{\fldrslt y}}\line{\pict 0102}\tab z\par}`;
const HTML_RTF = String.raw`{\rtf1\ansi\ansicpg1252\fromhtml1 {\*\htmltag19 <html>}\htmlrtf {\htmlrtf0 Hola se\'f1or\htmlrtf }\htmlrtf0 {\*\htmltag27 </html>}}`;
const compressed = compressedRtf(Buffer.from(RTF, 'latin1'));
const withRtf = tnefStream([{ title: 'a.pdf', content: Buffer.from('%PDF-1.4') }], 1250, { rtfCompressed: compressed });

describe('tnefFiles on damaged streams', () => {
  it('gives files or null, never throws', () => {
    fc.assert(
      fc.property(mutated, (bytes) => {
        const contents = tnefFiles(bytes);
        if (contents) for (const f of contents.files) expect(f.content.length).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 2000, seed: 20261130 },
    );
  });
});

describe('the body of damaged streams and RTF', () => {
  it('tnefBody gives a body or null, never throws', async () => {
    for (const stream of [seed, withRtf]) await fc.assert(fc.asyncProperty(mutatedFrom(stream), async (bytes) => void (await tnefBody(bytes))), { numRuns: 1000, seed: 20261202 });
  });

  it('rtfBody gives a body or null for damaged compressed or plain RTF, never throws', () => {
    const sources = [compressed, Buffer.from(RTF, 'latin1'), Buffer.from(HTML_RTF, 'latin1'), compressedRtf(Buffer.from(HTML_RTF, 'latin1'))];
    for (const source of sources) fc.assert(fc.property(mutatedFrom(source), (bytes) => void rtfBody(bytes)), { numRuns: 1000, seed: 20261202 });
  });

  it('rtfText reads any string of RTF-like tokens without throwing', () => {
    const token = fc.constantFrom('{', '}', '\\', '\\*', '\\par ', '\\u-3913?', '\\uc3 ', "\\'e9", "\\'", '\\bin5 ', '\\ansicpg932 ', '\\fonttbl ', '\\pict ', 'ab', '\0', '\r\n');
    fc.assert(fc.property(fc.array(token, { maxLength: 60 }), (tokens) => void rtfText(Buffer.from(tokens.join(''), 'latin1'))), { numRuns: 2000, seed: 20261202 });
  });
});

describe('readStreamedTnef on damaged streams', () => {
  it('reads the files and body the in-memory readers read, or null where they read nothing, never throws', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-tnef-fuzz-'));
    const spill = { blobs: new BlobStore(dir), inMemoryBytes: 1 << 30, maxBytes: 1 << 30 };
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    try {
      for (const stream of [seed, withRtf]) {
        await fc.assert(
          fc.asyncProperty(mutatedFrom(stream), fc.integer({ min: 1, max: 70_000 }), async (bytes, size) => {
            const read = await readStreamedTnef(chunks(bytes, size), spill, true);
            const files = tnefFiles(bytes);
            const seen = (contents: typeof files) => contents && { others: contents.others, files: contents.files.map((f) => [f.filename, f.contentType, f.contentId, sha(f.content)]) };
            if (read === null) expect([files, await tnefBody(bytes)]).toEqual([null, null]);
            else expect({ contents: seen(read.contents), body: read.body }).toEqual({ contents: seen(files), body: await tnefBody(bytes) });
          }),
          { numRuns: 500, seed: 20261203 },
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
