import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/ingest/parse.js';
import { corpusRoot, normaliseWhitespace, stalwartExpectedSubject, walk } from '../support/corpus.js';

// Subjects as the customer wrote them, on stalwart's samples (legacy clients' raw Latin-1 bytes, 8-bit bytes
// inside encoded words, Outlook 2000's UTF-7): each one as stalwart's parser reads it, or better where stalwart
// itself gives up (U+FFFD), and never a lost letter of ours.

const stalwart = path.join(corpusRoot, 'stalwart-mail-parser', 'resources', 'eml');

describe.skipIf(!fs.existsSync(stalwart))('subjects of the stalwart corpus', () => {
  it('match stalwart, or keep the letters stalwart loses', async () => {
    const wrong: string[] = [];
    let compared = 0;
    for (const file of walk(stalwart).filter((f) => f.endsWith('.eml'))) {
      const expected = stalwartExpectedSubject(file);
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
});
