import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { waitFor } from '../support/daemon.js';
import { dovecotAvailable } from '../support/dovecot.js';
import { dovecotDaemonPerFile } from '../support/dovecot-daemon.js';

// One mail with a Message-ID reaches the gateway twice: piped in by the MTA (`ingest -`, LF line ends) and fetched
// from the mailbox Dovecot's LMTP delivered it to (CRLF over IMAP). Its attachments are text the sender's client
// did not encode (a forwarded mail, message/rfc822; a CSV, 7bit): their decoded bytes carry the copy's line ends.
// Compared byte for byte, the two copies were two mails under one Message-ID: a second ticket ("Message-ID reused").

const written = [
  'From: Marta Ruiz <marta@cliente.mx>',
  'To: support@example.test',
  'Subject: Les reenvío el correo del SAT',
  'Date: Tue, 24 Nov 2026 09:15:00 -0600',
  'Message-ID: <reenvio-sat-88@cliente.mx>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'No puedo timbrar la factura 88; va el correo del SAT y el reporte.',
  '',
  '--b1',
  'Content-Type: message/rfc822',
  'Content-Disposition: attachment; filename="aviso.eml"',
  '',
  'From: avisos@sat.example',
  'To: marta@cliente.mx',
  'Subject: Aviso de rechazo',
  'Date: Mon, 23 Nov 2026 18:00:00 -0600',
  'Message-ID: <aviso-1@sat.example>',
  '',
  'Su CFDI fue rechazado.',
  'Motivo: sello inválido.',
  '',
  '--b1',
  'Content-Type: text/csv; charset=utf-8; name="reporte.csv"',
  'Content-Disposition: attachment; filename="reporte.csv"',
  '',
  'folio,estado',
  '88,rechazado',
  '',
  '--b1--',
  '',
].join('\n');

describe.skipIf(!dovecotAvailable() || !cliBuilt)('a mail with unencoded text attachments through the MTA pipe and over IMAP', () => {
  const fixture = dovecotDaemonPerFile('ventanilla-text-attachments-');

  it('is one ticket, and the second copy is logged as a duplicate of it', async () => {
    const env = fixture.env();
    const dovecot = fixture.dovecot();
    const first = await runCli(['ingest', '-', '--json'], { env, input: written });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ outcome: 'created', ticket: 1000 });

    await dovecot.deliver(written, { from: 'marta@cliente.mx', to: dovecot.user });
    const db = await fixture.start();
    await waitFor(async () => (await db.inboundLog.count({ where: { source: 'imap' } })) === 1, 'the daemon to record the mailbox copy');

    const log = await db.inboundLog.findMany({ orderBy: { id: 'asc' }, select: { source: true, outcome: true, ticketNumber: true } });
    expect(log).toEqual([
      { source: 'stdin', outcome: 'created', ticketNumber: 1000 },
      { source: 'imap', outcome: 'duplicate', ticketNumber: 1000 },
    ]);
    expect(await db.ticket.count()).toBe(1);
  }, 30_000);
});

describe('a refused mail with unencoded text attachments, and its other copy', () => {
  it('is refused once: the copy is a duplicate, and no second refusal is sent', async () => {
    const app = await createTestApp({ UNKNOWN_SENDER_POLICY: 'reject' });
    try {
      // Its log row is all a refused mail leaves: the copy is known by the fingerprint logged with it.
      const fromMailbox = await app.pipeline.ingest(Buffer.from(written.replace(/\n/g, '\r\n')), { source: 'imap' });
      expect(fromMailbox.outcome).toBe('rejected');
      const piped = await app.pipeline.ingestStream(Readable.from([Buffer.from(written)]), { source: 'stdin' });
      expect(piped.outcome).toBe('duplicate');
      expect(await app.db.outboxMail.count({ where: { template: 'access_denied' } })).toBe(1);
    } finally {
      await app.dispose();
    }
  });
});

describe('a second mail under a Message-ID already recorded, with unencoded text attachments, and its other copy', () => {
  it('is one more ticket, not two: its copy is a duplicate of it', async () => {
    const app = await createTestApp();
    try {
      // The first mail under the ID: other words, no attachment.
      const first = written.replace(/No puedo timbrar la factura 88[^\n]*/, 'Otra consulta.').replace(/\n--b1\nContent-Type: message[\s\S]*--b1--\n/, '\n--b1--\n');
      expect((await app.pipeline.ingest(Buffer.from(first), { source: 'file' })).outcome).toBe('created');
      const second = await app.pipeline.ingest(Buffer.from(written.replace(/\n/g, '\r\n')), { source: 'imap' });
      expect(second.outcome).toBe('created');
      const copy = await app.pipeline.ingestStream(Readable.from([Buffer.from(written)]), { source: 'stdin' });
      expect(copy).toMatchObject({ outcome: 'duplicate', ticketNumber: second.ticketNumber });
      expect(await app.db.ticket.count()).toBe(2);
    } finally {
      await app.dispose();
    }
  });
});
