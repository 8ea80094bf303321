import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/ingest/parse.js';
import { peekHeaders } from '../../src/ingest/peek-headers.js';
import { corpusRoot, normaliseWhitespace, stalwartExpectedSubject, walk } from '../support/corpus.js';

// Subjects as the customer wrote them, on stalwart's samples (legacy clients' raw Latin-1 bytes, 8-bit bytes
// inside encoded words, Outlook 2000's UTF-7): each one as stalwart's parser reads it, or better where stalwart
// itself gives up (U+FFFD), and never a lost letter of ours.

const stalwart = path.join(corpusRoot, 'stalwart-mail-parser', 'resources', 'eml');
/** Where stalwart leaves the subject as written and we decode it: a raw UTF-7 subject under charset=UTF-7. */
const BETTER_THAN_STALWART: Record<string, string> = { 'legacy/034.eml': 'Die Hasen und die Frösche' };

describe.skipIf(!fs.existsSync(stalwart))('subjects of the stalwart corpus', () => {
  it('match stalwart, or keep the letters stalwart loses', async () => {
    const wrong: string[] = [];
    let compared = 0;
    for (const file of walk(stalwart).filter((f) => f.endsWith('.eml'))) {
      const expected = BETTER_THAN_STALWART[path.relative(stalwart, file)] ?? stalwartExpectedSubject(file);
      if (expected === null) continue;
      compared++;
      const got = normaliseWhitespace((await parseMail(fs.readFileSync(file))).subject);
      const lost = got.includes('\uFFFD') || got.includes('ï¿½');
      const matches = got === normaliseWhitespace(expected) || (expected.includes('\uFFFD') && !lost && got.length <= expected.length + 2);
      if (lost || !matches) wrong.push(`${path.relative(stalwart, file)}: ${JSON.stringify(got)} (stalwart: ${JSON.stringify(expected)})`);
    }
    expect(compared).toBeGreaterThan(50);
    expect(wrong).toEqual([]);
  });

  it('a mail too large to parse gets the same subject and display name from a peek at its header block', async () => {
    const differ: string[] = [];
    let compared = 0;
    for (const file of walk(stalwart).filter((f) => f.endsWith('.eml'))) {
      const raw = fs.readFileSync(file);
      const parsed = await parseMail(raw).catch(() => null);
      if (!parsed?.subject) continue;
      compared++;
      const peek = await peekHeaders(raw);
      const [got, expected] = [[peek.subject, peek.fromName], [parsed.subject, parsed.from?.name ?? null]].map((v) => JSON.stringify(v));
      if (got !== expected) differ.push(`${path.relative(stalwart, file)}: ${got} (parsed: ${expected})`);
    }
    expect(compared).toBeGreaterThan(50);
    expect(differ).toEqual([]);
  });
});
