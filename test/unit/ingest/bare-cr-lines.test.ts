// Which mails are read with their bare CRs as line ends (raw-head.ts bareCrsEndLines), and how (bare-cr-lines.ts):
// an old Mac mail, also with LF or CRLF lines a relay added to it, every line end a line break; a file sent binary
// in it kept byte for byte; a mail of LF or CRLF lines with a stray CR read as before.
import { describe, expect, it } from 'vitest';
import { withBareCrsAsCrlf } from '../../../src/ingest/bare-cr-lines.js';
import { parseMail } from '../../../src/ingest/parse.js';
import { peekHeaders } from '../../../src/ingest/peek-headers.js';
import { bareCrsEndLines, endsLinesWithBareCr } from '../../../src/ingest/raw-head.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const MAC = 'From: Ana <ana@empresa.mx>\rSubject: Sin toner\rMessage-ID: <m1@empresa.mx>\r\rHola,\rno imprime.\r';
const TRACE = 'Received: from a\r\n\tby b; Mon, 23 Nov 2026 10:00:00 -0600\r\nReturn-Path: <ana@empresa.mx>\r\nDelivered-To: soporte@example.test\r\nX-Original-To: soporte@example.test\r\n' +
  'Authentication-Results: mx.example.test;\r\n\tspf=pass smtp.mailfrom=empresa.mx\r\nX-Spam-Status: No, score=0.1\r\n';

describe('an old Mac mail with LF or CRLF lines in it', () => {
  for (const [what, raw] of [
    ['trace fields in CRLF lines on top', TRACE + MAC],
    ['a body of LF lines', MAC.replace('Hola,\rno imprime.\r', 'Hola,\nno imprime.\n\n\n\n\n\n\n')],
    ['a stray LF in its header, trace fields in LF lines', TRACE.replace(/\r\n/g, '\n') + MAC.replace('Sin toner\r', 'Sin toner\n')],
  ] as const) {
    it(`${what}: read as one (sender, subject, every line end a line break in its text)`, async () => {
      expect(endsLinesWithBareCr(bytes(raw)), 'the count alone took it for a mail of LF lines').toBe(false);
      expect(bareCrsEndLines(bytes(raw))).toBe(true);
      const m = await parseMail(bytes(raw));
      expect(m).toMatchObject({ messageId: 'm1@empresa.mx', subject: 'Sin toner', from: { address: 'ana@empresa.mx', name: 'Ana' } });
      expect(m.text.trim()).toBe('Hola,\nno imprime.');
      // Too large to parse: its peek reads the same header block.
      expect(await peekHeaders(bytes(raw))).toMatchObject({ messageId: 'm1@empresa.mx', from: 'ana@empresa.mx', subject: 'Sin toner' });
    });
  }

  it('a file sent binary in it keeps its CR and LF bytes; its text and a base64 file read as before', async () => {
    const file = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x0d, 0x41, 0x0d, 0x0d, 0x42, 0x0a, 0x0d]);
    const other = Buffer.from('PK\r\x03\x04\rdata', 'latin1');
    const raw = Buffer.concat([
      bytes(TRACE + 'From: ana@empresa.mx\rSubject: Foto\rMIME-Version: 1.0\rContent-Type: multipart/mixed; boundary="b1"\r\r--b1\r'),
      bytes('Content-Type: text/plain\r\rVer foto.\rGracias\r--b1\rContent-Type: image/png; name="f.png"\rContent-Transfer-Encoding: binary\r\r'),
      file,
      bytes('\r--b1\rContent-Type: application/zip; name="a.zip"\rContent-Transfer-Encoding: base64\r\r'),
      bytes(other.toString('base64').replace(/(.{4})/g, '$1\r')),
      bytes('\r--b1--\r'),
    ]);
    const m = await parseMail(raw);
    expect(m.text.trim()).toBe('Ver foto.\nGracias');
    expect(m.attachments.map((a) => [a.filename, a.content.toString('hex')])).toEqual([
      ['f.png', file.toString('hex')],
      ['a.zip', other.toString('hex')],
    ]);
  });

  it('with no file sent binary, every bare CR made a CRLF and nothing else changed (as before, for mails read so today)', () => {
    const alphabet = ['\r', '\n', 'a', '--b', ':', ' ', 'Content-Type: multipart/mixed; boundary=b', 'Content-Transfer-Encoding: base64'];
    let seed = 11;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 60) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      expect(withBareCrsAsCrlf(bytes(text)).toString('latin1'), JSON.stringify(text)).toBe(text.replace(/\r(?!\n)/g, '\r\n'));
    }
  });
});

describe('a mail of LF or CRLF lines with a stray CR is read as it was', () => {
  for (const [what, raw] of [
    ['a stray CR in its text', 'From: a@b.mx\r\nSubject: x\r\n\r\nuno\rdos\r\rtres\r\n'],
    ['a bare-CR line after CRLF header lines (two From fields to the parser)', 'From: a@b.mx\r\n\rFrom: c@d.mx\r\nSubject: x\r\n\r\nuno\r\n'],
    ['lines ended "\\r\\r\\n" by a broken mailer', 'From: a@b.mx\r\r\nSubject: x\r\r\n\r\r\nuno\r\r\ndos\r\r\n'],
    ['LF lines, a bare CR before a colon', 'From: a@b.mx\nFrom\r: c@d.mx\nSubject: x\n\nuno\n'],
  ] as const) {
    it(`${what}: not read the old Mac way`, () => {
      expect(bareCrsEndLines(bytes(raw))).toBe(false);
    });
  }
});
