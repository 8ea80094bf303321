// An old Mac mail (classic Mac OS: bare CR line ends) with some LF or CRLF lines a relay added: its trace fields on
// top, its body rewritten in LF lines, a stray LF. The gateway told old Mac mail by counting line ends (more bare CRs
// than LFs): such a mail had as many LFs, mailparser read its whole Mac part as one header line, and the customer's
// mail was quarantined (no sender) or recorded under a sender and subject taken from the wrong text.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BIG_MAIL_BYTES } from '../../src/ingest/pipeline.js';
import { readRawMail } from '../../src/store/raw-mails.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
afterEach(async () => app?.dispose());

const source = { source: 'file', sourceRef: 'mac' } as const;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The customer's mail as her old Mac wrote it: every line ended by a bare CR. */
const macMail = (id: string) =>
  `From: Ana Ruiz <ana@empresa.mx>\rTo: soporte@example.test\rSubject: Impresora sin t\xf3ner\rMessage-ID: <${id}@empresa.mx>\r` +
  'Date: Mon, 23 Nov 2026 10:00:00 -0600\rContent-Type: text/plain; charset=iso-8859-1\r\rHola,\rla impresora no imprime.\rGracias\r';

/** What the relays in front of the desk wrote above it, in CRLF lines: more line ends than the Mac part's bare CRs. */
const trace = [
  'Return-Path: <ana@empresa.mx>',
  'Delivered-To: soporte@example.test',
  'X-Original-To: soporte@example.test',
  'Received: from mx.empresa.mx (mx.empresa.mx [10.0.0.1])\r\n\tby mx.example.test with ESMTPS id 4B2; Mon, 23 Nov 2026 10:00:02 -0600',
  'Received: from mac-ana.empresa.mx (mac-ana.empresa.mx [10.0.0.7])\r\n\tby mx.empresa.mx with SMTP id 77A; Mon, 23 Nov 2026 10:00:01 -0600',
  'Authentication-Results: mx.example.test;\r\n\tspf=pass smtp.mailfrom=empresa.mx;\r\n\tdkim=none',
  'X-Spam-Checker-Version: SpamAssassin 3.4.6 on mx.example.test',
  'X-Spam-Status: No, score=0.1',
].join('\r\n') + '\r\n';

const mixes: Array<[string, (id: string) => string]> = [
  ['trace fields a relay added in CRLF lines', (id) => trace + macMail(id)],
  ['its body rewritten in LF lines', (id) => macMail(id).replace('\r\rHola,\rla impresora no imprime.\rGracias\r', '\r\rHola,\nla impresora no imprime.\nGracias\n\n\n\n\n\n\n')],
  ['the trace fields in LF lines and a stray LF in its header', (id) => trace.replace(/\r\n/g, '\n') + macMail(id).replace('To: soporte@example.test\r', 'To: soporte@example.test\n')],
];

async function expectTicket(number: number | null | undefined) {
  const ticket = await showTicket(app.db, number as number);
  expect(ticket).toMatchObject({ requester: 'ana@empresa.mx', subject: 'Impresora sin tóner' });
  const message = ticket?.messages[0];
  expect(message).toMatchObject({ from: 'ana@empresa.mx', fromName: 'Ana Ruiz' });
  expect(message?.text.replace(/\r\n/g, '\n').trim()).toBe('Hola,\nla impresora no imprime.\nGracias');
  expect(await app.db.quarantinedMail.count()).toBe(0);
}

describe('an old Mac mail with LF or CRLF lines a relay added becomes the customer\'s ticket, not quarantined', () => {
  for (const [what, build] of mixes) {
    it(`${what}: in memory, in a batch and streamed, the raw mail kept byte for byte`, async () => {
      app = await createTestApp();
      const one = Buffer.from(build('uno'), 'latin1');
      const r = await app.pipeline.ingest(one, source);
      expect(r.outcome).toBe('created');
      await expectTicket(r.ticketNumber);
      expect(await readRawMail(app.db, app.blobs, sha256(one))).toEqual(one);

      const two = Buffer.from(build('dos'), 'latin1');
      const [batched] = await app.pipeline.ingestMany([{ raw: two, source }]);
      expect(batched?.outcome).toBe('created');
      await expectTicket(batched?.ticketNumber);

      const three = Buffer.from(build('tres'), 'latin1');
      const streamed = await app.pipeline.ingestStream(Readable.from([three]), source);
      expect(streamed.outcome).toBe('created');
      await expectTicket(streamed.ticketNumber);
    });
  }

  it('a big one (past BIG_MAIL_BYTES, streamed in): its file and text read, not streamed to the parser as LF lines', async () => {
    app = await createTestApp();
    const file = randomBytes(3 * 1024 * 1024 + 1000);
    // The Mac header in bare-CR lines, the body rewritten in LF lines by a relay: far more LFs than bare CRs.
    const head = macMail('grande').replace('Content-Type: text/plain; charset=iso-8859-1\r\rHola,\rla impresora no imprime.\rGracias\r', 'MIME-Version: 1.0\rContent-Type: multipart/mixed; boundary="b1"\r\r');
    const body = ['--b1', 'Content-Type: text/plain; charset=iso-8859-1', '', 'Hola,', 'la impresora no imprime.', 'Gracias', '--b1',
      'Content-Type: application/pdf; name="manual.pdf"', 'Content-Transfer-Encoding: base64', '', file.toString('base64').replace(/.{76}/g, '$&\n'), '--b1--', ''].join('\n');
    const raw = Buffer.from(trace + head + body, 'latin1');
    expect(raw.length).toBeGreaterThan(BIG_MAIL_BYTES);
    const r = await app.pipeline.ingestStream(Readable.from([raw]), source);
    expect(r.outcome).toBe('created');
    await expectTicket(r.ticketNumber);
    const ticket = await showTicket(app.db, r.ticketNumber as number);
    expect(ticket?.messages[0]?.attachments).toMatchObject([{ filename: 'manual.pdf', size: file.length, sha256: sha256(file) }]);
  });

  it('a copy of it delivered again with other line ends is a duplicate of it, not a second ticket', async () => {
    app = await createTestApp();
    const first = await app.pipeline.ingest(Buffer.from(trace + macMail('otra'), 'latin1'), source);
    const again = await app.pipeline.ingest(Buffer.from(macMail('otra').replace(/\r/g, '\r\n'), 'latin1'), source);
    expect(again).toMatchObject({ outcome: 'duplicate', ticketNumber: first.ticketNumber });
  });
});
