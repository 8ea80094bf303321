import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutgoingMail } from '../../../src/outbound/mailer.js';
import MailComposer from 'nodemailer/lib/mail-composer';
import { buildMime, type Newline, streamMime, toNodemailer } from '../../../src/outbound/mime-build.js';
import { type CompiledNode, writeCompiled } from '../../../src/outbound/mime-write.js';

// The one-pass writer (mime-write.ts) must give the bytes nodemailer's stream transport gives, for every mail
// the gateway sends. Each mail gets its own random boundary, so both are compared with the boundary replaced.
const sameBoundary = (raw: Buffer) => raw.toString('latin1').replace(/_NmP-[0-9a-f]+-Part/g, '_NmP-BOUNDARY-Part');

const FIXED_DATE = 'Mon, 30 Nov 2026 04:23:07 +0000';

// Text that exercises the encoders: non-ASCII, lone CR and LF, CRLF, trailing blanks, '=', dots, long lines.
const pieces = ['a', 'Hola', ' ', '\t', '\n', '\r\n', '\r', 'é', 'ñ', '—', '😀', '=', '.', '..', ' \n', 'x'.repeat(90), 'ü'.repeat(40), '<p>', '</p>'];
const text = fc.array(fc.constantFrom(...pieces), { maxLength: 120 }).map((parts) => parts.join(''));
const word = fc.stringMatching(/^[a-z]{1,8}$/);
const address = fc.tuple(word, word).map(([local, domain]) => `${local}@${domain}.mx`);
const named = fc.tuple(fc.constantFrom('', 'Ana Pérez', 'Soporte Técnico', 'O\'Brien, Pat', 'Zoë "Z" Ω'), address).map(([name, addr]) => (name ? `${name} <${addr}>` : addr));
const messageId = fc.tuple(word, word).map(([a, b]) => `${a}.${b}@example.test`);
// Inbound Message-IDs as other systems write them, UTF-8 included (RFC 6532): the replies carry them back.
const inboundId = fc.oneof(messageId, fc.constantFrom('中文.ñ@qq.example', 'ñandú@host.mx', 'CAHx=Yw+9_fK1bA-Zq8kP3mQ$%&*!#@mail.gmail.com', 'Ω😀@señal.mx'));

const mailArb: fc.Arbitrary<OutgoingMail> = fc.record({
  from: named,
  to: fc.array(named, { minLength: 1, maxLength: 3 }),
  cc: fc.array(named, { maxLength: 2 }),
  replyTo: fc.option(address, { nil: null }),
  subject: fc.oneof(text.map((t) => t.replace(/[\r\n]/g, ' ')), fc.constant('[#10001] Su solicitud ha sido recibida — Ventanilla')),
  text,
  html: fc.oneof(fc.constant(''), text.map((t) => `<p>${t}</p>`)),
  messageId,
  inReplyTo: fc.option(inboundId, { nil: null }),
  references: fc.array(inboundId, { maxLength: 3 }),
  headers: fc.record({ Date: fc.constant(FIXED_DATE), 'Auto-Submitted': fc.constantFrom('auto-replied', 'auto-generated'), 'X-Ventanilla-Ticket': word }),
  attachments: fc.constant([]),
});

describe('MIME in one pass (mime-write.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mime-write-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const newline of ['unix', 'windows'] as Newline[]) {
    it(`gives nodemailer's own bytes and envelope (${newline} line ends)`, async () => {
      await fc.assert(
        fc.asyncProperty(mailArb, async (mail) => {
          // The one pass itself, not a fallback to streaming.
          const written = writeCompiled(new MailComposer(toNodemailer(mail)).compile() as unknown as CompiledNode, newline);
          const [fast, streamed] = await Promise.all([buildMime(mail, newline), streamMime(mail, newline)]);
          expect(written && sameBoundary(written)).toBe(sameBoundary(streamed.raw));
          expect(sameBoundary(fast.raw)).toBe(sameBoundary(streamed.raw));
          expect(fast.envelope).toEqual(streamed.envelope);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('writes a UTF-8 Message-ID back into In-Reply-To and References as UTF-8, as nodemailer does', async () => {
    const id = '<中文.ñ@qq.example>';
    const mail: OutgoingMail = {
      from: 'soporte@example.test', to: ['li@qq.example'], cc: [], subject: 'ayuda', text: 'hola', html: '',
      messageId: 'vt.1.abc@example.test', inReplyTo: id, references: ['<root@qq.example>', id], headers: { Date: FIXED_DATE }, attachments: [],
    };
    const { raw } = await buildMime(mail, 'windows');
    const head = raw.subarray(0, raw.indexOf('\r\n\r\n'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(head)).not.toThrow();
    expect(head.toString('utf8')).toContain(`In-Reply-To: ${id}`);
    const parsed = await simpleParser(raw);
    expect(parsed.inReplyTo).toBe(id);
    expect(parsed.references).toEqual(['<root@qq.example>', id]);
  });

  it('dates a mail that has no Date header as nodemailer does, and a client reads it back', async () => {
    const mail: OutgoingMail = {
      from: 'Soporte <soporte@example.test>', to: ['Ana Pérez <ana@cliente.mx>'], cc: [], subject: 'Recibido — #10001',
      text: 'Hola Ana,\nsu número es #10001.\n', html: '<p>Hola Ana, su número es <b>#10001</b>.</p>', messageId: 't1@example.test',
      headers: {}, attachments: [],
    };
    const before = Date.now();
    const { raw } = await buildMime(mail, 'windows');
    const parsed = await simpleParser(raw);
    expect(Math.abs((parsed.date?.getTime() ?? 0) - before)).toBeLessThan(5_000);
    expect(parsed.subject).toBe('Recibido — #10001');
    expect(parsed.text).toBe('Hola Ana,\nsu número es #10001.\n');
    expect(parsed.html).toBe('<p>Hola Ana, su número es <b>#10001</b>.</p>');
    expect(parsed.messageId).toBe('<t1@example.test>');
    expect(raw.toString('latin1')).not.toMatch(/[^\r]\n/);
  });

  it('leaves a mail with a file attachment to nodemailer streaming, with the same result', async () => {
    const file = join(dir, 'factura.pdf');
    writeFileSync(file, Buffer.from('%PDF-1.4 ñ\r\n'.repeat(200)));
    const mail: OutgoingMail = {
      from: 'soporte@example.test', to: ['ana@cliente.mx'], cc: [], subject: 'Factura', text: 'Adjunta.', html: '',
      messageId: 'f1@example.test', headers: { Date: FIXED_DATE }, attachments: [{ filename: 'factura.pdf', contentType: 'application/pdf', path: file }],
    };
    expect(writeCompiled(new MailComposer(toNodemailer(mail)).compile() as unknown as CompiledNode, 'unix')).toBeNull();
    const [fast, streamed] = await Promise.all([buildMime(mail, 'unix'), streamMime(mail, 'unix')]);
    expect(sameBoundary(fast.raw)).toBe(sameBoundary(streamed.raw));
    const parsed = await simpleParser(fast.raw);
    expect(parsed.attachments.map((a) => [a.filename, a.size])).toEqual([['factura.pdf', 2_600]]);
  });
});
