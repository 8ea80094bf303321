import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/ingest/parse.js';
import { tnefFiles } from '../../src/ingest/tnef.js';
import { corpusRoot, walk } from '../support/corpus.js';
import fs from 'node:fs';

// The corpus's winmail.dat parts are Amazon WorkMail's and Exchange's, on bounces: real TNEF holding only the
// message's properties, no file. Each must be read without error, and stay attached (nothing to put instead).
const withTnef = walk(corpusRoot)
  .filter((f) => f.endsWith('.eml'))
  .map((file) => ({ file, raw: fs.readFileSync(file) }))
  .filter(({ raw }) => /application\/ms-tnef/i.test(raw.toString('latin1')));

describe.skipIf(withTnef.length === 0)('winmail.dat parts in the corpus', () => {
  it('are read as TNEF holding no file, and stay attached as they came', async () => {
    expect(withTnef.length).toBeGreaterThanOrEqual(5);
    for (const { file, raw } of withTnef) {
      const mail = await parseMail(raw);
      const parts = mail.attachments.filter((a) => a.contentType === 'application/ms-tnef');
      expect(parts.map((a) => a.filename), file).toEqual(['winmail.dat']);
      expect(tnefFiles(parts[0]!.content), file).toEqual({ files: [], others: 0 });
    }
  });
});
