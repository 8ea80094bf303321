import { describe, expect, it } from 'vitest';
import { composeDeferredNotices } from '../../src/outbound/deferred-notices.js';
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

/** The answer as the IMAP source hands it over: read at `read`, received by the mailbox at `arrived`. */
async function readLate(read: string, arrived: string, to: SeenMail, body: string, from?: string) {
  const raw = mail({ headers: { 'In-Reply-To': to.messageId, References: to.messageId, Subject: `Re: ${to.subject}`, ...(from ? { From: from } : {}) }, body });
  await tt.tick(read);
  const result = await tt.app.pipeline.ingest(raw, { source: 'imap', sourceRef: 'INBOX:7', arrivedAt: new Date(arrived) });
  await tt.flush();
  return result;
}

describe('an answer already on the mail server when the timer closed the ticket, read after it (INTERNALDATE)', () => {
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

describe('what the customer reads when such a close is undone', () => {
  // Both kinds are due Fri 20 Nov 10:00 (Mon 16 Nov is a holiday): pending 60 business hours after Thu 12 Nov
  // 10:00, solved 84 after Tue 10 Nov 10:00. The answer reaches the mailbox at 09:59:50, the tick closes at 10:00:05.
  const LEFT = { pending: '2026-11-12T10:00:00', solved: '2026-11-10T10:00:00' } as const;
  const DUE = '2026-11-20T10:00:05';

  /** A ticket the agent leaves pending or solved; returns its number and that notice (the mails so far are taken). */
  async function leftWaiting(status: 'pending' | 'solved', from = 'Ana Pérez <ana@cliente.mx>') {
    const opened = await tt.ingest(MX(LEFT[status].replace('10:00', '09:00')), mail({ headers: { From: from, Subject: 'No puedo timbrar' } }));
    const number = opened.ticketNumber as number;
    await tt.agentReply(MX(LEFT[status]), number, status === 'pending' ? '¿Nos envía el XML?' : 'Actualice a la versión 5.2.', status);
    const notice = tt.take().find((m) => m.subject.startsWith('Re: ')) as SeenMail;
    return { number, notice };
  }

  const outbox = async (ticketNumber: number) =>
    (await tt.app.db.outboxMail.findMany({ where: { ticket: { number: ticketNumber } }, orderBy: { id: 'asc' } })).map((m) => [m.template, m.status]);

  type Waiting = Awaited<ReturnType<typeof leftWaiting>>;

  /** The answers to the solved and the pending ticket, in time, read after the tick. */
  async function bothAnswerInTime(solved: Waiting, pending: Waiting) {
    await readLate(MX('2026-11-20T10:00:20'), MX('2026-11-20T09:59:50'), solved.notice, 'Sigue sin funcionar.');
    await readLate(MX('2026-11-20T10:00:25'), MX('2026-11-20T09:59:55'), pending.notice, 'Adjunto el XML.');
  }

  /** Closing mails cancelled, and what an answer read before the tick gets: a solved ticket's reopening; for a pending one, none. */
  async function expectNoCorrection(solved: Waiting, pending: Waiting) {
    const mails = tt.take();
    expect(mails.map((m) => m.subject)).toEqual([`Re: [#${solved.number}] No puedo timbrar`]);
    expect(mails[0]?.text).toContain(`Recibimos su respuesta sobre la solución enviada y reabrimos su ticket #${solved.number}.`);
    expect(await outbox(solved.number)).toEqual([['acknowledgement', 'sent'], ['solved', 'sent'], ['closed', 'cancelled'], ['reopened', 'sent']]);
    expect(await outbox(pending.number)).toEqual([['acknowledgement', 'sent'], ['pending', 'sent'], ['closed', 'cancelled']]);
  }

  it('pending, the closed mail already sent: the next one says plainly that the ticket stays open, the answer having come in time', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number, notice } = await leftWaiting('pending');
    expect((await tt.tick(MX(DUE))).timers).toEqual({ closed: 1 });
    await readLate(MX('2026-11-20T10:00:20'), MX('2026-11-20T09:59:50'), notice, 'Adjunto el XML.');
    expect((await tt.ticket(number)).status).toBe('open');
    const mails = tt.take();
    expect(mails.map((m) => [m.subject, m.autoSubmitted])).toEqual([[`Re: [#${number}] No puedo timbrar`, 'auto-generated'], [`Re: [#${number}] No puedo timbrar`, 'auto-replied']]);
    expect(mails[0]?.text).toContain('No recibimos la información que le solicitamos en 5 días hábiles, por lo que cerramos el ticket.');
    expect(mails[1]?.text).toContain(
      `Le avisamos que su ticket #${number} «No puedo timbrar» se había cerrado por falta de respuesta, pero su respuesta nos llegó a tiempo, ` +
        'dentro del plazo de 5 días hábiles: el cierre fue un error y el ticket sigue abierto, en estado «Abierto».',
    );
    expect(mails[1]?.text).toContain('No se creó ningún ticket de seguimiento');
    expect(await outbox(number)).toEqual([['acknowledgement', 'sent'], ['pending', 'sent'], ['closed', 'sent'], ['close_undone', 'sent']]);
  });

  it('solved (in English), the closed mail already sent: the next one says the reply about the solution came in time; the close queued no survey', async () => {
    tt = await suite.start(MX('2026-11-10T09:00:00'), { CSAT_ENABLED: 'true' });
    await tt.app.db.contact.create({ data: { email: 'john@acme.example', name: 'John', country: 'US' } });
    const { number, notice } = await leftWaiting('solved', 'John <john@acme.example>');
    expect((await tt.tick(MX(DUE))).timers).toEqual({ closed: 1 });
    const reply = await readLate(MX('2026-11-20T10:00:20'), MX('2026-11-20T09:59:50'), notice, 'Still failing.', 'John <john@acme.example>');
    expect(reply).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    const mails = tt.take();
    expect(mails.map((m) => [m.subject, m.lang])).toEqual([[`Re: [#${number}] No puedo timbrar`, 'en'], [`Re: [#${number}] No puedo timbrar`, 'en']]);
    expect(mails[0]?.text).toContain('We received no objection to the solution within 7 business days, so we take it as accepted and have closed the ticket.');
    expect(mails[1]?.text).toContain(
      `We let you know that your ticket #${number} “No puedo timbrar” had been closed with the solution taken as accepted, but your reply about the ` +
        'solution reached us in time, within the 7 business days allowed: the closure was a mistake and the ticket remains open (“Open”).',
    );
    // The CSAT survey went with the solution, 7 business days before; neither the close nor its undoing queued one.
    expect(await outbox(number)).toEqual([['acknowledgement', 'sent'], ['solved', 'sent'], ['csat_survey', 'sent'], ['closed', 'sent'], ['close_undone', 'sent']]);
  });

  it('pending and solved, the closed mail still unsent (the SMTP server down since the tick): cancelled, kept as such, never sent', async () => {
    tt = await suite.start(MX('2026-11-10T09:00:00'));
    const solved = await leftWaiting('solved');
    const pending = await leftWaiting('pending');
    await suite.smtp.down();
    try {
      expect((await tt.tick(MX(DUE))).timers).toEqual({ closed: 2 });
      await bothAnswerInTime(solved, pending);
    } finally {
      await suite.smtp.up();
    }
    // The scheduler's own drain job (wall clock) met the server down and pauses drains for 30 s of the wall clock.
    await tt.app.drainer().drain(() => new Date(Date.now() + 60_000));
    await expectNoCorrection(solved, pending);
    for (const number of [solved.number, pending.number]) {
      const ticket = await tt.ticket(number);
      expect(ticket.status).toBe('open');
      expect(ticket.events.find((e) => e.type === 'notice_cancelled')?.detail).toMatch(/^closed: not sent: the customer's answer reached the mailbox in time \(2026-11-20T15:59:5[05].000Z\), the close was undone$/);
    }
  });
  it('pending and solved, the closed mail refused by the server (451 to its end): it never reached them, so cancelled as if unsent, no correction', async () => {
    // The scheduler's own drain job tries on the wall clock, days after these instants: retries kept for 100 days.
    tt = await suite.start(MX('2026-11-10T09:00:00'), { OUTBOX_RETRY_HOURS: '2400' });
    const solved = await leftWaiting('solved');
    const pending = await leftWaiting('pending');
    suite.smtp.failWith = 451;
    expect((await tt.tick(MX(DUE))).timers).toEqual({ closed: 2 });
    suite.smtp.failWith = null;
    expect(await tt.app.db.outboxMail.findMany({ where: { template: 'closed' }, select: { status: true, attempts: true, mayHaveReached: true } })).toEqual([
      { status: 'pending', attempts: 1, mayHaveReached: false },
      { status: 'pending', attempts: 1, mayHaveReached: false },
    ]);
    await bothAnswerInTime(solved, pending);
    await tt.app.drainer().drain(() => new Date(Date.now() + 3_600_000));
    await expectNoCorrection(solved, pending);
    for (const number of [solved.number, pending.number]) {
      const detail = (await tt.ticket(number)).events.find((e) => e.type === 'notice_cancelled')?.detail;
      expect(detail).toMatch(/^closed: not sent: the customer's answer reached the mailbox in time \(.*\), the close was undone; refused by the mail server at its 1 try, never delivered \(last: .*451 Try again later\)$/);
    }
  });
  it('pending, the closed mail refused for good (550 to its end): failed, the ticket told; it never reached them, so no correction', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number, notice } = await leftWaiting('pending');
    suite.smtp.failWith = 550;
    try {
      expect((await tt.tick(MX(DUE))).timers).toEqual({ closed: 1 });
    } finally {
      suite.smtp.failWith = null;
    }
    await readLate(MX('2026-11-20T10:00:20'), MX('2026-11-20T09:59:50'), notice, 'Adjunto el XML.');
    expect(tt.take()).toEqual([]);
    expect(await outbox(number)).toEqual([['acknowledgement', 'sent'], ['pending', 'sent'], ['closed', 'failed']]);
    expect((await tt.ticket(number)).events.map((e) => e.type)).toContain('notification_failed');
  });
  it('pending, the closed mail\'s connection lost after its end, the server\'s answer with it: it may have reached them, so the correction is sent', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'), { OUTBOX_RETRY_HOURS: '2400' });
    const { number, notice } = await leftWaiting('pending');
    suite.smtp.dropAfterDot = 1;
    expect((await tt.tick(MX(DUE))).timers).toEqual({ closed: 1 });
    expect(suite.smtp.droppedAfterDot.at(-1)?.toString('latin1')).toContain('cerramos el ticket');
    await readLate(MX('2026-11-20T10:00:20'), MX('2026-11-20T09:59:50'), notice, 'Adjunto el XML.');
    await tt.app.drainer().drain(() => new Date(Date.now() + 3_600_000));
    const mails = tt.take();
    expect(mails.map((m) => m.subject)).toEqual([`Re: [#${number}] No puedo timbrar`]);
    expect(mails[0]?.text).toContain('el cierre fue un error y el ticket sigue abierto');
    expect(await outbox(number)).toEqual([['acknowledgement', 'sent'], ['pending', 'sent'], ['closed', 'cancelled'], ['close_undone', 'sent']]);
    expect((await tt.ticket(number)).events.find((e) => e.type === 'notice_cancelled')?.detail).toMatch(/the close was undone; a try may have left it with the customer, so they are told the close was a mistake$/);
  });
  it('pending, the closed mail taken by the customer\'s server and refused for now for the copy (451 to RCPT TO): the customer has it, so the correction is sent', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'), { OUTBOX_RETRY_HOURS: '2400' });
    const { number, notice } = await leftWaiting('pending');
    await tt.app.db.ticketCc.create({ data: { ticket: { connect: { number } }, email: 'luis@cliente.mx' } });
    suite.smtp.refuseRecipients.set('luis@cliente.mx', 451);
    try {
      expect((await tt.tick(MX(DUE))).timers).toEqual({ closed: 1 });
    } finally {
      suite.smtp.refuseRecipients.clear();
    }
    expect(tt.take().map((m) => [m.to, m.subject])).toEqual([[['ana@cliente.mx'], `Re: [#${number}] No puedo timbrar`]]);
    await readLate(MX('2026-11-20T10:00:20'), MX('2026-11-20T09:59:50'), notice, 'Adjunto el XML.');
    expect(tt.take().map((m) => m.text).join()).toContain('el cierre fue un error y el ticket sigue abierto');
    expect(await outbox(number)).toEqual([['acknowledgement', 'sent'], ['pending', 'sent'], ['closed', 'cancelled'], ['close_undone', 'sent']]);
  });
  it('read in a backlog (the daemon restarted after the tick), the correction is owed, then sent in the customer\'s words once caught up', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number, notice } = await leftWaiting('pending');
    expect((await tt.tick(MX(DUE))).timers).toEqual({ closed: 1 });
    tt.app.lifecycle.notices.deferAutomatic = () => true;
    await readLate(MX('2026-11-20T10:00:20'), MX('2026-11-20T09:59:50'), notice, 'Adjunto el XML.');
    expect(await tt.app.db.deferredNotice.count()).toBe(1);
    tt.app.lifecycle.notices.deferAutomatic = () => false;
    await composeDeferredNotices(tt.app.db, tt.app.lifecycle.notices, tt.app.log);
    await tt.flush();
    const mails = tt.take();
    expect(mails.map((m) => m.subject)).toEqual([`Re: [#${number}] No puedo timbrar`, `Re: [#${number}] No puedo timbrar`]);
    expect(mails[1]?.text).toContain('se había cerrado por falta de respuesta, pero su respuesta nos llegó a tiempo, dentro del plazo de 5 días hábiles');
  });
});
