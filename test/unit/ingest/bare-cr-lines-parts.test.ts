// The files sent binary in an old Mac mail (bare-cr-lines.ts) where they sit deeper: in a forwarded mail, in a nested
// multipart, at a boundary line ended by a bare CR, with the close delimiter missing; and no byte lost or added, on
// random mails, beside the conversion of every bare CR.
import { describe, expect, it } from 'vitest';
import { withBareCrsAsCrlf } from '../../../src/ingest/bare-cr-lines.js';
import { parseMail } from '../../../src/ingest/parse.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const everyBareCr = (text: string) => text.replace(/\r(?!\n)/g, '\r\n');
const TRACE = 'Received: from a\r\n\tby b; Mon, 23 Nov 2026 10:00:00 -0600\r\nReturn-Path: <ana@empresa.mx>\r\n';
/** A picture's bytes with CRs and LFs in them, and a line that starts like a boundary but is not one. */
const FILE = Buffer.concat([Buffer.from([0x89, 0x50, 0x0d, 0x0a, 0x1a, 0x0d, 0x41, 0x0d, 0x0d]), bytes('--b1x\r--b2 not\r'), Buffer.from([0x42, 0x0d])]);
const binaryPart = (boundary: string) => `--${boundary}\rContent-Type: image/png; name="f.png"\rContent-Transfer-Encoding: binary\r\r`;

describe('a file sent binary in an old Mac mail keeps its bytes', () => {
  it('in a forwarded mail (message/rfc822) whose own multipart holds it', async () => {
    const raw = Buffer.concat([
      bytes(TRACE + 'From: ana@empresa.mx\rSubject: Fwd: foto\rMIME-Version: 1.0\rContent-Type: multipart/mixed; boundary="b1"\r\r'),
      bytes('--b1\rContent-Type: text/plain\r\rVa reenviada.\r--b1\rContent-Type: message/rfc822\r\r'),
      bytes('From: luis@empresa.mx\rSubject: foto\rMIME-Version: 1.0\rContent-Type: multipart/mixed; boundary="b2"\r\r'),
      bytes('--b2\rContent-Type: text/plain\r\rLa foto.\r' + binaryPart('b2')),
      FILE,
      bytes('\r--b2--\r\r--b1--\r'),
    ]);
    const m = await parseMail(raw);
    expect(m.text).toContain('Va reenviada.');
    // The forwarded mail is kept as a file of its own (.eml): the picture in it as it was sent.
    const forwarded = m.attachments.find((a) => a.contentType === 'message/rfc822')?.content.toString('latin1');
    expect(forwarded).toContain(`Content-Transfer-Encoding: binary\r\n\r\n${FILE.toString('latin1')}\r\n--b2--`);
  });

  it('in a nested multipart, its boundary line ended by a bare CR, the outer close delimiter missing', async () => {
    const raw = Buffer.concat([
      bytes(TRACE + 'From: ana@empresa.mx\rSubject: Foto\rMIME-Version: 1.0\rContent-Type: multipart/mixed; boundary=b1\r\r'),
      bytes('--b1\rContent-Type: multipart/alternative; boundary="b2"\r\r--b2\rContent-Type: text/plain\r\rHola\r--b2--\r'),
      bytes(binaryPart('b1')),
      FILE,
      bytes('\r--b1\rContent-Type: application/octet-stream; name="g.bin"\r\r'),
      bytes('sin encoding\r'),
    ]);
    const m = await parseMail(raw);
    expect(m.text.trim()).toBe('Hola');
    expect(m.attachments.find((a) => a.filename === 'f.png')?.content.toString('hex')).toBe(FILE.toString('hex'));
  });
});

describe('withBareCrsAsCrlf on random mails with files sent binary', () => {
  it('never throws, and differs from making every bare CR a CRLF only by bare CRs kept (no byte lost or added)', () => {
    const alphabet = ['\r', '\n', '\r\n', 'a', '\x00', '\xff', '--b', '--c', '--b--', ':', ' ', 'Content-Type: multipart/mixed; boundary=b',
      'Content-Type: multipart/related; boundary="c"', 'Content-Type: image/png', 'Content-Type: message/rfc822',
      'Content-Transfer-Encoding: binary', 'Content-Transfer-Encoding: 8bit', '\r\r', '\t'];
    let seed = 29;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 80) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const made = withBareCrsAsCrlf(bytes(text)).toString('latin1');
      expect(everyBareCr(made), JSON.stringify(text)).toBe(everyBareCr(text));
    }
  });
});
