/**
 * Files sent uuencoded, as Outlook 2000 and Netscape did and Unix scripts still do (`uuencode report.pdf
 * report.pdf | mail`), from stalwart's legacy corpus: in the text itself (049.eml: "begin 666 blueball.png" ...
 * "end" below the message) or in MIME parts with `Content-Transfer-Encoding: x-uuencode` (017, 026, 048.eml).
 * The agent read pages of uuencoded lines as the customer's message, and got no picture; the x-uuencode parts
 * were stored as they came, "blueball.png" files no viewer opens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAttachment } from '../../src/store/attachment-contents.js';
import { corpusRoot } from '../support/corpus.js';
import { createTestApp, type TestApp } from '../support/app.js';

const legacyDir = path.join(corpusRoot, 'stalwart-mail-parser', 'resources', 'eml', 'legacy');
const haveCorpus = fs.existsSync(legacyDir);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let app: TestApp;
afterEach(async () => app?.dispose());

/** The first message of the ticket a corpus mail opens: its text and its files, as the agent gets them. */
async function ticketOf(file: string) {
  const result = await app.pipeline.ingest(fs.readFileSync(path.join(legacyDir, file)), { source: 'file', sourceRef: file });
  const message = await app.db.message.findFirstOrThrow({ where: { ticket: { number: result.ticketNumber as number } }, include: { attachments: true } });
  const files = await Promise.all(message.attachments.map(async (a) => ({ name: a.filename, type: a.contentType, bytes: await readAttachment(app.db, app.blobs, a.sha256) })));
  return { text: message.text, visibleText: message.visibleText ?? '', files };
}

describe.skipIf(!haveCorpus)(`uuencoded files (${haveCorpus ? 'present' : `absent: ${legacyDir}`})`, () => {
  it('in the text (049.eml): the message is the fable, the three pictures are its attachments', async () => {
    app = await createTestApp();
    const { text, visibleText, files } = await ticketOf('049.eml');
    expect(text).toContain('Slow but steady wins the race.');
    expect(text).not.toMatch(/^begin 666 |^M`|^end$/m);
    expect(visibleText).not.toContain('begin 666');
    expect(files.map((f) => [f.name, f.type])).toEqual([['blueball.png', 'image/png'], ['greenball.png', 'image/png'], ['redball.png', 'image/png']]);
    for (const f of files) expect(f.bytes?.subarray(0, 8).equals(PNG), f.name).toBe(true);
  });

  it('in x-uuencode parts (017, 026, 048.eml): each file is stored decoded', async () => {
    app = await createTestApp();
    const stored: Record<string, string[]> = {};
    for (const file of ['017.eml', '026.eml', '048.eml']) {
      const { files } = await ticketOf(file);
      stored[file] = files.map((f) => {
        const bytes = f.bytes ?? Buffer.alloc(0);
        const read = bytes.subarray(0, 8).equals(PNG) ? 'PNG' : bytes.toString('latin1').trimStart().split(/\r?\n/)[0]!.trim();
        return `${f.name}: ${read}`;
      });
    }
    expect(stored).toEqual({
      '017.eml': ['greenball.png: PNG', 'blueball.png: PNG'],
      // Its second file came base64: unchanged.
      '026.eml': ['HasenundFrösche.txt: Die Hasen und die Frösche', 'farmerandstork.txt: The Farmer and the Stork'],
      '048.eml': ['redball.png: PNG', 'greenball.png: PNG', 'blueball.png: PNG'],
    });
  });
});
