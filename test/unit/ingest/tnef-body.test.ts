import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../src/ingest/parse.js';
import { decompressedRtf, MAX_COMPRESSED_RTF_BYTES, rtfBody } from '../../../src/ingest/rtf-body.js';
import { rtfText } from '../../../src/ingest/rtf-text.js';
import { tnefBody } from '../../../src/ingest/tnef-body.js';
import { projectRoot } from '../../../src/paths.js';
import { richTextMail } from '../../support/multipart-mail.js';
import { compressedRtf, tnefStream } from '../../support/tnef-stream.js';

// Outlook set to "Rich Text" may send a mail whose only body is the compressed RTF inside winmail.dat.

const fixture = (name: string) => readFileSync(join(projectRoot, 'test', 'fixtures', 'tnef', name));

const OUTLOOK_RTF = String.raw`{\rtf1\ansi\ansicpg1250\deff0\deflang1045{\fonttbl{\f0\fswiss\fcharset238 Calibri;}}{\colortbl ;\red0\green0\blue255;}
{\info{\title Tytul}{\author Jan}}{\*\generator Riched20 10.0.19041}\viewkind4\uc1
\pard\f0\fs22 Dzie\'f1 dobry,\par
Faktura nr 12 nie dzia\'b3a \u8211?\~prosz\'ea o pomoc.\line Druga linia\tab koniec\par
{\field{\*\fldinst{HYPERLINK "https://portal.cliente.pl"}}{\fldrslt{\ul\cf1 portal}}}\par
{\pict\wmetafile8\picw100 0100090000}{\*\shppict{\pict\pngblip 89504e47}}{\nonshppict{\pict\wmetafile8 0102}}Jan\par
}`;

/** What test/fixtures/tnef/outlook-two-files.dat's PR_RTF_COMPRESSED says (its RTF has only these lines). */
const REAL_OUTLOOK_TEXT = ['Casdasdfasdfasd', 'Casdasdfasdfasd', '', '', 'Casdasdfasdfasd', '', 'Casdasdfasdfasd', '', 'Casdasdfasdfasd', '', 'Casdasdfasdfasd'].join('\n');

describe('decompressedRtf (MS-OXRTFCP)', () => {
  it("decompresses the specification's examples", () => {
    // MS-OXRTFCP 3.1.1 (Example 1: Simple Compressed RTF) and 3.1.2 (a token crossing the write position)
    const simple = Buffer.from('2d0000002b0000004c5a4675f1c5c7a703000a00726370673132354232' + '0af32068656c09002062770' + '5b06c647d0a800fa0', 'hex');
    expect(decompressedRtf(simple)?.toString('latin1')).toBe('{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n');
    const crossing = Buffer.from('1a0000001c0000004c5a4675e2d44b51410004205758595a0d6e7d010eb0', 'hex');
    expect(decompressedRtf(crossing)?.toString('latin1')).toBe('{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}');
  });

  it('reads the uncompressed form, and gives null for what is neither, too short, or longer than it says', () => {
    const rtf = Buffer.from('{\\rtf1 hola}');
    const header = Buffer.alloc(16);
    header.writeUInt32LE(rtf.length + 12, 0);
    header.writeUInt32LE(rtf.length, 4);
    header.writeUInt32LE(0x414c454d, 8); // "MELA"
    expect(decompressedRtf(Buffer.concat([header, rtf]))?.toString()).toBe('{\\rtf1 hola}');
    expect(decompressedRtf(compressedRtf(rtf))?.toString()).toBe('{\\rtf1 hola}');
    header.writeUInt32LE(0x12345678, 8);
    expect(decompressedRtf(Buffer.concat([header, rtf]))).toBeNull();
    expect(decompressedRtf(Buffer.alloc(10))).toBeNull();
    const claimsMore = compressedRtf(rtf);
    claimsMore.writeUInt32LE(0x7fffffff, 0);
    expect(decompressedRtf(claimsMore)).toBeNull();
  });

  it('leaves a compressed RTF above MAX_COMPRESSED_RTF_BYTES unread (its output would be ~8 times bigger, as an array)', () => {
    const body = (n: number) => Buffer.from(`{\\rtf1 ${'a'.repeat(n)}}`);
    const under = compressedRtf(body(MAX_COMPRESSED_RTF_BYTES / 2));
    expect(under.length).toBeLessThan(MAX_COMPRESSED_RTF_BYTES);
    expect(decompressedRtf(under)?.length).toBe(MAX_COMPRESSED_RTF_BYTES / 2 + 8);
    const over = compressedRtf(body(MAX_COMPRESSED_RTF_BYTES + 1000));
    expect(over.length).toBeGreaterThan(MAX_COMPRESSED_RTF_BYTES);
    expect(decompressedRtf(over)).toBeNull();
  });
});

describe('rtfText', () => {
  it("reads Outlook's RTF as the text it shows: paragraphs, code page, \\u, links; not its tables, metadata or pictures", () => {
    expect(rtfText(Buffer.from(OUTLOOK_RTF, 'latin1'))).toBe('Dzień dobry,\nFaktura nr 12 nie działa –\u00a0proszę o pomoc.\nDruga linia\tkoniec\nportal\nJan');
  });

  it('decodes a double-byte code page and skips the fallback bytes after \\u as \\uc says', () => {
    const sjis = [...iconv.encode('請求書', 'cp932')].map((b) => `\\'${b.toString(16)}`).join('');
    expect(rtfText(Buffer.from(`{\\rtf1\\ansi\\ansicpg932 ${sjis}\\par}`, 'latin1'))).toBe('請求書');
    expect(rtfText(Buffer.from("{\\rtf1\\ansi\\uc2 caf\\u233\\'65\\'3f! \\uc0\\u8364 5}", 'latin1'))).toBe('café! €5');
  });

  it('skips what is nested past 256 groups (a crafted RTF of millions of "{" held a copy of each), and reads on after it', () => {
    const deep = (inner: string) => `${'{'.repeat(300)}${inner}${'}'.repeat(300)}`;
    expect(rtfText(Buffer.from(`{\\rtf1 Antes ${deep('oculto')} despu\\'e9s}`, 'latin1'))).toBe('Antes  después');
    // A destination opened past the limit hides nothing after it; a font chosen there changes nothing after it.
    const fonts = '{\\fonttbl{\\f0 Arial;}{\\f1 Wingdings;}}';
    expect(rtfText(Buffer.from(`{\\rtf1\\deff0${fonts}Uno ${deep('{\\*\\foo x}')} dos ${deep('\\f1 J')} J}`, 'latin1'))).toBe('Uno  dos  J');
    expect(rtfText(Buffer.from(`{\\rtf1 ${deep('texto')}`, 'latin1'))).toBe('');
  });

  it('never throws on broken RTF', () => {
    for (const broken of ['', '{', '}}}}', '{\\rtf1 \\', "{\\rtf1 \\'", "{\\rtf1 \\'zz", '{\\rtf1 \\u', '{\\rtf1 \\bin999999 x', '{\\rtf1\\ansicpg99999 \\\'e9}']) {
      expect(() => rtfText(Buffer.from(broken, 'latin1'))).not.toThrow();
    }
  });
});

describe('rtfBody', () => {
  it('recovers the HTML an RTF encapsulates (MS-OXRTFEX \\fromhtml1)', () => {
    const encapsulated = String.raw`{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}}{\*\htmltag19 <html>}{\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 Hola se\'f1or\htmlrtf }\htmlrtf0 {\*\htmltag72 </p>}{\*\htmltag27 </html>}}`;
    expect(rtfBody(Buffer.from(encapsulated, 'latin1'))).toEqual({ html: '<html><p>Hola señor</p></html>' });
  });

  it('reads the text of a native RTF, and gives null for an RTF without any', () => {
    expect(rtfBody(Buffer.from(OUTLOOK_RTF, 'latin1'))).toEqual({ text: expect.stringContaining('Dzień dobry,') });
    expect(rtfBody(Buffer.from('{\\rtf1{\\fonttbl{\\f0 Arial;}}\\par}'))).toBeNull();
    expect(rtfBody(Buffer.from('not rtf at all'))).toBeNull();
  });
});

describe('tnefBody', () => {
  const rtf = compressedRtf(Buffer.from(OUTLOOK_RTF, 'latin1'));

  it("reads the body of a real Outlook winmail.dat from its compressed RTF (the mail's text part was beside it)", async () => {
    expect(await tnefBody(fixture('outlook-two-files.dat'))).toEqual({ text: REAL_OUTLOOK_TEXT, html: null });
  });

  it('takes the text of the compressed RTF in the message properties', async () => {
    expect((await tnefBody(tnefStream([], 1250, { rtfCompressed: rtf })))?.text).toMatch(/^Dzień dobry,\nFaktura nr 12 nie działa/);
  });

  it('prefers PR_BODY, then PR_BODY_HTML, to the RTF when the sender included them', async () => {
    expect(await tnefBody(tnefStream([], 1252, { rtfCompressed: rtf, body: 'Texto llano.' }))).toEqual({ text: 'Texto llano.', html: null });
    const html = await tnefBody(tnefStream([], 1252, { rtfCompressed: rtf, bodyHtml: Buffer.from('<p>Texto <b>HTML</b>.</p>\0') }));
    expect(html).toEqual({ text: 'Texto HTML.', html: '<p>Texto <b>HTML</b>.</p>' });
    const older = tnefStream([], 1251, { rtfCompressed: rtf, attBody: iconv.encode('Счет не проходит.', 'cp1251') });
    expect(await tnefBody(older)).toEqual({ text: 'Счет не проходит.', html: null });
  });

  it('gives null for a stream without a body, or one it cannot read', async () => {
    expect(await tnefBody(tnefStream([{ title: 'a.pdf', content: Buffer.from('%PDF') }]))).toBeNull();
    expect(await tnefBody(fixture('malformed.dat'))).toBeNull();
    expect(await tnefBody(Buffer.from('%PDF-1.4'))).toBeNull();
  });
});

describe('a mail whose only body is in winmail.dat', () => {
  const winmail = tnefStream([{ title: 'factura.pdf', content: Buffer.from('%PDF-1.4') }], 1250, { rtfCompressed: compressedRtf(Buffer.from(OUTLOOK_RTF, 'latin1')) });

  it('gets its text from the RTF, with or without an empty text part; its files are still read out', async () => {
    for (const textPart of [undefined, '', '  \r\n']) {
      const mail = await parseMail(richTextMail('rtf-1', winmail, textPart));
      expect(mail.text).toMatch(/^Dzień dobry,\nFaktura nr 12 nie działa/);
      expect(mail.attachments.map((a) => a.filename)).toEqual(['factura.pdf']);
    }
  });

  it('gets its text when the whole mail is winmail.dat (Content-Type: application/ms-tnef, as Exchange sends one)', async () => {
    const headers = ['From: Ana <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: x', 'Message-ID: <rtf-3@cliente.mx>', 'MIME-Version: 1.0'];
    const raw = [...headers, 'Content-Type: application/ms-tnef; name="winmail.dat"', 'Content-Transfer-Encoding: base64', '', fixture('outlook-two-files.dat').toString('base64'), ''];
    const mail = await parseMail(Buffer.from(raw.join('\r\n')));
    expect(mail.text).toBe(REAL_OUTLOOK_TEXT);
    expect(mail.attachments.map((a) => a.filename)).toEqual(['zappa_av1.jpg', 'bookmark.htm']);
  });

  it('keeps the text part it has when that is not empty', async () => {
    expect((await parseMail(richTextMail('rtf-2', winmail, 'Escrito aparte.'))).text.trim()).toBe('Escrito aparte.');
  });
});
