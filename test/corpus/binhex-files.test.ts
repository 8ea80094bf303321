/**
 * Files a Mac mail client sent in BinHex 4.0 (application/mac-binhex40: stalwart's legacy 016.eml, a picture and a
 * text). They were stored as their encoded text, "(This file must be converted with BinHex 4.0)", which no viewer
 * opens; now they are the files they hold (the data fork; a Mac's resource fork means nothing elsewhere).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAttachment } from '../../src/store/attachment-contents.js';
import { decodeBinHex } from '../../src/ingest/binhex.js';
import { corpusRoot } from '../support/corpus.js';
import { createTestApp, type TestApp } from '../support/app.js';

const legacyDir = path.join(corpusRoot, 'stalwart-mail-parser', 'resources', 'eml', 'legacy');
const haveCorpus = fs.existsSync(legacyDir);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let app: TestApp;
afterEach(async () => app?.dispose());

describe.skipIf(!haveCorpus)(`BinHex 4.0 files (${haveCorpus ? 'present' : `absent: ${legacyDir}`})`, () => {
  it('are stored as the files they hold (016.eml)', async () => {
    app = await createTestApp();
    const result = await app.pipeline.ingest(fs.readFileSync(path.join(legacyDir, '016.eml')), { source: 'file', sourceRef: '016.eml' });
    const message = await app.db.message.findFirstOrThrow({ where: { ticket: { number: result.ticketNumber as number } }, include: { attachments: { orderBy: { id: 'asc' } } } });
    const files = await Promise.all(message.attachments.map(async (a) => ({ name: a.filename, type: a.contentType, bytes: await readAttachment(app.db, app.blobs, a.sha256) })));
    expect(files.map((f) => [f.name, f.type])).toEqual([['blueball.png', 'image/png'], ['HasenundFrösche.txt', 'text/plain']]);
    expect(files[0]?.bytes?.subarray(0, 8).equals(PNG)).toBe(true);
    expect(files[1]?.bytes?.toString('latin1')).toContain('Hasen');
  });
});

describe('a damaged BinHex file', () => {
  it('is not decoded (kept as it came): its checksum is wrong, or it is cut short', () => {
    const raw = fs.existsSync(legacyDir) ? fs.readFileSync(path.join(legacyDir, '016.eml'), 'latin1') : '';
    const encoded = /\(This file must be converted with BinHex 4\.0\)\s*:[^:]*:/.exec(raw)?.[0] ?? '(This file must be converted with BinHex 4.0)\n:!!:';
    expect(decodeBinHex(Buffer.from(encoded.replace('!!!!!&', '!!!!!\''), 'latin1'))).toBeNull();
    expect(decodeBinHex(Buffer.from(encoded.slice(0, encoded.length / 2) + ':', 'latin1'))).toBeNull();
    expect(decodeBinHex(Buffer.from('not binhex'))).toBeNull();
  });
});
