import { afterEach, describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { runLifecycleTimers } from '../../src/lifecycle/jobs.js';
import { mail } from '../support/app.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// A pending reminder ("we are still waiting for your information; the ticket closes on …") queued by the 36-hour
// tick while the mail server is down (the outbox waits, however long: README "Outbox") must not reach the customer
// once its pending period is over: after her answer, after an agent's new question (another deadline), or after the
// 60-hour close, it says something false. The reminder owed during a backlog was dropped so already
// (deferred-notices.ts); one already rendered into the outbox went out. Mexico City, UTC-6; Mon-Fri 08-20.

const suite = timeTravelSuite();
let tt: TimeTravel;
const MX = (local: string) => `${local}-06:00`;
let serverDown = false;
afterEach(async () => {
  if (serverDown) await suite.smtp.up();
  serverDown = false;
});

/** A ticket asked for information on Thu 12 Nov 10:00: reminder due Wed 18 Nov 10:00, close Fri 20 Nov 10:00. */
async function pendingTicket(subject: string): Promise<{ number: number; asked: SeenMail }> {
  const r = await tt.ingest(MX('2026-11-12T09:00:00'), mail({ headers: { Subject: subject } }));
  const number = r.ticketNumber as number;
  await tt.agentReply(MX('2026-11-12T10:00:00'), number, '¿Nos envía el XML de la factura?', 'pending');
  const asked = tt.take().at(-1) as SeenMail;
  expect(asked.text).toContain('XML');
  return { number, asked };
}

/**
 * The lifecycle timers at `local` while the mail server is down: what they queue cannot leave (the drain tries, at
 * that instant, and waits). Not tt.tick: the scheduler's own drain runs on the wall clock and would pause the drainer
 * until a real 30 s later.
 */
async function timersWhileDown(local: string): Promise<Record<string, number>> {
  const result = await runLifecycleTimers(tt.app.db, tt.app.lifecycle, new Date(MX(local)));
  expect(await tt.app.drainer().drain(() => new Date(MX(local)))).toMatchObject({ sent: 0, failed: 0 });
  return result;
}

/** The mail server goes down; the 36-hour tick queues the reminder (the test's only ticket's), which cannot leave. */
async function reminderStuck(): Promise<void> {
  await suite.smtp.down();
  serverDown = true;
  expect(await timersWhileDown('2026-11-18T10:00:00')).toEqual({ reminded: 1 });
  const [reminder] = await tt.app.db.outboxMail.findMany({ where: { idempotencyKey: { startsWith: 'pending_reminder:' } } });
  expect(reminder).toMatchObject({ status: 'pending', lastError: expect.stringContaining('ECONNREFUSED') });
}

/** The server is back and the drain sends what is due (well past the drain's pause after the failure). */
async function serverBack(iso: string): Promise<SeenMail[]> {
  await suite.smtp.up();
  serverDown = false;
  await tt.tick(iso);
  return tt.take();
}

const cancelled = async (number: number) => (await tt.ticket(number)).events.filter((e) => e.type === 'notice_cancelled').map((e) => e.detail);

describe('a pending reminder still queued when its pending period ends', () => {
  it('is not sent after the customer answered: no "we are still waiting" to a ticket she already answered', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number, asked } = await pendingTicket('No puedo timbrar');
    await reminderStuck();
    expect((await tt.answer(MX('2026-11-18T11:00:00'), asked, 'Adjunto el XML.')).outcome).toBe('comment');
    expect((await tt.ticket(number)).status).toBe('open');
    expect(await serverBack(MX('2026-11-18T14:00:00'))).toEqual([]);
    const reminder = (await tt.ticket(number)).messages.find((m) => m.delivery?.status === 'cancelled');
    expect(reminder?.delivery?.detail).toMatch(/^not sent: its pending period ended before it left \(customer_answered/);
    expect(await cancelled(number)).toEqual([expect.stringMatching(/^pending_reminder: not sent: its pending period ended/)]);
  });

  it('is not sent with the closing mail: the close at 60 hours takes it back, and the customer gets only the close', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number } = await pendingTicket('Error en nómina');
    await reminderStuck();
    // Still down two business days later: the tick closes the ticket, its closing mail queued behind the reminder.
    expect(await timersWhileDown('2026-11-20T10:00:00')).toEqual({ closed: 1 });
    const mails = await serverBack(MX('2026-11-20T10:30:00'));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toContain('No recibimos la información que le solicitamos en 5 días hábiles');
    expect(await cancelled(number)).toEqual([expect.stringMatching(/^pending_reminder: not sent: its pending period ended before it left \(auto_closed/)]);
  });

  it('is not sent after a new question: its closing date is no longer the one the ticket keeps to', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number } = await pendingTicket('Consulta CFDI');
    await reminderStuck();
    await tt.agentReply(MX('2026-11-18T12:00:00'), number, '¿Y el archivo de nómina?', 'pending');
    const mails = await serverBack(MX('2026-11-18T14:00:00'));
    // Only the new question, with its own deadline (Thu 26 Nov 12:00: 60 business hours from Wed 18 12:00).
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toContain('archivo de nómina');
    expect(await cancelled(number)).toHaveLength(1);
  });

  it('is still sent while the ticket stays pending: an internal note meanwhile changes nothing', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number } = await pendingTicket('Factura');
    await reminderStuck();
    await replyToTicket(tt.app, { number, body: 'Llamé al cliente, envía el XML hoy.', internal: true, actor: 'agent:maria', now: new Date(MX('2026-11-18T12:00:00')) });
    expect((await tt.ticket(number)).status).toBe('pending');
    const mails = await serverBack(MX('2026-11-18T14:00:00'));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toMatch(/20 de noviembre de 2026/);
    expect(await cancelled(number)).toEqual([]);
  });
});

describe('a pending reminder owed at a restart (the daemon down when it was due)', () => {
  const events = async (number: number, type: string) => (await tt.ticket(number)).events.filter((e) => e.type === type).map((e) => e.detail);

  it('is skipped when the close is less than a business hour away: the customer gets only the closing mail', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number } = await pendingTicket('No puedo timbrar');
    // Down from before Wed 18 10:00 (the reminder's time) until Fri 20 09:30, half an hour before the close.
    expect((await tt.tick(MX('2026-11-20T09:30:00'))).timers).toMatchObject({ reminder_skipped: 1 });
    expect(tt.take()).toEqual([]);
    expect((await tt.ticket(number)).status).toBe('pending');
    expect(await events(number, 'pending_reminder_skipped')).toEqual([expect.stringMatching(/^not sent: owed since 2026-11-18T16:00:00\.000Z .*the close is 30 business minutes away, less than 1 business hour/)]);
    expect(await events(number, 'pending_reminder')).toEqual([]);
    // The close comes as usual, at its time, with its own mail.
    await tt.tick(MX('2026-11-20T10:00:00'));
    const mails = tt.take();
    expect(mails.map((m) => m.text.includes('No recibimos la información que le solicitamos en 5 días hábiles'))).toEqual([true]);
    expect((await tt.ticket(number)).status).toBe('closed');
  });

  it('is sent when the close is less than a business hour but a weekend away: the customer has the weekend to answer', async () => {
    tt = await suite.start(MX('2026-11-13T08:00:00'));
    // Asked Fri 13 08:30: reminder due Thu 19 08:30, close Mon 23 08:30 (Mon 16 a holiday).
    const r = await tt.ingest(MX('2026-11-13T08:00:00'), mail({ headers: { Subject: 'Complemento de pago' } }));
    const number = r.ticketNumber as number;
    await tt.agentReply(MX('2026-11-13T08:30:00'), number, '¿Nos envía el XML?', 'pending');
    tt.take();
    // Down until Fri 20 19:45: 45 business minutes before the close, but 60 hours of the clock.
    expect((await tt.tick(MX('2026-11-20T19:45:00'))).timers).toMatchObject({ reminded: 1 });
    const mails = tt.take();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toMatch(/23 de noviembre de 2026/);
    expect(await events(number, 'pending_reminder_skipped')).toEqual([]);
  });

  it('is sent when the close is further away than that, its closing date unchanged', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number } = await pendingTicket('Factura');
    await tt.tick(MX('2026-11-19T10:00:00'));
    const mails = tt.take();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toMatch(/20 de noviembre de 2026/);
    expect(await events(number, 'pending_reminder_skipped')).toEqual([]);
  });
});
