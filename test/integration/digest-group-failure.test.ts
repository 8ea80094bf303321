import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { addOrganisation } from '../../src/lifecycle/access-actions.js';
import { runAccessRequestDigests } from '../../src/lifecycle/access-request-digest.js';
import { TemplateRenderer } from '../../src/outbound/templates.js';
import { owedAccessRequests } from '../../src/store/access-repo.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, mail } from '../support/app.js';
import { copyOfTemplates } from '../support/template-copy.js';
import { timeTravelSuite } from '../support/time-travel.js';

// One digest run mails several groups: each recipient list its held escalations, each organisation's administrators
// their owed access requests. A group whose mail cannot be rendered or queued (here a template edit gone wrong
// for one of them) held back every group after it, run after run. Each group now goes on its own: the failed one
// is logged with why, keeps what it owes for the next run, and the job still says it failed; the others are
// mailed once, not again.

const MX = (local: string) => `${local}-06:00`;

describe('the escalation digest, with the lead\'s digest failing to render', () => {
  const suite = timeTravelSuite();

  it("mails the manager's digest all the same, fails the job naming the lead, and sends the lead's once it renders", async () => {
    const tt = await suite.start(MX('2026-11-23T08:00:00'), { AUTO_MAIL_LIMIT: '3' });
    const templates = copyOfTemplates();
    const subject = join(templates, 'es', 'escalation_digest.subject.hbs');
    // An edit that leaves the lead's subject empty (a mail without a subject is refused by the renderer).
    writeFileSync(subject, '{{#unless (eq contact.email "lead@example.test")}}[Escalamiento] {{digest.count}} avisos de SLA retenidos{{/unless}}\n');
    tt.app.lifecycle.notices.renderer = new TemplateRenderer(templates);
    for (let i = 0; i < 5; i++) {
      await tt.ingest(MX(`2026-11-23T09:0${i}:00`), mail({ headers: { From: `cliente${i}@cliente${i}.mx`, Subject: 'Caída', 'Message-ID': `<caida-${i}@cliente.mx>` }, body: 'No podemos facturar.\nImpacto: Alto\nUrgencia: Alta' }));
    }
    const heldFor = async (who: string) => (await tt.app.db.heldEscalation.findMany({ include: { ticket: true } })).filter((h) => (JSON.parse(h.recipients) as string[])[0] === who);
    const digests = (to: string) => tt.app.db.outboxMail.findMany({ where: { template: 'escalation_digest', primaryTo: to } });
    // 11:10 the lead's window fills (two escalations held); 12:15 the manager's does, and the lead's digest fails.
    await tt.tick(MX('2026-11-23T11:10:00'));
    await expect(tt.tick(MX('2026-11-23T12:15:00'))).rejects.toThrow(/lead@example\.test.*escalation_digest\.subject\.hbs rendered an empty subject/);
    const leadOwed = (await heldFor('lead@example.test')).map((h) => h.ticket.number).sort();
    expect(leadOwed).toHaveLength(2);
    expect((await heldFor('manager@example.test')).length).toBeGreaterThan(0);
    const managerOwed = (await heldFor('manager@example.test')).map((h) => h.ticket.number);

    // 13:20 both windows have room: the lead's fails again, first in the run; the manager's is mailed all the same.
    await expect(tt.tick(MX('2026-11-23T13:20:00'))).rejects.toThrow(/1 of 2 escalation digests not queued, owed again at the next run: lead@example\.test/);
    await tt.flush();
    const [managers] = await digests('manager@example.test');
    expect(managers?.status).toBe('sent');
    for (const n of managerOwed) expect(managers?.text).toContain(`#${n} - `);
    expect(await heldFor('manager@example.test')).toEqual([]);
    expect(await digests('lead@example.test')).toEqual([]);
    expect((await heldFor('lead@example.test')).map((h) => h.ticket.number).sort()).toEqual(leadOwed);

    // Fixed: the next run mails the lead's digest; the manager's is not mailed again.
    writeFileSync(subject, '[Escalamiento] {{digest.count}} avisos de SLA retenidos por el límite de correos\n');
    tt.app.lifecycle.notices.renderer = new TemplateRenderer(templates);
    await tt.tick(MX('2026-11-23T13:25:00'));
    const [leads] = await digests('lead@example.test');
    for (const n of leadOwed) expect(leads?.text).toContain(`#${n} - `);
    expect(await digests('manager@example.test')).toHaveLength(1);
    expect(await tt.app.db.heldEscalation.count()).toBe(0);
  });
});

describe('the access-request digest, with one organisation\'s request failing to render', () => {
  it("queues the other organisation's request, logs and fails naming the one that failed, and asks it at the next run", async () => {
    let clock = new Date('2026-11-24T16:00:00Z');
    const desk = await createTestApp({ UNKNOWN_SENDER_POLICY: 'hold' }, () => clock);
    onTestFinished(() => desk.dispose());
    const act = { actor: 'agent:test', now: clock };
    // Acme's administrator reads English (US): its request is rendered from templates/en, Empresa's from templates/es.
    await inTransaction(desk.db, (tx) => addOrganisation(tx, desk.lifecycle, { name: 'Acme Inc', domains: ['acme.com'], country: 'US', admin: 'admin@acme.com', ...act }));
    await inTransaction(desk.db, (tx) => addOrganisation(tx, desk.lifecycle, { name: 'Empresa', domains: ['empresa.mx'], country: 'MX', admin: 'admin@empresa.mx', ...act }));
    // Acme's senders first: its group comes first in the run. The first sender of each is asked about at once.
    for (const sender of ['ann@acme.com', 'bob@acme.com', 'cy@acme.com', 'ana@empresa.mx', 'beto@empresa.mx']) {
      await desk.pipeline.ingest(mail({ headers: { From: sender } }), { source: 'file', sourceRef: 'test' });
    }
    const owed = async () => (await inTransaction(desk.db, (tx) => owedAccessRequests(tx))).map((o) => o.requester.email);
    expect(await owed()).toEqual(['bob@acme.com', 'cy@acme.com', 'beto@empresa.mx']);
    const requestsTo = (admin: string) => desk.db.outboxMail.findMany({ where: { template: 'access_request', primaryTo: admin }, orderBy: { id: 'asc' } });

    const templates = copyOfTemplates();
    const subject = join(templates, 'en', 'access_request.subject.hbs');
    writeFileSync(subject, 'Support access request: {{requester.email}}{{#if others.length}} and {{others.length}} more\n');
    desk.lifecycle.notices.renderer = new TemplateRenderer(templates);
    const lines: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const logged = () => lines.map((line) => JSON.parse(line) as { group?: string; msg: string; err?: { message: string } });

    clock = new Date(clock.getTime() + 61 * 60_000);
    await expect(runAccessRequestDigests(desk.db, desk.lifecycle, clock, log)).rejects.toThrow(/1 of 2 access-request digests not queued, owed again at the next run: Acme Inc.*access_request\.subject\.hbs/);
    const [, empresa] = await requestsTo('admin@empresa.mx');
    expect(empresa?.text).toContain('AUTORIZAR beto@empresa.mx');
    expect(await requestsTo('admin@acme.com')).toHaveLength(1);
    expect(logged()).toEqual([
      expect.objectContaining({ group: 'Acme Inc (administrators: admin@acme.com)', msg: expect.stringMatching(/not queued; owed again at the next run$/), err: expect.objectContaining({ message: expect.stringMatching(/en\/access_request\.subject\.hbs/) }) }),
    ]);
    expect(await owed()).toEqual(['bob@acme.com', 'cy@acme.com']);

    // Fixed: the next run asks Acme's administrator about both; Empresa's is not asked again.
    writeFileSync(subject, 'Support access request: {{requester.email}}{{#if others.length}} and {{others.length}} more{{/if}}\n');
    desk.lifecycle.notices.renderer = new TemplateRenderer(templates);
    clock = new Date(clock.getTime() + 60_000);
    expect(await runAccessRequestDigests(desk.db, desk.lifecycle, clock, log)).toEqual({ requests: 1, listed: 2 });
    const [, acme] = await requestsTo('admin@acme.com');
    for (const who of ['bob', 'cy']) expect(acme?.text).toContain(`${who}@acme.com`);
    expect(await requestsTo('admin@empresa.mx')).toHaveLength(2);
    expect(await owed()).toEqual([]);
  });
});
