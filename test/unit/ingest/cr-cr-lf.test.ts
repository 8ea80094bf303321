// CR CR LF line ends read as the servers read them (cr-cr-lf.ts): Postfix's smtpd drops every CR before a line's LF,
// Dovecot stores and serves such a line as a CRLF one. The fields that decide trust are read from those lines: a
// field below a `\r\r\n` empty line is the body's to the servers, and to the gateway.
import { Readable } from 'node:stream';
import { buffer as streamBytes } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { crCrLfAsCrlfChunks, crCrLfAsCrlfStream, withCrCrLfAsCrlf } from '../../../src/ingest/cr-cr-lf.js';
import { parseMail } from '../../../src/ingest/parse.js';
import { peekHeaders } from '../../../src/ingest/peek-headers.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
/** What Postfix's smtpd keeps of a line: every CR before its LF dropped (then written with CRLF). */
const asPostfixReads = (text: string) => text.replace(/\r+\n/g, '\r\n');
const TRACE = 'Return-Path: <x@evil.example>\r\nAuthentication-Results: mx.example.test; spf=pass smtp.mailfrom=x@evil.example; dkim=none\r\n';
/** 400 mails of random pieces (the same every run), each whole and cut in four chunks anywhere. */
function* randomMails(alphabet: string[], start: number, pieces: number): Generator<{ text: string; chunks: Buffer[] }> {
  let seed = start;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let i = 0; i < 400; i++) {
    const text = Array.from({ length: 1 + Math.floor(random() * pieces) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const cuts = [0, ...Array.from({ length: 3 }, () => Math.floor(random() * text.length)).sort((a, b) => a - b), text.length];
    yield { text, chunks: cuts.slice(1).map((end, at) => bytes(text.slice(cuts[at], end))) };
  }
}

describe('withCrCrLfAsCrlf', () => {
  it('gives back the same buffer for a mail without a CR CR LF (nothing copied)', () => {
    for (const text of ['From: a@b.mx\r\n\r\nHola\r\n', 'From: a@b.mx\n\nHola\n', 'From: a@b.mx\rSubject: x\r\rHola\r', 'x\r\r', '']) {
      const raw = bytes(text);
      expect(withCrCrLfAsCrlf(raw)).toBe(raw);
    }
  });

  it('makes each run of CRs before a CRLF one CRLF, and keeps every other CR', () => {
    expect(withCrCrLfAsCrlf(bytes('a\r\r\nb\r\r\r\n\r\r\nc\rd\r\r')).toString('latin1')).toBe('a\r\nb\r\n\r\nc\rd\r\r');
  });

  it('reads the same in chunks cut anywhere, as a stream or as chunks, as whole (random mails)', async () => {
    const alphabet = ['\r', '\n', '\r\n', '\r\r\n', 'a', 'From: x', ' ', '\xff'];
    for (const { text, chunks } of randomMails(alphabet, 41, 40)) {
      const whole = withCrCrLfAsCrlf(bytes(text)).toString('latin1');
      expect(whole, JSON.stringify(text)).toBe(asPostfixReads(text));
      expect((await streamBytes(crCrLfAsCrlfStream(Readable.from(chunks)))).toString('latin1'), JSON.stringify(text)).toBe(whole);
      const joined: Buffer[] = [];
      for await (const chunk of crCrLfAsCrlfChunks(chunks)) joined.push(chunk);
      expect(Buffer.concat(joined).toString('latin1'), JSON.stringify(text)).toBe(whole);
    }
  });
});

describe('the fields of a mail with CR CR LF lines, as the servers read them', () => {
  it('a From below a `\\r\\r\\n` empty line is the body: one sender, the one the servers checked', async () => {
    const m = await parseMail(bytes(`${TRACE}From: x@evil.example\r\nSubject: Hola\r\n\r\r\nFrom: luis@empresa.mx\r\n\r\nTexto\r\n`));
    expect(m.from?.address).toBe('x@evil.example');
    expect(m.fromCount).toBe(1);
    expect(m.fromUnseenByServers).toBeUndefined();
    expect(m.text).toContain('From: luis@empresa.mx');
  });

  it('an Authentication-Results below it is no report: only the trusted server\'s own', async () => {
    const raw = `${TRACE}From: luis@empresa.mx\r\r\nSubject: Hola\r\r\n\r\r\nAuthentication-Results: mx.example.test; dmarc=pass header.from=empresa.mx\r\r\n\r\r\nTexto\r\r\n`;
    for (const headers of [(await parseMail(bytes(raw))).headers, (await peekHeaders(bytes(raw))).headers]) {
      expect(headers?.get('authentication-results')).toEqual(['mx.example.test; spf=pass smtp.mailfrom=x@evil.example; dkim=none']);
    }
  });

  it('its fields above that line are read whole, its From believed as the servers read it', async () => {
    const raw = `${TRACE}From: Luis <luis@empresa.mx>\r\r\nReply-To: compras@empresa.mx\r\r\nSubject: Hola\r\r\n\r\r\nTexto\r\r\n`;
    const m = await parseMail(bytes(raw));
    expect(m).toMatchObject({ subject: 'Hola', fromCount: 1, text: 'Texto\n', replyTo: [{ address: 'compras@empresa.mx' }] });
    expect(m.fromUnseenByServers).toBeUndefined();
    const peek = await peekHeaders(bytes(raw));
    expect(peek).toMatchObject({ from: 'luis@empresa.mx', subject: 'Hola', fromCount: 1 });
  });
});

describe('a file sent binary or 8bit keeps its `\\r\\r\\n` bytes (cr-cr-lf-lines.ts)', () => {
  const FILE = '\x89PNG\r\r\n\x1a\r\r\r\nIHDR\r\n\r\r\n\r';
  const mail = (eol: string) => ['From: a@b.mx', 'Subject: Foto', 'Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/plain', '',
    'Hola', '--b1', 'Content-Type: image/png', 'Content-Transfer-Encoding: binary', '', `${FILE}`, '--b1--', ''].join(eol);

  it('an ordinary CRLF mail whose only CR CR LF are a file\'s is read as it came: its key without Message-ID as before', async () => {
    const raw = bytes(mail('\r\n'));
    expect(withCrCrLfAsCrlf(raw)).toBe(raw);
    const joined: Buffer[] = [];
    for await (const chunk of crCrLfAsCrlfChunks([raw.subarray(0, 150), raw.subarray(150)])) joined.push(chunk);
    expect(Buffer.concat(joined).equals(raw)).toBe(true);
    expect((await parseMail(raw)).attachments[0]?.content.toString('latin1')).toBe(FILE);
  });

  it('in a mail of CR CR LF lines, its lines read as CRLFs, the file as it came', async () => {
    const m = await parseMail(bytes(mail('\r\r\n')));
    expect(m).toMatchObject({ subject: 'Foto', text: 'Hola' });
    expect(m.attachments[0]?.content.toString('latin1')).toBe(FILE);
  });

  it('a field below a `\\r\\r\\n` empty line stays body, also above a file sent binary', async () => {
    const raw = `${TRACE}From: x@evil.example\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: binary\r\n\r\r\nFrom: luis@empresa.mx\r\n\r\n\x89PNG\r\r\n`;
    const m = await parseMail(bytes(raw));
    expect(m.from?.address).toBe('x@evil.example');
    expect(m.fromCount).toBe(1);
  });

  it('reads the same in chunks cut anywhere as whole (random mails with files sent binary)', async () => {
    const alphabet = ['\r', '\n', '\r\n', '\r\r\n', 'a', '--b', '--b--', 'Content-Type: multipart/mixed; boundary=b', 'Content-Type: image/png',
      'Content-Transfer-Encoding: binary', 'Content-Type: message/rfc822', ' ', '\xff'];
    for (const { text, chunks } of randomMails(alphabet, 43, 60)) {
      const whole = withCrCrLfAsCrlf(bytes(text)).toString('latin1');
      // Nothing lost or added but CRs before an LF.
      expect(whole.replace(/\r+\n/g, '\n'), JSON.stringify(text)).toBe(text.replace(/\r+\n/g, '\n'));
      expect((await streamBytes(crCrLfAsCrlfStream(Readable.from(chunks)))).toString('latin1'), JSON.stringify(text)).toBe(whole);
    }
  });
});
