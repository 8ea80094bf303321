import { describe, expect, it } from 'vitest';
import { runLifecycleTimers } from '../../src/lifecycle/jobs.js';
import { composeDeferredNotices } from '../../src/outbound/deferred-notices.js';
import { mail } from '../support/app.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// Lifecycle timers by time travel (DOMAIN.md rules 3-5): the real scheduler jobs run with explicit instants,
// the customer's mail goes through the pipeline, and what the customer sees is the ticket and the mail that
// reached a real SMTP server. Mexico City is UTC-6 all year (no DST since 2022); the calendar is Mon-Fri
// 08:00-20:00 with the Mexican public holidays of the library (16 Nov 2026, 25 Dec 2026, 1 Jan 2027).

const suite = timeTravelSuite();
let tt: TimeTravel;

const MX = (local: string) => `${local}-06:00`;
const ANA = 'ana@cliente.mx';
const nothing = { timers: {}, sla: {} };

/** A customer's new ticket at `local` time, then its acknowledgement taken off the peer. */
async function openTicket(local: string, headers: Record<string, string> = {}, body = 'Hola, necesito ayuda.'): Promise<{ number: number; ack: SeenMail }> {
  const r = await tt.ingest(MX(local), mail({ headers, body }));
  expect(r.outcome).toBe('created');
  const [ack, ...rest] = tt.take();
  expect(rest).toEqual([]);
  return { number: r.ticketNumber as number, ack: ack as SeenMail };
}

const eventTypes = async (n: number) => (await tt.ticket(n)).events.map((e) => e.type);

describe('pending customer: reminder at 36 business hours, auto-close at 60 (rule 3)', () => {
  it('across a weekend and the Revolución holiday (Mon 16 Nov 2026), once each, then a reply opens a follow-up', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number } = await openTicket('2026-11-12T09:00:00', { Subject: 'No puedo timbrar' });
    // Thu 12 Nov 10:00: support asks for information.
    await tt.agentReply(MX('2026-11-12T10:00:00'), number, '¿Nos envía el XML de la factura?', 'pending');
    const [asked] = tt.take();
    expect(asked?.subject).toBe(`Re: [#${number}] No puedo timbrar`);
    // The deadline the customer is shown: 60 business hours = Fri 20 Nov 10:00 (Thu 10 h, Fri 12, Tue 12,
    // Wed 12, Thu 12, Fri 2), not a naive 60 h (Sat 14 Nov 22:00) nor 5 days ignoring the holiday (Thu 19).
    expect(asked?.text).toMatch(/viernes, 20 de noviembre de 2026,? 10:00/);

    // 36 business hours: Wed 18 Nov 10:00 (Thu 10 + Fri 12 + Tue 12 + Wed 2); not one millisecond before.
    expect(await tt.tick(MX('2026-11-16T12:00:00'))).toEqual(nothing); // the holiday
    expect(await tt.tick(MX('2026-11-18T09:59:59.999'))).toEqual(nothing);
    expect(tt.take()).toEqual([]);
    expect((await tt.tick(MX('2026-11-18T10:00:00'))).timers).toEqual({ reminded: 1 });
    const reminders = tt.take();
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({
      to: [ANA],
      subject: `Re: [#${number}] No puedo timbrar`,
      autoSubmitted: 'auto-generated',
      lang: 'es',
    });
    expect(reminders[0]?.text).toMatch(/20 de noviembre de 2026/);

    // Once only: the same instant again, and later instants before the close.
    expect(await tt.tick(MX('2026-11-18T10:00:00'))).toEqual(nothing);
    expect(await tt.tick(MX('2026-11-18T15:00:00'))).toEqual(nothing);
    expect(await tt.tick(MX('2026-11-19T10:00:00'))).toEqual(nothing); // 5 days without the holiday
    expect(await tt.tick(MX('2026-11-20T09:59:59.999'))).toEqual(nothing);
    expect(tt.take()).toEqual([]);
    expect((await tt.ticket(number)).status).toBe('pending');

    // 60 business hours: closed, and the customer is told.
    expect((await tt.tick(MX('2026-11-20T10:00:00'))).timers).toEqual({ closed: 1 });
    const [closed, ...more] = tt.take();
    expect(more).toEqual([]);
    expect(closed).toMatchObject({ to: [ANA], subject: `Re: [#${number}] No puedo timbrar`, autoSubmitted: 'auto-generated', lang: 'es' });
    // It says why: the customer did not send what was asked for within the window.
    expect(closed?.text).toContain('No recibimos la información que le solicitamos en 5 días hábiles, por lo que cerramos el ticket.');
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('closed');
    expect(ticket.events.filter((e) => e.type === 'pending_reminder')).toHaveLength(1);
    expect(ticket.events.at(-1)).toMatchObject({
      type: 'auto_closed', actor: 'system', fromStatus: 'pending', toStatus: 'closed', detail: 'pending_expired', at: new Date(MX('2026-11-20T10:00:00')).toISOString(),
    });
    expect(await tt.tick(MX('2026-11-23T10:00:00'))).toEqual(nothing);
    expect(tt.take()).toEqual([]);

    // Service still needed: the reply to the closed notice opens a follow-up ticket with the history.
    const follow = await tt.answer(MX('2026-11-23T11:00:00'), closed as SeenMail, 'Sigue fallando, adjunto el XML.');
    expect(follow.outcome).toBe('followup');
    expect(follow.ticketNumber).not.toBe(number);
    const [created] = tt.take();
    expect(created?.to).toEqual([ANA]);
    expect(created?.subject).toContain(`[#${follow.ticketNumber}]`);
    const next = await tt.ticket(follow.ticketNumber as number);
    expect(next).toMatchObject({ status: 'new', followUpOf: number });
    expect(next.history[0]?.number).toBe(number);
    expect((await tt.ticket(number)).status).toBe('closed');
  });
});

describe('solved: 84 business hours to validate the solution (rule 4)', () => {
  const SOLVED_AT = '2026-11-13T12:00:00'; // Fri; the window ends Wed 25 Nov 12:00 (Mon 16 is a holiday)

  it('a reply within the window reopens the ticket and the customer gets the reopened mail', async () => {
    tt = await suite.start(MX('2026-11-13T11:00:00'));
    const { number } = await openTicket('2026-11-13T11:00:00', { Subject: 'Error en nómina' });
    await tt.agentReply(MX(SOLVED_AT), number, 'Actualice a la versión 5.2 y vuelva a timbrar.', 'solved');
    const [solved] = tt.take();
    expect(solved?.subject).toBe(`Re: [#${number}] Error en nómina`);
    expect(solved?.text).toMatch(/miércoles, 25 de noviembre de 2026,? 12:00/);

    expect(await tt.tick(MX('2026-11-25T11:58:00'))).toEqual(nothing);
    // One minute before the window closes, the customer rejects the solution.
    const reply = await tt.answer(MX('2026-11-25T11:59:00'), solved as SeenMail, 'Sigue sin funcionar después de actualizar.');
    expect(reply).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    const [reopened, ...rest] = tt.take();
    expect(rest).toEqual([]);
    // An automatic answer to the customer's own mail: auto-replied (RFC 3834), not auto-generated.
    expect(reopened).toMatchObject({ to: [ANA], subject: `Re: [#${number}] Error en nómina`, autoSubmitted: 'auto-replied', lang: 'es' });
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect(ticket.events.at(-1)).toMatchObject({ type: 'reopened', fromStatus: 'solved', toStatus: 'open' });

    // The old deadline passes: nothing closes the reopened ticket.
    expect((await tt.tick(MX('2026-11-25T12:00:00'))).timers).toEqual({});
    expect((await tt.tick(MX('2026-12-03T12:00:00'))).timers).toEqual({});
    expect(tt.take().filter((m) => m.to.includes(ANA))).toEqual([]);
    expect((await tt.ticket(number)).status).toBe('open');
  });

  it('without a reply it closes at 84 business hours, not before (in English for a US contact)', async () => {
    tt = await suite.start(MX('2026-11-13T11:00:00'));
    await tt.app.db.contact.create({ data: { email: 'john@acme.example', name: 'John', country: 'US' } });
    const { number, ack } = await openTicket('2026-11-13T11:00:00', { From: 'John <john@acme.example>', Subject: 'Payroll error' });
    expect(ack.lang).toBe('en');
    await tt.agentReply(MX(SOLVED_AT), number, 'Please update to 5.2.', 'solved');
    const [solved] = tt.take();
    expect(solved?.subject).toBe(`Re: [#${number}] Payroll error`);
    expect(solved?.text).toMatch(/Wednesday, November 25, 2026,? at 12:00/);

    // A naive 84 h (Tue 17 Nov 00:00) and 7 business days ignoring the holiday (Tue 24 Nov 12:00) are too soon.
    for (const local of ['2026-11-17T00:00:00', '2026-11-24T12:00:00', '2026-11-25T11:59:59.999']) {
      expect(await tt.tick(MX(local)), local).toEqual(nothing);
    }
    expect((await tt.ticket(number)).status).toBe('solved');
    expect(tt.take()).toEqual([]);

    expect((await tt.tick(MX('2026-11-25T12:00:00'))).timers).toEqual({ closed: 1 });
    const mails = tt.take();
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: ['john@acme.example'], subject: `Re: [#${number}] Payroll error`, autoSubmitted: 'auto-generated', lang: 'en' });
    // It says why: no objection to the solution within the window, so it is taken as accepted.
    expect(mails[0]?.text).toContain('We received no objection to the solution within 7 business days, so we take it as accepted and have closed the ticket.');
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('closed');
    expect(ticket.events.at(-1)).toMatchObject({ type: 'auto_closed', fromStatus: 'solved', toStatus: 'closed', detail: 'solved_expired' });
    expect(await tt.tick(MX('2026-11-26T12:00:00'))).toEqual(nothing);
    expect(tt.take()).toEqual([]);
  });
});

describe('a pending ticket answered by the customer', () => {
  it('goes back to open, and the reminder and the auto-close of that period never fire', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number } = await openTicket('2026-11-12T09:00:00', { Subject: 'Consulta CFDI' });
    await tt.agentReply(MX('2026-11-12T10:00:00'), number, '¿Qué versión usa?', 'pending');
    const [asked] = tt.take();
    // Tue 17 Nov 09:00 (after the holiday): the customer sends the complement.
    const reply = await tt.answer(MX('2026-11-17T09:00:00'), asked as SeenMail, 'Uso la versión 5.1.');
    expect(reply).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect(tt.take()).toEqual([]); // the complement itself is not acknowledged
    let ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect(ticket.events.at(-1)).toMatchObject({ type: 'customer_answered', fromStatus: 'pending', toStatus: 'open' });

    // The old reminder (Wed 18 10:00) and close (Fri 20 10:00) instants pass, and more.
    for (const local of ['2026-11-18T10:00:00', '2026-11-20T10:00:00', '2026-11-24T10:00:00']) {
      expect((await tt.tick(MX(local))).timers, local).toEqual({});
    }
    expect(tt.take()).toEqual([]);
    ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect(ticket.events.map((e) => e.type)).not.toContain('pending_reminder');
    expect(ticket.events.map((e) => e.type)).not.toContain('auto_closed');

    // Pending again (Tue 24 Nov 10:00): a new period, with its own reminder 36 business hours later (Fri 27 10:00).
    await tt.agentReply(MX('2026-11-24T10:00:00'), number, 'Necesitamos además el RFC del emisor.', 'pending');
    tt.take();
    expect(await tt.tick(MX('2026-11-27T09:59:59.999'))).toEqual(nothing);
    expect((await tt.tick(MX('2026-11-27T10:00:00'))).timers).toEqual({ reminded: 1 });
    expect(tt.take().map((m) => m.subject)).toEqual([`Re: [#${number}] Consulta CFDI`]);
    expect((await eventTypes(number)).filter((t) => t === 'pending_reminder')).toHaveLength(1);
  });
});

describe('a reminder owed while the daemon records a backlog (README "Inbound first")', () => {
  it('is not sent once the backlog brought the customer\'s answer: no "still pending" to a ticket that is open', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number } = await openTicket('2026-11-12T09:00:00', { Subject: 'Consulta CFDI' });
    await tt.agentReply(MX('2026-11-12T10:00:00'), number, '¿Qué versión usa?', 'pending');
    const [asked] = tt.take();
    // The daemon restarts on a backlog: the 36-hour tick owes the reminder, then the backlog records the answer.
    tt.app.lifecycle.notices.deferAutomatic = () => true;
    expect(await runLifecycleTimers(tt.app.db, tt.app.lifecycle, new Date(MX('2026-11-18T10:00:00')))).toEqual({ reminded: 1 });
    expect((await tt.answer(MX('2026-11-18T10:00:05'), asked as SeenMail, 'Uso la versión 5.1.')).outcome).toBe('comment');
    tt.app.lifecycle.notices.deferAutomatic = () => false;
    await composeDeferredNotices(tt.app.db, tt.app.lifecycle.notices, tt.app.log);
    await tt.flush();
    expect(tt.take()).toEqual([]);
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect(ticket.events.at(-1)).toMatchObject({ type: 'notice_dropped', detail: expect.stringContaining('pending_reminder') });
  });
});

describe('deadlines across the year end (25 Dec 2026, 1 Jan 2027 and the weekend)', () => {
  it('pending on Wed 30 Dec 2026: reminder Tue 5 Jan 2027, closed Thu 7 Jan 2027 (in Portuguese for a contact in Portugal)', async () => {
    tt = await suite.start(MX('2026-12-30T09:00:00'));
    await tt.app.db.contact.create({ data: { email: 'joana@contabil.pt', name: 'Joana', country: 'PT' } });
    const { number } = await openTicket('2026-12-30T09:00:00', { From: 'Joana <joana@contabil.pt>', Subject: 'SAF-T' });
    await tt.agentReply(MX('2026-12-30T10:00:00'), number, 'Pode enviar o ficheiro?', 'pending');
    const [asked] = tt.take();
    expect(asked).toMatchObject({ subject: `Re: [#${number}] SAF-T`, lang: 'pt' });
    // Wed 10 h + Thu 31 Dec 12 h, Fri 1 Jan holiday, weekend, Mon 4 Jan 12 h, Tue 5 Jan 2 h = 36; close at 60.
    expect(asked?.text).toMatch(/quinta-feira, 7 de janeiro de 2027/);

    for (const local of ['2027-01-01T12:00:00', '2027-01-02T22:00:00', '2027-01-04T20:00:00', '2027-01-05T09:59:59.999']) {
      expect(await tt.tick(MX(local)), local).toEqual(nothing);
    }
    expect((await tt.tick(MX('2027-01-05T10:00:00'))).timers).toEqual({ reminded: 1 });
    const [reminder] = tt.take();
    expect(reminder).toMatchObject({
      to: ['joana@contabil.pt'], subject: `Re: [#${number}] SAF-T`, autoSubmitted: 'auto-generated', lang: 'pt',
    });
    expect(reminder?.text).toMatch(/7 de janeiro de 2027/);

    expect(await tt.tick(MX('2027-01-07T09:59:59.999'))).toEqual(nothing);
    expect((await tt.tick(MX('2027-01-07T10:00:00'))).timers).toEqual({ closed: 1 });
    expect(tt.take()).toMatchObject([{ to: ['joana@contabil.pt'], subject: `Re: [#${number}] SAF-T`, autoSubmitted: 'auto-generated', lang: 'pt' }]);
    expect((await tt.ticket(number)).status).toBe('closed');
  });

  it('solved on Thu 24 Dec 2026 closes on Wed 6 Jan 2027 12:00, skipping both holidays', async () => {
    tt = await suite.start(MX('2026-12-24T09:00:00'));
    const { number } = await openTicket('2026-12-24T09:00:00', { Subject: 'Cierre anual' });
    await tt.agentReply(MX('2026-12-24T12:00:00'), number, 'Listo: ya puede cerrar el ejercicio.', 'solved');
    const [solved] = tt.take();
    expect(solved?.text).toMatch(/miércoles, 6 de enero de 2027,? 12:00/);
    // Thu 8 h, Mon 28-Thu 31 48 h, Mon 4-Tue 5 Jan 24 h, Wed 6 Jan 4 h = 84.
    expect(await tt.tick(MX('2027-01-06T11:59:59.999'))).toEqual(nothing);
    expect((await tt.tick(MX('2027-01-06T12:00:00'))).timers).toEqual({ closed: 1 });
    expect(tt.take().map((m) => m.subject)).toEqual([`Re: [#${number}] Cierre anual`]);
    expect((await tt.ticket(number)).status).toBe('closed');
  });
});
