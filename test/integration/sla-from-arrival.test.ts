import { describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// The SLA clock counts from when the customer's mail reached the support mailbox (IMAP INTERNALDATE, a Maildir's
// delivery time), as the customer's own windows do (lifecycle-windows.test.ts): a mail the gateway read late (the
// daemon down, the IMAP server unreachable, a backlog) is no later for the customer who wrote it. Counted from the
// reading, an urgent mail that waited six hours was promised an answer eight hours after it was written, and its
// breach escalated to nobody. Mexico City, UTC-6; Mon-Fri 08-20.

const suite = timeTravelSuite();
let tt: TimeTravel;

const MX = (local: string) => `${local}-06:00`;
const URGENT = 'El timbrado está caído para toda la empresa.\nImpacto: Alto\nUrgencia: Alta';

/** A mail that reached the mailbox at `arrived` and is read by the gateway at `read`. */
const readLate = (arrived: string, read: string, raw: Buffer) => tt.ingest(MX(read), raw, MX(arrived));

describe('a new ticket read after it reached the mailbox', () => {
  it('is due 2 business hours after it arrived (urgent), and the warning and the breach come then', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    // Reached the mailbox at 08:05; the gateway read it at 09:00.
    const r = await readLate('2026-11-23T08:05:00', '2026-11-23T09:00:00', mail({ headers: { Subject: 'Timbrado caído' }, body: URGENT }));
    const number = r.ticketNumber as number;
    const [ack] = tt.take();
    expect(ack?.text).toMatch(/Respuesta a más tardar: lunes, 23 de noviembre de 2026,? 10:05/);
    expect((await tt.ticket(number)).firstResponseDueAt).toBe(new Date(MX('2026-11-23T10:05:00')).toISOString());
    // 75% of 2 h after 08:05 is 09:35; the breach at 10:05.
    expect((await tt.tick(MX('2026-11-23T09:34:00'))).sla).toEqual({});
    expect((await tt.tick(MX('2026-11-23T09:35:00'))).sla).toEqual({ warned: 1 });
    expect((await tt.tick(MX('2026-11-23T10:05:00'))).sla).toEqual({ escalated: 1 });
  });

  it('already past its target when read: the customer is promised no time gone, and the next check escalates', async () => {
    tt = await suite.start(MX('2026-11-23T14:00:00'));
    await readLate('2026-11-23T08:05:00', '2026-11-23T14:00:00', mail({ headers: { Subject: 'Timbrado caído' }, body: URGENT }));
    const [ack] = tt.take();
    expect(ack?.text).toMatch(/Respuesta: a la brevedad posible/);
    expect(ack?.text).not.toMatch(/más tardar/);
    // 10:05 (100%), 11:05 (150%) and 12:05 (200%) have all passed: every level at once, to those named for it.
    expect((await tt.tick(MX('2026-11-23T14:00:30'))).sla).toEqual({ escalated: 1 });
    expect(tt.take().map((m) => m.to.join())).toEqual(['lead@example.test', 'manager@example.test']);
  });
});

describe('a mail older than the mailbox\'s last read', () => {
  it('moved into the inbox with its old date (another folder, a restore, a migration): due from that last read, not escalated at once', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    // Reached some mailbox in March; the gateway had read the inbox at 08:55 and finds it there at 09:00.
    const r = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Subject: 'Timbrado caído' }, body: URGENT }), MX('2026-03-02T10:00:00'), MX('2026-11-23T08:55:00'));
    const number = r.ticketNumber as number;
    expect((await tt.ticket(number)).firstResponseDueAt).toBe(new Date(MX('2026-11-23T10:55:00')).toISOString());
    const [ack] = tt.take();
    expect(ack?.text).toMatch(/Respuesta a más tardar: lunes, 23 de noviembre de 2026,? 10:55/);
    expect((await tt.tick(MX('2026-11-23T09:00:30'))).sla).toEqual({});
    expect(tt.take()).toEqual([]);
  });

  it('imported from a file (an archive, a Maildir restored): due from the import, whatever its delivery date', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const raw = mail({ headers: { Subject: 'Timbrado caído' }, body: URGENT });
    const r = await tt.app.pipeline.ingest(raw, { source: 'file', sourceRef: 'archive/1733000000.M1P1.host', arrivedAt: new Date(MX('2024-11-30T12:00:00')) });
    expect((await tt.ticket(r.ticketNumber as number)).firstResponseDueAt).toBe(new Date(MX('2026-11-23T11:00:00')).toISOString());
    expect((await tt.tick(MX('2026-11-23T09:00:30'))).sla).toEqual({});
  });
});

describe("a customer's answer read after it reached the mailbox", () => {
  it('pending -> open: the SLA clock runs again from the answer, not from the reading', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const created = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Subject: 'Timbrado caído' }, body: URGENT }));
    const number = created.ticketNumber as number;
    tt.take();
    // 10:00: the first answer asks for the XML (1 business hour used of the urgent ticket's 24 h resolution target).
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, '¿Nos envía el XML?', 'pending');
    const [asked] = tt.take();
    // The XML reached the mailbox on Tuesday at 09:00; the gateway read it at 15:00.
    const answer = mail({ headers: { 'In-Reply-To': (asked as SeenMail).messageId, References: (asked as SeenMail).messageId, Subject: `Re: ${(asked as SeenMail).subject}` }, body: 'Adjunto el XML.' });
    expect((await readLate('2026-11-24T09:00:00', '2026-11-24T15:00:00', answer)).outcome).toBe('comment');
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    // 23 h left from Tuesday 09:00: Tuesday 11 h (to 20:00), Wednesday 12 h: due Wednesday 20:00.
    expect(ticket.resolutionDueAt).toBe(new Date(MX('2026-11-25T20:00:00')).toISOString());
  });

  it('an answer that reached the mailbox before support asked runs the clock from the question, not twice', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const created = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Subject: 'Timbrado caído' }, body: URGENT }));
    const number = created.ticketNumber as number;
    const [ack] = tt.take();
    // 10:00: support asks (1 h used); the customer's further details had reached the mailbox at 09:30, read at 10:30.
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, '¿Nos envía el XML?', 'pending');
    tt.take();
    const more = mail({ headers: { 'In-Reply-To': (ack as SeenMail).messageId, References: (ack as SeenMail).messageId, Subject: `Re: ${(ack as SeenMail).subject}` }, body: 'Les mando más detalles.' });
    await readLate('2026-11-23T09:30:00', '2026-11-23T10:30:00', more);
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    // Paused from 10:00 (the question): running again from 10:00, 23 h left: due Tuesday 21:00 -> Wednesday 09:00.
    expect(ticket.resolutionDueAt).toBe(new Date(MX('2026-11-25T09:00:00')).toISOString());
  });
});
