import { describe, expect, it } from 'vitest';
import { unescapedFrom, unescapeFrom } from '../../../src/ingest/sources/mbox-unescape.js';

// mboxrd: a line that starts with ">...>From " lost one ">" when written back; a big mail is unescaped as it streams,
// so the line start may be split anywhere between two chunks.

const escaped = 'Subject: x\n\n>From the portal\n>>From quoted\n>Fro\n>>x\n> From not\nno >From here\r\n>From crlf\r\n>>\n>F>From\n>Fro';
const expected = 'Subject: x\n\nFrom the portal\n>From quoted\n>Fro\n>>x\n> From not\nno >From here\r\nFrom crlf\r\n>>\n>F>From\n>Fro';

describe('unescaping an mbox mail', () => {
  it('drops one ">" from the lines that start with ">...From ", whole or split at any byte', async () => {
    expect(unescapeFrom(Buffer.from(escaped)).toString()).toBe(expected);
    const raw = Buffer.from(escaped);
    for (let a = 0; a <= raw.length; a++) {
      for (let b = a; b <= raw.length; b += 3) {
        async function* pieces() {
          yield raw.subarray(0, a);
          yield raw.subarray(a, b);
          yield raw.subarray(b);
        }
        const out: Buffer[] = [];
        for await (const piece of unescapedFrom(pieces())) out.push(piece);
        expect(Buffer.concat(out).toString(), `split at ${a}, ${b}`).toBe(expected);
      }
    }
  });
});
