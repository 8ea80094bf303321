import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../src/ingest/parse.js';
import { peekHeaders } from '../../../src/ingest/peek-headers.js';

// legacy-headers.ts decodes a raw UTF-7 subject or sender's name in a mail declaring charset=utf-7 only when every
// "+" run is UTF-7 and the result reads as text: a "+" run of the right length that is not UTF-7 keeps its bytes.

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));
/** A lone half of a UTF-16 surrogate pair: no text has one, and SQLite and JSON turn it into U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('raw UTF-7 in the subject and the sender\'s name', () => {
  it('a phone number written "+34600123456" keeps its bytes, in the subject and the name, parsed and peeked', async () => {
    const raw = crlf(['From: "Ana +34600123456" <ana@cliente.mx>', 'Subject: Llamar al +34600123456', 'Content-Type: text/plain; charset=utf-7', '', 'x']);
    const mail = await parseMail(raw);
    const peeked = await peekHeaders(raw);
    expect([mail.subject, mail.from?.name, peeked?.subject, peeked?.fromName]).toEqual(['Llamar al +34600123456', 'Ana +34600123456', 'Llamar al +34600123456', 'Ana +34600123456']);
    expect(LONE_SURROGATE.test(`${mail.subject}${mail.from?.name}`)).toBe(false);
  });

  it('a word after a "+" whose base64 leaves bits that are not zero keeps its bytes ("+Ventas" read as one CJK letter)', async () => {
    // RFC 2152's encoder pads a run with zero bits; "s" leaves 1100.
    for (const subject of ['Re: +Ventas', 'Nueva +Oferta']) {
      const raw = crlf(['From: ana@cliente.mx', `Subject: ${subject}`, 'Content-Type: text/plain; charset=utf-7', '', 'x']);
      expect((await parseMail(raw)).subject).toBe(subject);
    }
  });

  it('still decodes a genuine run, a pair of surrogates among them (an emoji)', async () => {
    // "+2D3eAA-" is U+1F600 written as its two UTF-16 halves.
    const raw = crlf(['From: "Jos+AOk-" <jose@cliente.mx>', 'Subject: +AOE-rbol +2D3eAA-', 'Content-Type: text/plain; charset=utf-7', '', 'x']);
    const mail = await parseMail(raw);
    expect([mail.subject, mail.from?.name]).toEqual(['árbol \u{1F600}', 'José']);
  });
});

describe('text decoded as UTF-7', () => {
  it('only under a Content-Type that declares it: a body that mentions "charset=utf-7" keeps its "C++" and "+34"', async () => {
    const body = 'El sistema manda charset=utf-7 en el XML. Uso C++ y a+b=c; llamen al +34600123456.';
    const raw = crlf(['From: ana@cliente.mx', 'Subject: x', 'Content-Type: text/plain; charset=us-ascii', '', body]);
    expect((await parseMail(raw)).text.trim()).toBe(body);
    // A forwarded header block quoted in the text, not a part's header.
    const quoted = crlf(['From: ana@cliente.mx', 'Subject: x', 'Content-Type: text/plain', '', '> Content-Type: text/plain; charset="utf-7"', '> C++ y a+b']);
    expect((await parseMail(quoted)).text.trim()).toBe('> Content-Type: text/plain; charset="utf-7"\n> C++ y a+b');
    // Declared by a part's header: decoded.
    const part = crlf(['From: ana@cliente.mx', 'Subject: x', 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain;', ' charset=utf-7', '', 'Fr+APY-sche', '--b--', '']);
    expect((await parseMail(part)).text.trim()).toBe('Frösche');
  });
});

describe('text decoded as UTF-7, declared by another part (review: a forward)', () => {
  it("a us-ascii text beside a forwarded mail whose part is UTF-7 keeps its \"C++\" and \"+34\"; a pasted header line too", async () => {
    const text = 'Uso C++ y a+b=c; llamen al +34600123456.';
    const forward = crlf([
      'From: ana@cliente.mx', 'Subject: x', 'Content-Type: multipart/mixed; boundary=b', '',
      '--b', 'Content-Type: text/plain; charset=us-ascii', '', text,
      '--b', 'Content-Type: message/rfc822', '', 'From: luis@otro.mx', 'Subject: y', 'Content-Type: text/plain; charset=utf-7', '', 'Fr+APY-sche',
      '--b--', '',
    ]);
    expect((await parseMail(forward)).text).toContain(text);
    const pasted = crlf(['From: ana@cliente.mx', 'Subject: x', 'Content-Type: text/plain', '', 'Me llega esto:', 'Content-Type: text/plain; charset=utf-7', '', text]);
    expect((await parseMail(pasted)).text).toContain(text);
  });
});
