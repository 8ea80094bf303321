import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../src/ingest/parse.js';
import { tnefFiles } from '../../../src/ingest/tnef.js';
import { projectRoot } from '../../../src/paths.js';
import { mailWithAttachments } from '../../support/multipart-mail.js';
import { tnefStream } from '../../support/tnef-stream.js';

// Outlook in "Rich Text" mode puts the customer's attachments inside one winmail.dat (application/ms-tnef).
const fixture = (name: string) => readFileSync(join(projectRoot, 'test', 'fixtures', 'tnef', name));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
// What Debian's tnef 1.4.18 reads out of the same stream (test/fixtures/tnef/README.md).
const ZAPPA = ['zappa_av1.jpg', 2937, 'bea844f30e0fcc20fad419a0d11032a6465da93c1da185a1196949955994409a'];
const BOOKMARKS = ['bookmark.htm', 85805, '1e08d6e23c75ff80ac992eebc24c2943c7843b7dfee235966b37de5eb4362599'];

describe('tnefFiles', () => {
  it('reads out the files of an Outlook winmail.dat, byte for byte as the tnef tool does', () => {
    const contents = tnefFiles(fixture('outlook-two-files.dat'));
    expect(contents?.others).toBe(0);
    expect(contents?.files.map((f) => [f.filename, f.content.length, sha256(f.content)])).toEqual([ZAPPA, BOOKMARKS]);
  });

  it("reads names in the code page the stream names, as a Polish, Russian or Japanese Outlook writes them", () => {
    const named = (name: string, codepage: number) => tnefFiles(tnefStream([{ title: iconv.encode(name, `cp${codepage}`), content: Buffer.from('%PDF-1.4') }], codepage))?.files[0]?.filename;
    expect(named('Faktura č. 12.pdf', 1250)).toBe('Faktura č. 12.pdf');
    expect(named('Отчет.pdf', 1251)).toBe('Отчет.pdf');
    expect(named('請求書.pdf', 932)).toBe('請求書.pdf');
    expect(named('Facturación.pdf', 1252)).toBe('Facturación.pdf');
  });

  it('gives null for a stream that is malformed, cut short, or not TNEF at all', () => {
    const good = fixture('outlook-two-files.dat');
    expect(tnefFiles(fixture('malformed.dat'))).toBeNull();
    expect(tnefFiles(good.subarray(0, 50_000))).toBeNull();
    expect(tnefFiles(good.subarray(0, 3))).toBeNull();
    expect(tnefFiles(Buffer.from('%PDF-1.4 not a winmail.dat'))).toBeNull();
  });
});

describe('a mail with a winmail.dat', () => {
  it('shows the files in it instead, with types from their names (HTML kept as opaque bytes)', async () => {
    const raw = mailWithAttachments('tnef-1', [{ name: 'winmail.dat', content: fixture('outlook-two-files.dat'), type: 'application/ms-tnef' }]);
    const mail = await parseMail(raw);
    expect(mail.text.trim()).toBe('Les envío el respaldo.');
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.inline, a.content.length, sha256(a.content)])).toEqual([
      [ZAPPA[0], 'image/jpeg', false, ZAPPA[1], ZAPPA[2]],
      [BOOKMARKS[0], 'application/octet-stream', false, BOOKMARKS[1], BOOKMARKS[2]],
    ]);
  });

  it('recognises it by its name when the type is only application/octet-stream', async () => {
    const mail = await parseMail(mailWithAttachments('tnef-2', [{ name: 'WINMAIL.DAT', content: fixture('outlook-two-files.dat') }, { name: 'factura.pdf', content: Buffer.from('%PDF-1.4') }]));
    expect(mail.attachments.map((a) => a.filename)).toEqual(['zappa_av1.jpg', 'bookmark.htm', 'factura.pdf']);
  });

  it('keeps a winmail.dat it cannot read as it came, and leaves other .dat files alone', async () => {
    const malformed = fixture('malformed.dat');
    const mail = await parseMail(mailWithAttachments('tnef-3', [{ name: 'winmail.dat', content: malformed, type: 'application/ms-tnef' }, { name: 'datos.dat', content: fixture('outlook-two-files.dat') }]));
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.length])).toEqual([
      ['winmail.dat', 'application/ms-tnef', malformed.length],
      ['datos.dat', 'application/octet-stream', fixture('outlook-two-files.dat').length],
    ]);
  });
});
