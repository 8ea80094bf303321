import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestSource } from '../../src/ingest/pipeline.js';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { composeDeferredNotices } from '../../src/outbound/deferred-notices.js';
import { enqueueNotice } from '../../src/outbound/notices.js';
import { gatewayJobs, OUTBOX_DRAIN } from '../../src/scheduler/jobs.js';
import { inTransaction } from '../../src/store/database.js';
import { deferredNoticeCount } from '../../src/store/deferred-notice-repo.js';
import { sqlOf } from '../../src/store/sql.js';
import { createTestApp, mail, SURVEYS_OFF, type TestApp } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// While the daemon records a backlog, an automatic notice is owed (one DeferredNotice row, committed with its
// ticket) and rendered into the outbox once the mailbox is caught up (src/outbound/deferred-notices.ts). What
// the customer gets must not change: the same mails, threaded the same, capped and suppressed the same.

const NOW = new Date('2026-11-24T16:00:00Z'); // a Tuesday, 10:00 in Mexico City: business hours
const apps: TestApp[] = [];

afterEach(async () => {
  while (apps.length > 0) await apps.pop()?.dispose();
});

async function newApp(deferring: boolean): Promise<TestApp> {
  const app = await createTestApp({}, () => NOW);
  apps.push(app);
  if (deferring) app.lifecycle.notices.deferAutomatic = () => true;
  return app;
}

const source = (ref: string): IngestSource => ({ source: 'file', sourceRef: ref });

/** A backlog with what notices depend on: new tickets, a reply to one of them (threading), a Cc, a looping sender. */
function backlog(): Buffer[] {
  const first = mail({ headers: { From: 'Ana Pérez <ana@cliente.mx>', 'Message-ID': '<primero@cliente.mx>', Subject: 'No puedo timbrar' } });
  const reply = mail({ headers: { From: 'Ana Pérez <ana@cliente.mx>', 'Message-ID': '<segundo@cliente.mx>', Subject: 'Re: No puedo timbrar', 'In-Reply-To': '<primero@cliente.mx>', References: '<primero@cliente.mx>' }, body: 'Olvidé decir que es urgente.' });
  const withCc = mail({ headers: { From: 'beto@cliente.mx', Cc: 'jefa@cliente.mx', 'Message-ID': '<cc@cliente.mx>', Subject: 'Factura duplicada' }, body: 'Hello, the invoice came twice.' });
  // More new tickets from one address than AUTO_MAIL_LIMIT (10) allows acknowledgements for.
  const loop = Array.from({ length: 12 }, (_, i) => mail({ headers: { From: 'robot@cliente.mx', 'Message-ID': `<robot-${i}@cliente.mx>`, Subject: `Alerta ${i}` } }));
  return [first, withCc, reply, ...loop];
}

async function ingest(app: TestApp, raws: Buffer[]): Promise<void> {
  const results = await app.pipeline.ingestMany(raws.map((raw, i) => ({ raw, source: source(`uid${i + 1}`) })));
  expect(results.map((r) => r.outcome)).toEqual(['created', 'created', 'comment', ...Array(12).fill('created')]);
}

/** The id of the ticket `email` opened first. */
function ticketOf(app: TestApp, email: string): number {
  return sqlOf(app.db).get<{ id: number }>('SELECT t."id" FROM "Ticket" t JOIN "Contact" c ON c."id" = t."requesterId" WHERE c."email" = ? ORDER BY t."id"', email)?.id as number;
}

/** The outbox and the ticket messages a customer's mails produced, without what is random in each run (Message-IDs). */
function sentState(app: TestApp) {
  const sql = sqlOf(app.db);
  const outbox = sql.all<Record<string, unknown>>(
    `SELECT t."number", o."idempotencyKey", o."template", o."fromAddress", o."toList", o."ccList", o."subject", o."text", o."html", o."headers",
       o."attachments", o."status", o."createdAt", o."automatic", o."primaryTo"
     FROM "OutboxMail" o JOIN "Ticket" t ON t."id" = o."ticketId" ORDER BY t."number", o."idempotencyKey"`,
  );
  const messages = sql.all<Record<string, unknown>>(
    `SELECT t."number", m."inReplyTo", m."references", m."fromAddress", m."toList", m."ccList", m."subject", m."text", m."visibleText", m."html", m."createdAt"
     FROM "Message" m JOIN "Ticket" t ON t."id" = m."ticketId" WHERE m."direction" = 'out' ORDER BY t."number"`,
  );
  const events = sql.all<Record<string, unknown>>(`SELECT t."number", e."type", e."detail" FROM "TicketEvent" e JOIN "Ticket" t ON t."id" = e."ticketId" WHERE e."type" LIKE 'notice_%' ORDER BY t."number"`);
  return { outbox, messages, events };
}

describe('notices owed during a backlog', () => {
  it('are one row each while owed, and once rendered the very mails the customers would have had at once', async () => {
    const inline = await newApp(false);
    const deferring = await newApp(true);
    await ingest(inline, backlog());
    await ingest(deferring, backlog());

    // Owed: nothing in the outbox yet, one row per acknowledgement (the reply owes none).
    expect(sentState(deferring).outbox).toEqual([]);
    expect(deferredNoticeCount(deferring.db)).toBe(14);

    expect(await composeDeferredNotices(deferring.db, deferring.lifecycle.notices, deferring.log)).toBe(14);
    expect(deferredNoticeCount(deferring.db)).toBe(0);
    const expected = sentState(inline);
    // The acknowledgements of the looping sender stop at the cap, with the same events.
    expect(expected.outbox).toHaveLength(12);
    expect(expected.events.map((e) => e.type)).toEqual(['notice_capped', 'notice_capped']);
    // Threaded to the mail that opened the ticket, not to the reply recorded before it was rendered.
    const ana = expected.messages.find((m) => m.toList === '["ana@cliente.mx"]');
    expect(ana?.inReplyTo).toBe('primero@cliente.mx');
    expect(sentState(deferring)).toEqual(expected);
    expect(expected.outbox.find((m) => m.primaryTo === 'beto@cliente.mx')?.ccList).toBe('["jefa@cliente.mx"]');
  });

  it('are rendered once: a second composition, or one after the outbox has the key, queues nothing more', async () => {
    const app = await newApp(true);
    await ingest(app, backlog());
    const ticketId = ticketOf(app, 'ana@cliente.mx');
    // The same key owed twice (an action retried): one mail.
    await inTransaction(app.db, (tx) => enqueueNotice(tx, app.lifecycle.notices, { ticketId, notice: 'acknowledgement', idempotencyKey: `ack:${ticketId}`, autoSubmitted: 'auto-replied', now: NOW }));
    expect(deferredNoticeCount(app.db)).toBe(15);
    expect(await composeDeferredNotices(app.db, app.lifecycle.notices, app.log)).toBe(15);
    expect(await composeDeferredNotices(app.db, app.lifecycle.notices, app.log)).toBe(0);
    expect(sentState(app).outbox).toHaveLength(12);
  });

  it('never holds back what a person writes: an agent answer goes to the outbox at once', async () => {
    const app = await newApp(true);
    await ingest(app, backlog());
    const ticketId = ticketOf(app, 'beto@cliente.mx');
    const result = await inTransaction(app.db, (tx) => enqueueNotice(tx, app.lifecycle.notices, { ticketId, notice: 'answer', idempotencyKey: 'reply:1', autoSubmitted: null, body: 'Ya quedó corregida.', now: NOW, actor: 'agent:ana' }));
    expect(result).toEqual({ queued: true });
    expect(sentState(app).outbox.map((m) => m.idempotencyKey)).toEqual(['reply:1']);
  });

  it('drop the acknowledgement of a ticket support answered meanwhile: it would come after the answer', async () => {
    const app = await newApp(true);
    await ingest(app, backlog());
    const beto = ticketOf(app, 'beto@cliente.mx');
    const number = sqlOf(app.db).get<{ number: number }>('SELECT "number" FROM "Ticket" WHERE "id" = ?', beto)?.number as number;
    await replyToTicket(app, { number, body: 'Ya quedó corregida.', actor: 'agent:ana', now: NOW });
    expect(await composeDeferredNotices(app.db, app.lifecycle.notices, app.log)).toBe(14);
    const toBeto = sentState(app).outbox.filter((m) => m.number === number);
    expect(toBeto.map((m) => m.template)).toEqual(['answer']);
    expect(sentState(app).events.filter((e) => e.number === number)).toEqual([
      { number, type: 'notice_dropped', detail: 'acknowledgement: support answered the ticket before it could be sent' },
    ]);
    // The others are rendered as before.
    expect(sentState(app).outbox.filter((m) => m.template === 'acknowledgement')).toHaveLength(11);
  });

  it('written after the answer-by time went by (the daemon stopped in the backlog, started hours later): "a la brevedad posible", no time past', async () => {
    let clock = NOW;
    const app = await createTestApp({}, () => clock);
    apps.push(app);
    app.lifecycle.notices.deferAutomatic = () => true;
    // Urgent: answered within 2 business hours, by 12:00 in Mexico City.
    const urgent = mail({ headers: { 'Message-ID': '<urgente@cliente.mx>', Subject: 'Timbrado caído' }, body: 'No timbra nadie.\nImpacto: Alto\nUrgencia: Alta' });
    expect((await app.pipeline.ingest(urgent, source('uid1'))).outcome).toBe('created');
    clock = new Date(NOW.getTime() + 5 * 3_600_000);
    expect(await composeDeferredNotices(app.db, app.lifecycle.notices, app.log, clock)).toBe(1);
    const ack = sentState(app).outbox[0] as { text: string };
    expect(ack.text).toContain('Respuesta: a la brevedad posible');
    expect(ack.text).not.toContain('Respuesta a más tardar');
  });

  it('keeps a notice that cannot be rendered (logged) and renders the others', async () => {
    const app = await newApp(true);
    await ingest(app, backlog());
    const broken = `ack:${ticketOf(app, 'beto@cliente.mx')}`;
    sqlOf(app.db).run('UPDATE "DeferredNotice" SET "request" = ? WHERE "idempotencyKey" = ?', '{"broken":', broken);
    const errors: unknown[] = [];
    expect(await composeDeferredNotices(app.db, app.lifecycle.notices, { error: (entry: unknown) => errors.push(entry) })).toBe(13);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ notice: broken });
    expect(deferredNoticeCount(app.db)).toBe(1);
    expect(sentState(app).outbox).toHaveLength(11);
  });

  it('are rendered and sent by the outbox drain job, and not while the backlog holds it', async () => {
    const app = await newApp(true);
    await ingest(app, backlog());
    let holding = true;
    const drain = gatewayJobs(app, { holdSending: () => holding }).find((job) => job.name === OUTBOX_DRAIN);
    expect(await drain?.run(NOW)).toEqual({ sent: 0, retried: 0, failed: 0 });
    expect(deferredNoticeCount(app.db)).toBe(14);
    holding = false;
    expect(await drain?.run(NOW)).toEqual({ composed: 14, sent: 12, retried: 0, failed: 0 });
    const outbox = join(app.dataDir, 'outbox');
    expect(existsSync(outbox) ? readdirSync(outbox).filter((name) => name.endsWith('.eml')) : []).toHaveLength(12);
  });

  // What an operator sees after a crash in the middle of a backlog: the owed notices, until a drain renders them.
  it.skipIf(!cliBuilt)('are counted by `outbox list`, and rendered and sent by `scheduler run-once`', async () => {
    const app = await newApp(true);
    await ingest(app, backlog());
    const env = { DATA_DIR: app.dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789', ...SURVEYS_OFF };
    const before = await runCli(['outbox', 'list'], { env });
    expect(before.stdout).toContain('0 mails; 14 notices owed, written here once the mailbox is caught up');
    const run = await runCli(['scheduler', 'run-once'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/outbox-drain: \{"composed":14,"sent":12,"retried":0,"failed":0\}/);
    const after = await runCli(['outbox', 'list'], { env });
    expect(after.stdout.trim().split('\n').at(-1)).toBe('12 mails');
    expect(deferredNoticeCount(app.db)).toBe(0);
  });
});
