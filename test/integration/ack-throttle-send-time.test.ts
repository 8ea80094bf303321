// An acknowledgement held back by ACK_LIMIT goes out up to hours after its mail came in. Rendered then, it told the
// customer the ticket as it was: "Estado: Nuevo" for a ticket support had taken up meanwhile, an answer-by time
// already past, and it even followed a solution. It is rendered again as the drainer sends it; one whose ticket was
// solved, closed or answered meanwhile is cancelled in the outbox with why, and its ticket records `notice_dropped`.
import { describe, expect, it } from 'vitest';
import { replyToTicket, setTicketStatus } from '../../src/lifecycle/agent-actions.js';
import { keepingMailer } from '../support/keeping-mailer.js';
import type { TemplateRenderer } from '../../src/outbound/templates.js';
import { claimDueMails } from '../../src/store/outbox-claims.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { mail } from '../support/app.js';
import { ForgedRun } from '../support/forged-run.js';

const URGENT = 'El timbrado está caído para toda la empresa.\nImpacto: Alto\nUrgencia: Alta';

/** A run whose first mail takes the window's only turn: the next new ticket's acknowledgement waits `minutes`. */
async function oneTurnPer(minutes: number) {
  const mailer = keepingMailer();
  const run = await ForgedRun.start({ ACK_LIMIT: '1', AUTO_MAIL_WINDOW_MINUTES: String(minutes) }, { mailer });
  await run.forged();
  const ingest = async (from: string, subject: string, body?: string) => {
    const result = await run.app.pipeline.ingest(mail({ headers: { From: from, Subject: subject }, body }), { source: 'file', sourceRef: 'test' });
    return result.ticketNumber as number;
  };
  const ackOf = async (number: number) => run.app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement', ticket: { number } } });
  const sentTo = (number: number) => mailer.sent.filter((m) => m.subject.includes(`[#${number}]`));
  const drain = () => run.app.drainer().drain(() => run.clock);
  const ticket = async (number: number) => (await showTicket(run.app.db, number)) ?? expect.unreachable();
  return { run, mailer, ingest, ackOf, sentTo, drain, ticket };
}

describe('a held-back acknowledgement, rendered again when it is sent', () => {
  it('states the ticket as it is then, and an answer-by time already past as "a la brevedad posible"', async () => {
    // Tuesday 10:00 in Mexico City; an urgent ticket is to be answered by 12:00, its acknowledgement waits 3 hours.
    const { run, mailer, ingest, ackOf, sentTo, drain, ticket } = await oneTurnPer(180);
    const number = await ingest('Rosa Díaz <rosa@nuevo.example>', 'Timbrado caído', URGENT);
    const queued = await ackOf(number);
    expect(queued.status).toBe('pending');
    expect(queued.text).toMatch(/Estado: Nuevo/);
    expect(queued.text).toMatch(/Respuesta a más tardar: martes, 24 de noviembre de 2026,? 12:00/);

    // 10:05: an agent takes the ticket up with an internal note; the customer is not mailed for that.
    run.minutes(5);
    await replyToTicket(run.app, { number, body: 'Lo reviso yo.', internal: true, status: 'open', actor: 'agent:maria', now: run.clock });

    // 13:00: its turn. The mail says the status of now, and no answer-by time that has passed.
    run.minutes(175);
    await drain();
    const [ack, ...others] = sentTo(number);
    expect(others).toEqual([]);
    expect(ack?.text).toMatch(/Estado: Abierto/);
    expect(ack?.text).toMatch(/Respuesta: a la brevedad posible/);
    expect(ack?.text).not.toMatch(/más tardar|12:00/);
    expect(ack?.html).toMatch(/Abierto/);
    expect(ack?.html).toMatch(/a la brevedad posible/);
    expect(ack?.html).not.toMatch(/más tardar/);

    // What went out is what the outbox and the ticket hold: one acknowledgement, sent, its words those mailed.
    const sent = await ackOf(number);
    expect(sent).toMatchObject({ status: 'sent', subject: ack?.subject, text: ack?.text, html: ack?.html });
    const recorded = (await ticket(number)).messages.filter((m) => m.direction === 'out' && !m.internal);
    expect(recorded.map((m) => m.text)).toEqual([ack?.text]);
    expect(await run.app.db.outboxMail.count({ where: { ticket: { number } } })).toBe(1);
    // Sent once: a drain after it sends nothing more.
    await drain();
    expect(mailer.sent.length).toBe(2);
  });

  it('is not sent when the ticket was solved meanwhile: cancelled with why, and the ticket says so', async () => {
    const { run, ingest, ackOf, sentTo, drain, ticket } = await oneTurnPer(60);
    const number = await ingest('luis@otro.example', 'No timbra');
    // Solved with an internal note (the customer was told by phone): no mail, so nothing withdrew the acknowledgement.
    run.minutes(10);
    await replyToTicket(run.app, { number, body: 'Resuelto por teléfono.', internal: true, status: 'solved', actor: 'agent:maria', now: run.clock });
    run.minutes(50);
    await drain();
    expect(sentTo(number)).toEqual([]);
    const cancelled = await ackOf(number);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.lastError).toBe('not sent: held back by ACK_LIMIT, and the ticket was solved before it could go');
    const events = (await ticket(number)).events.filter((e) => e.type === 'notice_dropped');
    expect(events.map((e) => e.detail)).toEqual(['acknowledgement: not sent: held back by ACK_LIMIT, and the ticket was solved before it could go']);
  });

  it('is not sent after an answer that came while it was claimed for sending (by a drainer that died)', async () => {
    const { run, ingest, ackOf, sentTo, drain, ticket } = await oneTurnPer(60);
    const number = await ingest('eva@tercero.example', 'Error 301');
    await drain();
    run.minutes(60);
    // Another process claimed the due mails and died before sending them: the acknowledgement is "sending".
    const claimed = await claimDueMails(run.app.db, run.clock, 5 * 60_000, 200, 'drain:gone');
    expect(claimed.map((m) => m.subject)).toEqual([`[#${number}] Error 301`]);
    await replyToTicket(run.app, { number, body: 'Revisamos su caso.', actor: 'agent:maria', now: run.clock });
    // Its claim expired: this drain takes it over, and sends the answer, not the acknowledgement after it.
    run.minutes(6);
    await drain();
    expect(sentTo(number).map((m) => m.text)).toEqual([expect.stringContaining('Revisamos su caso.')]);
    expect(await ackOf(number)).toMatchObject({ status: 'cancelled', lastError: 'not sent: held back by ACK_LIMIT, and support answered the ticket before it could go' });
    expect((await ticket(number)).events.filter((e) => e.type === 'notice_dropped').map((e) => e.detail)).toEqual([
      'acknowledgement: not sent: held back by ACK_LIMIT, and support answered the ticket before it could go',
    ]);
  });

  it('that cannot be rendered fails alone: recorded as failed with the error, the rest of the drain goes', async () => {
    const { run, ingest, ackOf, sentTo, drain, ticket } = await oneTurnPer(60);
    const broken = await ingest('ines@cuarto.example', 'Factura');
    run.minutes(1);
    const fine = await ingest('olga@quinto.example', 'Nómina');
    // The template breaks for one ticket (a bad edit, a value it chokes on) between queueing and sending.
    const notices = run.app.lifecycle.notices;
    const real = notices.renderer;
    notices.renderer = Object.assign(Object.create(real) as TemplateRenderer, {
      render: (...args: Parameters<TemplateRenderer['render']>) => {
        if (args[2].ticket.number === broken) throw new Error('the template choked');
        return real.render(...args);
      },
    });
    run.minutes(180);
    // The run's first acknowledgement, due at once, goes in the same drain.
    expect(await drain()).toMatchObject({ sent: 2, failed: 1 });
    expect(sentTo(broken)).toEqual([]);
    expect(sentTo(fine)).toHaveLength(1);
    const failed = await ackOf(broken);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/the template choked/);
    expect((await ackOf(fine)).status).toBe('sent');
    // Its ticket says so, as for any mail that failed for good.
    expect((await ticket(broken)).events.filter((e) => e.type === 'notification_failed').map((e) => e.detail)).toEqual([expect.stringMatching(/^not sent to ines@cuarto.example: .*the template choked/)]);
  });
});

describe('any notice, rendered after the answer-by time passed', () => {
  it('says "a la brevedad posible" instead of the time', async () => {
    const mailer = keepingMailer();
    const run = await ForgedRun.start({ ACK_LIMIT: '0' }, { mailer });
    const number = (await run.app.pipeline.ingest(mail({ headers: { From: 'ana@cliente.mx', Subject: 'Timbrado caído' }, body: URGENT }), { source: 'file', sourceRef: 'test' })).ticketNumber as number;
    run.minutes(150);
    await setTicketStatus(run.app, { number, status: 'open', actor: 'agent:maria', now: run.clock });
    await run.app.drainer().drain(() => run.clock);
    const [ack, inProgress] = mailer.sent;
    expect(ack?.text).toMatch(/Respuesta a más tardar: martes, 24 de noviembre de 2026,? 12:00/);
    expect(inProgress?.subject).toContain(`[#${number}]`);
    expect(inProgress?.text).toMatch(/Estado: Abierto/);
    expect(inProgress?.text).toMatch(/Respuesta: a la brevedad posible/);
    expect(inProgress?.text).not.toMatch(/más tardar/);
  });
});
