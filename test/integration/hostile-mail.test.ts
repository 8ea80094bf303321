import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSignedMessageId } from '../../src/domain/thread-refs.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { readRawMail } from '../../src/store/raw-mails.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp({ AUTO_MAIL_LIMIT: '3', AUTO_MAIL_WINDOW_MINUTES: '60' });
});
afterEach(async () => app.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const outbox = () => app.db.outboxMail.findMany({ orderBy: { id: 'asc' } });

describe('machine-written and looping mail', () => {
  it('an out-of-office answer to our acknowledgement becomes an internal note: no status change, no SLA change, no answer', async () => {
    const first = await ingest(mail({ headers: { 'Message-ID': '<q1@cliente.mx>' } }));
    const ack = (await outbox())[0];
    const before = await app.db.ticket.findUniqueOrThrow({ where: { number: first.ticketNumber as number } });
    const r = await ingest(mail({ headers: { Subject: 'Respuesta automática: ...', 'Auto-Submitted': 'auto-replied', 'In-Reply-To': `<${ack?.messageId}>` } }));
    expect(r).toMatchObject({ outcome: 'auto_reply', ticketNumber: first.ticketNumber });
    const after = await app.db.ticket.findUniqueOrThrow({ where: { number: first.ticketNumber as number } });
    expect(after.status).toBe(before.status);
    expect(after.firstResponseDueAt).toEqual(before.firstResponseDueAt);
    expect(after.slaNextCheckAt).toEqual(before.slaNextCheckAt);
    const t = await showTicket(app.db, first.ticketNumber as number);
    expect(t?.messages.at(-1)).toMatchObject({ direction: 'in', internal: true });
    expect(t?.events.at(-1)?.type).toBe('automatic_reply');
    expect(await outbox()).toHaveLength(1);
  });

  it('an out-of-office answering no ticket opens none', async () => {
    const r = await ingest(mail({ headers: { Subject: 'Out of Office', 'X-Autoreply': 'yes' } }));
    expect(r).toMatchObject({ outcome: 'auto_reply', ticketNumber: null });
    expect(await app.db.ticket.count()).toBe(0);
    expect(await outbox()).toHaveLength(0);
  });

  it('machine-generated mail (a monitoring alert) is a ticket, but gets no acknowledgement', async () => {
    const r = await ingest(mail({ headers: { From: 'alertas@monitor.cliente.mx', 'Auto-Submitted': 'auto-generated', Subject: 'Servidor caído' } }));
    expect(r.outcome).toBe('created');
    expect(r.detail).toMatch(/no answer sent/);
    expect(await outbox()).toHaveLength(0);
  });

  it('an automatic reply to a solved ticket does not reopen it', async () => {
    const first = await ingest(mail({ headers: { 'Message-ID': '<q2@cliente.mx>' } }));
    await app.db.ticket.update({ where: { number: first.ticketNumber as number }, data: { status: 'solved' } });
    const r = await ingest(mail({ headers: { 'Auto-Submitted': 'auto-replied', 'In-Reply-To': '<q2@cliente.mx>' } }));
    expect(r.outcome).toBe('auto_reply');
    expect((await app.db.ticket.findUniqueOrThrow({ where: { number: first.ticketNumber as number } })).status).toBe('solved');
  });

  it('our own mail coming back is recognised as a loop and not processed', async () => {
    const ours = createSignedMessageId('test-secret-key-0123456789', 1000, 'example.test');
    expect(await ingest(mail({ headers: { 'Message-ID': `<${ours}>` } }))).toMatchObject({ outcome: 'loop', ticketNumber: null });
    expect(await ingest(mail({ headers: { 'X-Loop': 'soporte@example.test' } }))).toMatchObject({ outcome: 'loop' });
    expect(await ingest(mail({ headers: { From: 'soporte@example.test' } }))).toMatchObject({ outcome: 'loop' });
    expect(await app.db.ticket.count()).toBe(0);
  });

  it('automatic mail to one address is capped per window, whatever the headers say, and the cap is recorded', async () => {
    // A responder that sets no header at all and writes a new subject each time: each mail is a new ticket.
    for (let i = 0; i < 5; i++) await ingest(mail({ headers: { From: 'robot@responder.example', Subject: `Recibido ${i}` } }));
    const acks = (await outbox()).filter((m) => m.primaryTo === 'robot@responder.example');
    expect(acks).toHaveLength(3);
    const capped = await app.db.ticketEvent.findMany({ where: { type: 'notice_capped' } });
    expect(capped).toHaveLength(2);
    expect(capped[0]?.detail).toMatch(/3 automatic mails already in the window/);
    // Another customer is not affected.
    await ingest(mail({ headers: { From: 'bea@cliente.mx' } }));
    expect((await outbox()).filter((m) => m.primaryTo === 'bea@cliente.mx')).toHaveLength(1);
  });

  it('an oversize mail: kept raw, a ticket for support, the sender told once how to send it', async () => {
    const small = await createTestApp({ MAX_MESSAGE_BYTES: '2000' });
    try {
      const raw = mail({ headers: { Subject: 'Factura con anexos' }, body: 'x'.repeat(5000) });
      const first = await small.pipeline.ingest(raw, { source: 'file' });
      const again = await small.pipeline.ingest(raw, { source: 'file' });
      expect([first.outcome, again.outcome]).toEqual(['too_large', 'duplicate']);
      const t = await showTicket(small.db, first.ticketNumber as number);
      expect(t).toMatchObject({ subject: 'Factura con anexos', requester: 'ana@cliente.mx' });
      expect(t?.messages[0]?.text).toMatch(/the mail was not parsed; its raw copy is kept as ([0-9a-f]{64}) \(ventanilla raw-mail \1 writes it out\)/);
      expect((await readRawMail(small.db, small.blobs, first.rawSha256))?.equals(raw)).toBe(true);
      const notices = await small.db.outboxMail.findMany();
      expect(notices.map((n) => n.template)).toEqual(['too_large']);
      expect(notices[0]?.subject).toMatch(/por su tamaño/);
      expect(notices[0]?.text).toMatch(/\.zip/);
    } finally {
      await small.dispose();
    }
  });

  it('a bounce of our acknowledgement is never a ticket: it becomes an internal note on the ticket', async () => {
    const first = await ingest(mail({ headers: { 'Message-ID': '<b1@cliente.mx>' } }));
    const ack = (await outbox())[0];
    const dsn = [
      'From: Mail Delivery System <MAILER-DAEMON@mx.cliente.mx>',
      'To: soporte@example.test',
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <dsn-1@mx.cliente.mx>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="R"',
      '',
      '--R',
      'Content-Type: text/plain',
      '',
      'I\'m sorry to have to inform you that your message could not be delivered.',
      '--R',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.cliente.mx',
      '',
      'Final-Recipient: rfc822; ana@cliente.mx',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 <ana@cliente.mx>: Recipient address rejected: User unknown',
      '--R',
      'Content-Type: text/rfc822-headers',
      '',
      'From: soporte@example.test',
      'To: ana@cliente.mx',
      `Message-ID: <${ack?.messageId}>`,
      'Subject: acuse',
      '--R--',
      '',
    ].join('\r\n');
    const r = await ingest(Buffer.from(dsn));
    expect(r).toMatchObject({ outcome: 'bounce', ticketNumber: first.ticketNumber });
    expect(r.detail).toMatch(/ana@cliente\.mx: hard bounce 5\.1\.1/);
    expect(await app.db.ticket.count()).toBe(1);
    const t = await showTicket(app.db, first.ticketNumber as number);
    expect(t?.messages.at(-1)).toMatchObject({ internal: true, from: 'mailer-daemon@mx.cliente.mx' });
    expect(t?.events.at(-1)?.type).toBe('notification_bounced');
    expect(await outbox()).toHaveLength(1);
  });

  it('a stranger cannot set headers only Ventanilla sets', async () => {
    const r = await ingest(mail({ headers: { 'X-Ventanilla-Ticket': '1' } }));
    expect(r.outcome).toBe('created');
  });
});
