import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { addOrganisation, authoriseContact, revokeContact } from '../../src/lifecycle/access-actions.js';
import { runAccessRequestDigests } from '../../src/lifecycle/access-request-digest.js';
import { setTicketStatus } from '../../src/lifecycle/agent-actions.js';
import { TemplateRenderer } from '../../src/outbound/templates.js';
import { owedAccessRequests } from '../../src/store/access-repo.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { copyOfTemplates } from '../support/template-copy.js';
import { timeTravelSuite, type TimeTravel } from '../support/time-travel.js';

// Does what the digests keep pile up on a busy desk over months? A held escalation (HeldEscalation) is owed to its
// people until its digest is queued, and is deleted in that transaction; an access request owed is a row of
// AccessRequestOwed (beside its event, history), deleted when the administrators are asked, and by the digest's next
// run once its ticket was closed or released: the digest reads those rows, not every owed event ever recorded. What
// AUTO_MAIL_LIMIT and ACK_LIMIT count is the outbox (the record of every mail, whose keys also stop a notice going
// twice: never pruned), by indexed ranges of time; the leases are one row per job. These tests age a desk through
// outages and floods: the rows go once sent, and those still owed to someone stay until they are sent.

const suite = timeTravelSuite();
let tt: TimeTravel;
const MX = (local: string) => `${local}-06:00`;
const LIMIT = { AUTO_MAIL_LIMIT: '3' };

/** `day` (YYYY-MM-DD), 09:0x: five urgent tickets of an outage, first response due at 11:0x. */
async function outage(day: string, tag: string): Promise<number[]> {
  const numbers: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await tt.ingest(
      MX(`${day}T09:0${i}:00`),
      mail({ headers: { From: `cliente${i}@cliente${i}.mx`, Subject: `Caída ${tag}`, 'Message-ID': `<caida-${tag}-${i}@cliente.mx>` }, body: 'No podemos facturar.\nImpacto: Alto\nUrgencia: Alta' }),
    );
    numbers.push(r.ticketNumber as number);
  }
  return numbers;
}

/** The ticket numbers listed in the digests among these mails. */
const listedIn = (mails: Array<{ subject: string; text: string }>) =>
  mails.filter((m) => m.subject.includes('retenidos')).flatMap((m) => [...m.text.matchAll(/^#(\d+) - /gm)].map((x) => Number(x[1])));

describe('the escalations held back for a digest (AUTO_MAIL_LIMIT=3)', () => {
  it('an outage every fortnight for three months: each held escalation reaches its people and its row is gone; one lease row per job', async () => {
    tt = await suite.start(MX('2026-11-23T08:00:00'), LIMIT);
    // Business days about two weeks apart (the SLA clock runs; Mon 1 Feb 2027 is a holiday in Mexico).
    const days = ['2026-11-23', '2026-12-07', '2026-12-21', '2027-01-04', '2027-01-18', '2027-02-03', '2027-02-15'];
    let heldInAll = 0;
    for (const [w, day] of days.entries()) {
      const numbers = await outage(day, `w${w}`);
      tt.take();
      // 11:10 level 1 (lead), 12:15 level 2 at 150% (manager) and the lead's digest, 13:20 the manager's digest.
      const told: Array<{ subject: string; text: string }> = [];
      let held = 0;
      for (const at of ['11:10', '12:15', '13:20', '14:25']) {
        await tt.tick(MX(`${day}T${at}:00`));
        told.push(...tt.take());
        held = Math.max(held, await tt.app.db.heldEscalation.count());
      }
      expect(held, `${day}: some escalations were held back`).toBeGreaterThan(0);
      heldInAll += held;
      const capped = await tt.app.db.ticketEvent.findMany({ where: { type: 'notice_capped', ticket: { number: { in: numbers } } }, include: { ticket: true } });
      // Every escalation held back was listed in a digest, and nothing is left waiting.
      expect(listedIn(told).sort()).toEqual(capped.map((e) => e.ticket.number).sort());
      expect(await tt.app.db.heldEscalation.count(), `${day}: rows left after the digests`).toBe(0);
      // Support answers and solves them: their clocks stop (the next outage is another batch).
      for (const n of numbers) await tt.agentReply(MX(`${day}T15:00:00`), n, 'Restablecido.', 'solved');
      tt.take();
    }
    expect(heldInAll).toBeGreaterThanOrEqual(days.length * 2);
    // Months of ticks later: still nothing held, and the leases are one row per job, not per run.
    await tt.tick(MX('2027-03-01T10:00:00'));
    expect(await tt.app.db.heldEscalation.count()).toBe(0);
    const leases = await tt.app.db.jobLease.findMany({ select: { name: true } });
    expect(leases.map((l) => l.name).sort()).toEqual(['access-request-digest', 'bulletin-send', 'escalation-digest', 'lifecycle-timers', 'outbox-drain', 'product-issue-releases', 'sla-checks']);
  });

  it('a digest whose template is broken keeps what it owes (the job fails each tick), and sends it once the template is fixed', async () => {
    tt = await suite.start(MX('2026-11-23T08:00:00'), LIMIT);
    const templates = copyOfTemplates();
    const subject = join(templates, 'es', 'escalation_digest.subject.hbs');
    writeFileSync(subject, '{{#if digest}}[Escalamiento] roto\n');
    tt.app.lifecycle.notices.renderer = new TemplateRenderer(templates);
    const numbers = await outage('2026-11-23', 'roto');
    await tt.tick(MX('2026-11-23T11:10:00'));
    const held = await tt.app.db.heldEscalation.count();
    expect(held).toBe(2);
    // Hours of failed digests (the job fails, naming the file): the rows wait, owed to the lead.
    for (const at of ['12:15', '13:20', '15:00']) await expect(tt.tick(MX(`2026-11-23T${at}:00`))).rejects.toThrow(/escalation_digest\.subject\.hbs/);
    await tt.flush();
    const waiting = await tt.app.db.heldEscalation.findMany({ include: { ticket: true } });
    expect(waiting.filter((h) => h.recipients === '["lead@example.test"]')).toHaveLength(2);
    expect(listedIn(tt.take())).toEqual([]);
    // Fixed: the next tick sends every digest owed, and deletes their rows.
    writeFileSync(subject, '[Escalamiento] {{digest.count}} avisos de SLA retenidos por el límite de correos\n');
    await tt.tick(MX('2026-11-23T15:30:00'));
    const listed = listedIn(tt.take());
    expect(listed.sort()).toEqual(waiting.map((h) => h.ticket.number).sort());
    expect(listed.every((n) => numbers.includes(n))).toBe(true);
    expect(await tt.app.db.heldEscalation.count()).toBe(0);
  });
});

describe('the access requests owed to an organisation\'s administrators (UNKNOWN_SENDER_POLICY=hold)', () => {
  let clock = new Date('2026-11-24T16:00:00Z');

  it('are read until asked or closed; with no administrator to ask they stay owed, and go to the next one appointed', async () => {
    const desk: TestApp = await createTestApp({ UNKNOWN_SENDER_POLICY: 'hold' }, () => clock);
    onTestFinished(() => desk.dispose());
    const hours = (n: number) => (clock = new Date(clock.getTime() + n * 3_600_000));
    const act = { actor: 'agent:test' };
    await inTransaction(desk.db, (tx) => addOrganisation(tx, desk.lifecycle, { name: 'Empresa', domains: ['empresa.mx'], country: 'MX', admin: 'admin@empresa.mx', ...act, now: clock }));
    const numbers: number[] = [];
    for (let i = 0; i < 5; i++) numbers.push((await desk.pipeline.ingest(mail({ headers: { From: `persona${i}@empresa.mx` } }), { source: 'file', sourceRef: 'test' })).ticketNumber as number);
    const owed = async () => (await inTransaction(desk.db, (tx) => owedAccessRequests(tx))).map((o) => o.number);
    const requests = () => desk.db.outboxMail.findMany({ where: { template: 'access_request' }, orderBy: { id: 'asc' } });
    const rows = async () => (await desk.db.accessRequestOwed.findMany({ include: { ticket: true } })).map((r) => r.ticket.number).sort((a, b) => a - b);
    expect(await owed()).toEqual(numbers.slice(1));
    expect(await rows()).toEqual(numbers.slice(1));

    // The only administrator leaves: nobody to ask, the requests stay owed (nothing sent, nothing dropped).
    await inTransaction(desk.db, (tx) => revokeContact(tx, { email: 'admin@empresa.mx', ...act, now: clock }));
    hours(2);
    expect(await runAccessRequestDigests(desk.db, desk.lifecycle, clock)).toEqual({});
    expect(await owed()).toEqual(numbers.slice(1));
    // A held ticket closed by an agent is read no more.
    await setTicketStatus(desk, { number: numbers[1] as number, status: 'closed', ...act, now: clock });
    expect(await owed()).toEqual(numbers.slice(2));
    expect(await rows()).toEqual(numbers.slice(1));

    // A new administrator: the next digest asks about those still waiting, and then none is read again.
    await inTransaction(desk.db, (tx) => authoriseContact(tx, desk.lifecycle, { email: 'jefa@empresa.mx', admin: true, ...act, now: clock }));
    expect(await runAccessRequestDigests(desk.db, desk.lifecycle, clock)).toEqual({ requests: 1, listed: 3 });
    const [, digest] = await requests();
    expect(digest?.primaryTo).toBe('jefa@empresa.mx');
    for (const i of [2, 3, 4]) expect(digest?.text).toContain(`AUTORIZAR persona${i}@empresa.mx`);
    expect(await owed()).toEqual([]);
    // Those asked went with their request, the closed one with the run: nothing left to read every minute.
    expect(await rows()).toEqual([]);
    hours(24 * 90);
    expect(await runAccessRequestDigests(desk.db, desk.lifecycle, clock)).toEqual({});
    expect(await requests()).toHaveLength(2);
  });
});
