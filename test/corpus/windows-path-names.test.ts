/**
 * Pictures Netscape 4 sent with their Windows path for a name, unescaped (stalwart's legacy 035.eml and 039.eml:
 * `filename="C:\TEMP\nsmailEG.png"`). mailparser reads the backslashes as escapes, and the agent got
 * "C_TEMPnsmailEG.png"; Thunderbird and Gmail show the file's base name, "nsmailEG.png".
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusRoot } from '../support/corpus.js';
import { createTestApp, type TestApp } from '../support/app.js';

const legacyDir = path.join(corpusRoot, 'stalwart-mail-parser', 'resources', 'eml', 'legacy');
const haveCorpus = fs.existsSync(legacyDir);

let app: TestApp;
afterEach(async () => app?.dispose());

/** The names of the files of the ticket a corpus mail opens, as the agent sees them. */
async function fileNamesOf(file: string): Promise<string[]> {
  const result = await app.pipeline.ingest(fs.readFileSync(path.join(legacyDir, file)), { source: 'file', sourceRef: file });
  const message = await app.db.message.findFirstOrThrow({ where: { ticket: { number: result.ticketNumber as number } }, include: { attachments: { orderBy: { id: 'asc' } } } });
  return message.attachments.map((a) => a.filename);
}

describe.skipIf(!haveCorpus)(`file names written as Windows paths (${haveCorpus ? 'present' : `absent: ${legacyDir}`})`, () => {
  it('are their base names (035.eml, 039.eml)', async () => {
    app = await createTestApp();
    expect(await fileNamesOf('035.eml')).toEqual(['nsmailEG.png', 'nsmail39.png', 'redball.png', 'greenball.png']);
    expect(await fileNamesOf('039.eml')).toEqual(['nsmailV0.png', 'nsmailNM.png', 'greenball.png', 'blueball.png']);
  });
});
