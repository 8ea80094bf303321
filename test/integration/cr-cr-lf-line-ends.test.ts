// Mail whose lines end in CR CR LF: a CRLF mail passed through a converter that turned each LF into CRLF again (a
// broken client or relay). The servers in front of the desk read each CR CR LF as one line end: Postfix's smtpd
// removes every CR before the LF, and Dovecot (measured, 2.3.19: LMTP and APPEND) stores the line with its extra CR
// as the line's CRLF and serves it back as plain CRLF, its `\r\r\n` empty line ending the header block (the fields
// below it are the body's to its ENVELOPE). A mail client reading the mailbox shows the whole header and the body.
// The gateway read such a mail as mailparser does (LF lines: the `\r\r\n` line is no empty line, the body became
// header lines) or, with one more bare CR anywhere, the old Mac way (every bare CR a line end: the header block
// ended after its first field, Subject, Reply-To and Message-ID lost).
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
afterEach(async () => app?.dispose());

const source = { source: 'file', sourceRef: 'crcrlf' } as const;
const FORM = { FORM_SENDERS: 'formulario@empresa.mx' };

/** A web form's request (FORM_SENDERS: its Reply-To is the customer), in lines; `id` null: no Message-ID. */
function formLines(id: string | null): { head: string[]; body: string[] } {
  const head = [
    'From: Formulario web <formulario@empresa.mx>',
    'To: soporte@example.test',
    'Subject: Impresora sin toner en la oficina 3',
    'Reply-To: Ana Ruiz <ana@cliente.mx>',
    ...(id ? [`Message-ID: <${id}@empresa.mx>`] : []),
    'Date: Mon, 23 Nov 2026 10:00:00 -0600',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  return { head, body: ['Hola,', 'la impresora no imprime.', 'Gracias', ''] };
}

const CRCRLF = '\r\r\n';
const crlf = (id: string | null) => {
  const { head, body } = formLines(id);
  return [...head, '', ...body].join('\r\n');
};

const variants: Array<[string, (id: string | null) => string]> = [
  ['every line', (id) => crlf(id).replace(/\r\n/g, CRCRLF)],
  // Its bare CRs one more than its LFs: it was read the old Mac way, its header block ended after its first field.
  ['every line, a lone CR after its last line', (id) => `${crlf(id).replace(/\r\n/g, CRCRLF)}\r`],
  ['every line, under trace fields a relay wrote in CRLF lines', (id) =>
    'Return-Path: <formulario@empresa.mx>\r\nReceived: from web.empresa.mx by mx.example.test; Mon, 23 Nov 2026 10:00:02 -0600\r\n' +
    crlf(id).replace(/\r\n/g, CRCRLF)],
  ['only its body', (id) => {
    const { head, body } = formLines(id);
    return `${head.join('\r\n')}\r\n\r\n${body.join(CRCRLF)}`;
  }],
  ['only some header lines', (id) => {
    const { head, body } = formLines(id);
    return `${head.map((line, i) => line + (i === 2 || i === 3 ? CRCRLF : '\r\n')).join('')}\r\n${body.join('\r\n')}`;
  }],
];

async function expectTicket(number: number | null | undefined) {
  const ticket = await showTicket(app.db, number as number);
  expect(ticket).toMatchObject({ requester: 'ana@cliente.mx', subject: 'Impresora sin toner en la oficina 3' });
  expect(ticket?.messages[0]?.text.trim()).toBe('Hola,\nla impresora no imprime.\nGracias');
  expect(await app.db.quarantinedMail.count()).toBe(0);
}

describe('a mail whose lines end in CR CR LF reads as a mail client shows it', () => {
  for (const [what, build] of variants) {
    it(`${what}: its Subject, its Reply-To (the form's customer) and its text, in memory, in a batch and streamed`, async () => {
      app = await createTestApp(FORM);
      const one = await app.pipeline.ingest(Buffer.from(build('uno'), 'latin1'), source);
      expect(one.outcome).toBe('created');
      await expectTicket(one.ticketNumber);

      const [batched] = await app.pipeline.ingestMany([{ raw: Buffer.from(build('dos'), 'latin1'), source }]);
      expect(batched?.outcome).toBe('created');
      await expectTicket(batched?.ticketNumber);

      const streamed = await app.pipeline.ingestStream(Readable.from([Buffer.from(build('tres'), 'latin1')]), source);
      expect(streamed.outcome).toBe('created');
      await expectTicket(streamed.ticketNumber);
    });
  }

  it('a big one (past BIG_MAIL_BYTES, streamed to the parser): its header and its text', async () => {
    app = await createTestApp(FORM);
    const { head } = formLines('grande');
    const file = Buffer.alloc(3 * 1024 * 1024 + 1000, 7).toString('base64').replace(/.{76}/g, '$&\n').split('\n');
    const lines = [...head.slice(0, -1), 'Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/plain; charset=utf-8', '',
      'Hola,', 'la impresora no imprime.', 'Gracias', '--b1', 'Content-Type: application/pdf; name="manual.pdf"', 'Content-Transfer-Encoding: base64', '',
      ...file, '--b1--', ''];
    const r = await app.pipeline.ingestStream(Readable.from([Buffer.from(lines.join(CRCRLF), 'latin1')]), source);
    expect(r.outcome).toBe('created');
    await expectTicket(r.ticketNumber);
    const ticket = await showTicket(app.db, r.ticketNumber as number);
    expect(ticket?.messages[0]?.attachments).toMatchObject([{ filename: 'manual.pdf', size: 3 * 1024 * 1024 + 1000 }]);
  });

  for (const [what, id] of [['with its Message-ID', 'otra'], ['without a Message-ID (its written content)', null]] as const) {
    it(`a copy of it delivered again in CRLF lines (as Dovecot serves it) is a duplicate, ${what}`, async () => {
      app = await createTestApp(FORM);
      const first = await app.pipeline.ingest(Buffer.from(crlf(id).replace(/\r\n/g, CRCRLF), 'latin1'), source);
      expect(first.outcome).toBe('created');
      const again = await app.pipeline.ingest(Buffer.from(crlf(id), 'latin1'), source);
      expect(again).toMatchObject({ outcome: 'duplicate', ticketNumber: first.ticketNumber });
    });
  }
});

describe('fields below a CR CR LF empty line are the body, as the servers read it', () => {
  it('a Reply-To below it names nobody: the form is the requester, not the address the servers never saw as one', async () => {
    app = await createTestApp(FORM);
    const raw = 'From: formulario@empresa.mx\r\nTo: soporte@example.test\r\nSubject: Alta\r\nMessage-ID: <abajo@empresa.mx>\r\n' +
      '\r\r\nReply-To: luis@cliente.mx\r\n\r\nNombre: Luis\r\n';
    const r = await app.pipeline.ingest(Buffer.from(raw, 'latin1'), source);
    expect(r.outcome).toBe('created');
    const ticket = await showTicket(app.db, r.ticketNumber as number);
    expect(ticket?.requester).toBe('formulario@empresa.mx');
    expect(ticket?.messages[0]?.text).toContain('Reply-To: luis@cliente.mx');
  });
});
