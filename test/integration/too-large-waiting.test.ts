import { describe, expect, it } from 'vitest';
import { runLifecycleTimers } from '../../src/lifecycle/jobs.js';
import { mail } from '../support/app.js';
import { ticketAnswered as answered } from '../support/waiting-ticket.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// A reply above MAX_MESSAGE_BYTES from one of a ticket's people goes on that ticket (too-large-thread.ts) and its
// sender is asked to send it again smaller. On a ticket waiting for the customer (pending, or solved within its
// validation window) the timer went on as if she had never written: "we are still waiting for your information",
// then "we received nothing, so we closed the ticket" (pending), or "no remarks on the solution, taken as accepted"
// (solved), to a customer who had answered and been told to resend. Her too-large answer counts as her reply for
// that clock: the window starts again from it. Mexico City, UTC-6; Mon-Fri 08-20; Mon 16 Nov 2026 a holiday.

const suite = timeTravelSuite();
let tt: TimeTravel;
const MX = (local: string) => `${local}-06:00`;
const BIG = 'x'.repeat(5000);
const start = () => suite.start(MX('2026-11-12T09:00:00'), { MAX_MESSAGE_BYTES: '2000' });

const ticketAnswered = (subject: string, status: 'pending' | 'solved') => answered(tt, subject, status);

/** Her too-large answer at `local`: on the ticket, the too_large notice to her, the ticket's status as it was. */
async function tooLargeAnswer(local: string, number: number, asked: SeenMail, status: string): Promise<void> {
  expect(await tt.answer(MX(local), asked, BIG)).toMatchObject({ outcome: 'too_large', ticketNumber: number });
  const mails = tt.take();
  expect(mails).toHaveLength(1);
  expect(mails[0]?.text).toContain('supera el máximo');
  expect((await tt.ticket(number)).status).toBe(status);
}

const events = async (number: number, type: string) => (await tt.ticket(number)).events.filter((e) => e.type === type);

describe("a customer's too-large answer to a pending ticket", () => {
  it('restarts the pending window from it: no reminder nor close on the old dates; both 36 and 60 business hours after her answer', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('No puedo timbrar', 'pending');
    // Old window: reminder Wed 18 Nov 10:00, close Fri 20 Nov 10:00. She answers Tue 17 Nov 10:00, too large.
    await tooLargeAnswer('2026-11-17T10:00:00', number, asked, 'pending');

    // The old reminder's time: nothing.
    expect((await tt.tick(MX('2026-11-18T10:00:00'))).timers).toEqual({});
    expect(tt.take()).toEqual([]);
    // 36 business hours after her answer is Fri 20 Nov 10:00 (the old close): the reminder, not the close, with the
    // new closing date, Tue 24 Nov 10:00 (60 business hours after her answer).
    expect((await tt.tick(MX('2026-11-20T10:00:00'))).timers).toEqual({ reminded: 1 });
    const [reminder, ...more] = tt.take();
    expect(more).toEqual([]);
    expect(reminder?.text).toMatch(/24 de noviembre de 2026,? 10:00/);
    expect((await tt.ticket(number)).status).toBe('pending');
    expect((await tt.tick(MX('2026-11-24T09:59:59.999'))).timers).toEqual({});
    expect((await tt.tick(MX('2026-11-24T10:00:00'))).timers).toEqual({ closed: 1 });
    expect(tt.take()[0]?.text).toContain('No recibimos la información que le solicitamos');
    // The ticket's history says why the dates moved.
    const restarted = await events(number, 'window_restarted');
    expect(restarted).toHaveLength(1);
    expect(restarted[0]).toMatchObject({ fromStatus: 'pending', toStatus: 'pending', actor: 'ana@cliente.mx' });
    expect(restarted[0]?.detail).toMatch(/too large/);
  });

  it('after the reminder was sent: a new period, with a reminder of its own', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Error en nómina', 'pending');
    expect((await tt.tick(MX('2026-11-18T10:00:00'))).timers).toEqual({ reminded: 1 });
    tt.take();
    // Thu 19 Nov 10:00: reminder Tue 24 Nov 10:00, close Thu 26 Nov 10:00.
    await tooLargeAnswer('2026-11-19T10:00:00', number, asked, 'pending');
    expect((await tt.tick(MX('2026-11-20T10:00:00'))).timers).toEqual({});
    expect(tt.take()).toEqual([]);
    expect((await tt.tick(MX('2026-11-24T10:00:00'))).timers).toEqual({ reminded: 1 });
    expect(tt.take()[0]?.text).toMatch(/26 de noviembre de 2026,? 10:00/);
    expect((await tt.tick(MX('2026-11-26T10:00:00'))).timers).toEqual({ closed: 1 });
    expect(await events(number, 'pending_reminder')).toHaveLength(2);
  });

  it('takes back a reminder of the old period still queued (the mail server down since the 36-hour tick)', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Error de nómina', 'pending');
    await suite.smtp.down();
    try {
      await runLifecycleTimers(tt.app.db, tt.app.lifecycle, new Date(MX('2026-11-18T10:00:00')));
      await tt.ingest(MX('2026-11-18T11:00:00'), mail({ headers: { 'In-Reply-To': asked.messageId, References: asked.messageId, Subject: `Re: ${asked.subject}` }, body: BIG }));
    } finally {
      await suite.smtp.up();
    }
    // The drain waits a while after a failed try: the server back, a later tick sends what is due.
    expect((await tt.tick(MX('2026-11-18T14:00:00'))).timers).toEqual({});
    // Only the too_large notice: not "we are still waiting" after her answer.
    const mails = tt.take();
    expect(mails.map((m) => /supera el máximo/.test(m.text))).toEqual([true]);
    expect((await events(number, 'notice_cancelled')).map((e) => e.detail)).toEqual([expect.stringMatching(/^pending_reminder: not sent: its pending period ended before it left \(window_restarted/)]);
  });

  it('then her smaller mail is a complement as any: the ticket goes back to support', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Consulta CFDI', 'pending');
    await tooLargeAnswer('2026-11-17T10:00:00', number, asked, 'pending');
    expect((await tt.answer(MX('2026-11-17T11:00:00'), asked, 'Adjunto el XML comprimido.')).outcome).toBe('comment');
    expect((await tt.ticket(number)).status).toBe('open');
    expect((await tt.tick(MX('2026-11-20T10:00:00'))).timers).toEqual({});
    expect(tt.take()).toEqual([]);
  });
});

describe("a customer's too-large answer to a solved ticket within its validation window", () => {
  it('restarts the window from it: not closed "no remarks, taken as accepted" 84 business hours after the solution', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Certificado vencido', 'solved');
    // Old close: Tue 24 Nov 10:00. She answers Mon 23 Nov 10:00: the new close is Wed 2 Dec 10:00.
    await tooLargeAnswer('2026-11-23T10:00:00', number, asked, 'solved');
    expect((await tt.tick(MX('2026-11-24T10:00:00'))).timers).toEqual({});
    expect(tt.take()).toEqual([]);
    expect(await events(number, 'window_restarted')).toEqual([expect.objectContaining({ fromStatus: 'solved', toStatus: 'solved' })]);
    expect((await tt.tick(MX('2026-12-02T09:59:59.999'))).timers).toEqual({});
    expect((await tt.tick(MX('2026-12-02T10:00:00'))).timers).toEqual({ closed: 1 });
    expect(tt.take()[0]?.text).toContain('No recibimos observaciones a la solución');
  });
});

describe('which too-large mail restarts the window', () => {
  it('one that reached the mailbox within the window, read after it ended: in time, restarted from its reading', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Timbrado', 'pending');
    const raw = mail({ headers: { 'In-Reply-To': asked.messageId, References: asked.messageId, Subject: `Re: ${asked.subject}` }, body: BIG });
    // Came Fri 20 Nov 09:00 (the window ends at 10:00), read at 11:00, the daemon down meanwhile.
    expect(await tt.ingest(MX('2026-11-20T11:00:00'), raw, MX('2026-11-20T09:00:00'))).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    tt.take();
    expect((await tt.tick(MX('2026-11-20T11:00:00'))).timers).toEqual({});
    expect((await tt.ticket(number)).status).toBe('pending');
    expect(await events(number, 'window_restarted')).toHaveLength(1);
  });

  it("a machine's (an automatic reply with a big attachment) is no answer of hers: the ticket closes on its date", async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Factura 12', 'pending');
    const raw = mail({ headers: { 'In-Reply-To': asked.messageId, References: asked.messageId, Subject: `Re: ${asked.subject}`, 'Auto-Submitted': 'auto-generated' }, body: BIG });
    expect(await tt.ingest(MX('2026-11-17T10:00:00'), raw)).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    expect(await events(number, 'window_restarted')).toEqual([]);
    expect((await tt.tick(MX('2026-11-18T10:00:00'))).timers).toEqual({ reminded: 1 });
    expect((await tt.tick(MX('2026-11-20T10:00:00'))).timers).toEqual({ closed: 1 });
  });
});
