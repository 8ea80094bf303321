import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tnefFiles } from '../../src/ingest/tnef.js';
import { projectRoot } from '../../src/paths.js';

// Property: whatever a winmail.dat holds (it comes from strangers), reading it ends, without an exception, in
// either its files or null; a file read out is never longer than the stream it came from.

const seed = readFileSync(join(projectRoot, 'test', 'fixtures', 'tnef', 'outlook-two-files.dat'));

/** Overwrites a few bytes (lengths and counts included), or cuts the stream, keeping its signature. */
const mutated = fc
  .tuple(fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.option(fc.nat(seed.length)))
  .map(([flips, cut]) => {
    const b = Buffer.from(seed);
    for (const [at, value] of flips) if (at >= 4) b[at] = value;
    return cut === null ? b : b.subarray(0, Math.max(6, cut));
  });

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
