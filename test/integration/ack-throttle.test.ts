// Backscatter from acknowledgements: under UNKNOWN_SENDER_POLICY=accept a spam run forging a new From in each mail
// (no spam verdict) opened a ticket each and got an acknowledgement each, to innocent addresses. ACK_LIMIT throttles
// them to all senders together per AUTO_MAIL_WINDOW_MINUTES: every one is queued, the ones past the limit later.
import { describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { composeDeferredNotices } from '../../src/outbound/deferred-notices.js';
import { ForgedRun } from '../support/forged-run.js';

const acksOf = (run: ForgedRun) => run.app.db.outboxMail.findMany({ where: { template: 'acknowledgement' }, orderBy: { id: 'asc' }, include: { ticket: { select: { number: true } } } });
/** When each acknowledgement is due, in minutes from the run's clock. */
const dueMinutes = async (run: ForgedRun) => (await acksOf(run)).map((m) => (m.nextAttemptAt.getTime() - run.clock.getTime()) / 60_000);
const throttleWarnings = (run: ForgedRun) => run.logged.filter((l) => l.code === 'ACKS_THROTTLED');
const THREE_AN_HOUR = { ACK_LIMIT: '3', AUTO_MAIL_WINDOW_MINUTES: '60' };

describe('ACK_LIMIT: acknowledgements of new tickets to all senders together per AUTO_MAIL_WINDOW_MINUTES', () => {
  it('sends ACK_LIMIT at once, queues the rest for when the window has room, warns once, and delays no agent', async () => {
    const run = await ForgedRun.start(THREE_AN_HOUR);
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await run.forged());
    // Every mail has its ticket, and every ticket its acknowledgement, queued: nothing lost.
    expect(results.map((r) => r.outcome)).toEqual(Array(8).fill('created'));
    expect(await run.app.db.ticket.count()).toBe(8);
    const first = results[0]?.ticketNumber ?? 0;
    /** Which of the run's tickets (1 for its first) got their acknowledgement. */
    const sentAcks = async () => (await acksOf(run)).filter((m) => m.status === 'sent').map((m) => (m.ticket?.number ?? 0) - first + 1);
    const drain = () => run.app.drainer().drain(() => run.clock);

    expect(await dueMinutes(run)).toEqual([0, 0, 0, 60, 60, 60, 120, 120]);
    const queued = await acksOf(run);
    expect(queued.slice(3).every((m) => m.lastError?.startsWith('acknowledgements throttled: ACK_LIMIT 3 per AUTO_MAIL_WINDOW_MINUTES 60'))).toBe(true);
    expect(throttleWarnings(run)).toHaveLength(1);
    // The tickets whose acknowledgement waits say so.
    expect(await run.app.db.ticketEvent.count({ where: { type: 'notice_throttled' } })).toBe(5);

    await drain();
    expect(await sentAcks()).toEqual([1, 2, 3]);

    // An agent's answer goes at once, to a ticket acknowledged or not; the acknowledgement still waiting for the
    // answered ticket is no longer sent (it would come after the answer).
    run.minutes(5);
    await replyToTicket(run.app, { number: first, body: 'Revisamos su caso.', actor: 'agent:maria', now: run.clock });
    await replyToTicket(run.app, { number: first + 7, body: 'Revisamos su caso.', actor: 'agent:maria', now: run.clock });
    expect(await drain()).toMatchObject({ sent: 2 });
    expect(await run.app.db.outboxMail.count({ where: { template: 'answer', status: 'sent' } })).toBe(2);
    const cancelled = (await acksOf(run)).find((m) => m.ticket?.number === first + 7);
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    expect(cancelled?.lastError).toMatch(/^not sent: held back by ACK_LIMIT, and the ticket was answered \(answer\) before it could go/);

    // The window moves on: the next three, then the last one still owed.
    run.minutes(55);
    await drain();
    expect(await sentAcks()).toEqual([1, 2, 3, 4, 5, 6]);
    run.minutes(60);
    await drain();
    expect(await sentAcks()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(throttleWarnings(run)).toHaveLength(1);

    // Hours later the window is free again: a new ticket's acknowledgement goes at once, and a new run is told anew.
    run.minutes(180);
    for (let i = 0; i < 5; i++) await run.forged();
    expect((await dueMinutes(run)).slice(8)).toEqual([0, 0, 0, 60, 60]);
    expect(throttleWarnings(run)).toHaveLength(2);
  });

  it('throttles a batch recorded in one transaction as it does mails recorded one by one', async () => {
    const run = await ForgedRun.start(THREE_AN_HOUR);
    await run.forged();
    const results = await run.app.pipeline.ingestMany(Array.from({ length: 7 }, (_, i) => ({ raw: run.forgedMail(), source: { source: 'file' as const, sourceRef: `b${i}` } })));
    expect(results.map((r) => r.outcome)).toEqual(Array(7).fill('created'));
    expect(await dueMinutes(run)).toEqual([0, 0, 0, 60, 60, 60, 120, 120]);
    expect(throttleWarnings(run)).toHaveLength(1);
  });

  it('throttles the acknowledgements owed during a backlog when they are rendered after it', async () => {
    const run = await ForgedRun.start(THREE_AN_HOUR);
    run.app.lifecycle.notices.deferAutomatic = () => true;
    for (let i = 0; i < 8; i++) await run.forged();
    expect(await acksOf(run)).toEqual([]);
    run.app.lifecycle.notices.deferAutomatic = () => false;
    expect(await composeDeferredNotices(run.app.db, run.app.lifecycle.notices, run.app.log)).toBe(8);
    expect(await dueMinutes(run)).toEqual([0, 0, 0, 60, 60, 60, 120, 120]);
    expect(throttleWarnings(run)).toHaveLength(1);
  });

  it('counts acknowledgements still waiting for a drain (the daemon stopped) as going now: they go with the next one', async () => {
    const run = await ForgedRun.start(THREE_AN_HOUR);
    for (let i = 0; i < 3; i++) await run.forged();
    // Nothing sent for 70 minutes: the three go with the next drain, so the fourth waits a window after that.
    run.minutes(70);
    await run.forged();
    expect(await dueMinutes(run)).toEqual([-70, -70, -70, 60]);
  });

  it('ACK_LIMIT=0: no limit', async () => {
    const run = await ForgedRun.start({ ACK_LIMIT: '0' });
    for (let i = 0; i < 12; i++) await run.forged();
    expect(await dueMinutes(run)).toEqual(Array(12).fill(0));
    expect(throttleWarnings(run)).toHaveLength(0);
  });
  it("never delays a known customer's: one who wrote before, or a member of a registered organisation (a mass outage's customers)", async () => {
    const run = await ForgedRun.start(THREE_AN_HOUR);
    const { mail } = await import('../support/app.js');
    const { createOrganisation } = await import('../../src/store/access-repo.js');
    const ingest = (from: string, subject: string) => run.app.pipeline.ingest(mail({ headers: { From: from, Subject: subject } }), { source: 'file', sourceRef: 'test' });
    await run.app.db.$transaction((tx) => createOrganisation(tx, { name: 'Cliente SA', country: 'MX', slaPlan: 'standard', domains: ['cliente.mx'], at: run.clock }));
    expect((await ingest('ana@viejo.example', 'Primera consulta')).outcome).toBe('created');
    run.minutes(1);
    for (let i = 0; i < 4; i++) await run.forged();
    // The limit is full and forged senders wait; the customer who wrote before, and one of a registered company, do not.
    expect((await ingest('ana@viejo.example', 'Otra consulta')).outcome).toBe('created');
    expect((await ingest('luis@cliente.mx', 'No timbra')).outcome).toBe('created');
    const due = await dueMinutes(run);
    expect(due.slice(-2)).toEqual([0, 0]);
    expect(due.slice(1, 5).filter((m) => m > 0)).toHaveLength(2);
  });
});
