import { describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// The timer closes a pending or solved ticket at its deadline (DOMAIN.md rules 3 and 4) when the mailbox was read
// lately; an answer can still reach the server in the seconds before and be read after (the next poll), or wait
// while an operator's `scheduler run-once` closes with the daemon down. It was in time: it does what it would have
// done if read before the close, instead of opening a follow-up. Mexico City, UTC-6; Mon-Fri 08-20.

const suite = timeTravelSuite();
let tt: TimeTravel;

const MX = (local: string) => `${local}-06:00`;

async function openTicket(local: string, subject: string): Promise<number> {
  const r = await tt.ingest(MX(local), mail({ headers: { Subject: subject } }));
  tt.take();
  return r.ticketNumber as number;
}

describe('an answer already on the mail server when the timer closed the ticket, read after it (INTERNALDATE)', () => {
  /** The answer as the IMAP source hands it over: read at `read`, received by the mailbox at `arrived`. */
  async function readLate(read: string, arrived: string, to: SeenMail, body: string) {
    const raw = mail({ headers: { 'In-Reply-To': to.messageId, References: to.messageId, Subject: `Re: ${to.subject}` }, body });
    await tt.tick(read);
    const result = await tt.app.pipeline.ingest(raw, { source: 'imap', sourceRef: 'INBOX:7', arrivedAt: new Date(arrived) });
    await tt.flush();
    return result;
  }

  it('pending: the close is undone, the same ticket opens with the answer, and the customer is told it goes on; no follow-up', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const number = await openTicket('2026-11-12T09:00:00', 'No puedo timbrar');
    await tt.agentReply(MX('2026-11-12T10:00:00'), number, '¿Nos envía el XML?', 'pending');
    const [asked] = tt.take();
    // Due Fri 20 Nov 10:00. The answer reached the mailbox at 09:59:50; the tick at 10:00:05 closed the ticket.
    expect((await tt.tick(MX('2026-11-20T10:00:05'))).timers).toEqual({ closed: 1 });
    tt.take();
    const reply = await readLate(MX('2026-11-20T10:00:20'), MX('2026-11-20T09:59:50'), asked as SeenMail, 'Adjunto el XML.');
    expect(reply).toMatchObject({ outcome: 'comment', ticketNumber: number });
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect(ticket.events.at(-1)).toMatchObject({ type: 'customer_answered', fromStatus: 'closed', toStatus: 'open' });
    const mails = tt.take();
    expect(mails.map((m) => m.subject)).toEqual([`Re: [#${number}] No puedo timbrar`]);
    expect(mails[0]?.text).toContain('«Abierto»');
    expect(await tt.tick(MX('2026-11-20T10:01:00'))).toEqual({ timers: {}, sla: {} });
  });

  it('solved: the answer in time reopens the same ticket; one that reached the mailbox after the deadline opens a follow-up', async () => {
    tt = await suite.start(MX('2026-11-13T11:00:00'));
    const inTime = await openTicket('2026-11-13T11:00:00', 'Error en nómina');
    const late = await openTicket('2026-11-13T11:00:00', 'Error en timbrado');
    await tt.agentReply(MX('2026-11-13T12:00:00'), inTime, 'Actualice a la versión 5.2.', 'solved');
    await tt.agentReply(MX('2026-11-13T12:00:00'), late, 'Actualice a la versión 5.3.', 'solved');
    const [solvedA, solvedB] = tt.take().filter((m) => /Actualice/.test(m.text));
    // Due Wed 25 Nov 12:00; the tick closes both at 12:00:30.
    expect((await tt.tick(MX('2026-11-25T12:00:30'))).timers).toEqual({ closed: 2 });
    tt.take();
    const reopened = await readLate(MX('2026-11-25T12:01:00'), MX('2026-11-25T11:59:00'), solvedA as SeenMail, 'Sigue sin funcionar.');
    expect(reopened).toMatchObject({ outcome: 'reopened', ticketNumber: inTime });
    expect((await tt.ticket(inTime)).status).toBe('open');
    const followUp = await readLate(MX('2026-11-25T12:01:30'), MX('2026-11-25T12:00:10'), solvedB as SeenMail, 'Sigue sin funcionar.');
    expect(followUp.outcome).toBe('followup');
    expect((await tt.ticket(late)).status).toBe('closed');
  });
});
