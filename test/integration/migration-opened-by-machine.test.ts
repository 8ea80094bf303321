import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { migrationsDir } from '../../src/paths.js';
import { migrateDatabase } from '../../src/store/migrator.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { databaseBefore } from '../support/migrated-before.js';

// Tickets opened by machine-written mail before Ticket.openedByMachine existed: their inbound log row names the
// evidence ("…; automatic (Auto-Submitted: auto-generated): no answer sent"), and the migration sets the column from
// it, so an ERP's old tickets solved after the upgrade get no survey either.

const MIGRATION = '20261217030000_ticket_opened_by_machine';
/** The migration's updates, one statement each (a raw query runs one). */
const backfill = () => (readFileSync(join(migrationsDir, MIGRATION, 'migration.sql'), 'utf8').split('-- AlterTable')[1]?.replace(/^[^;]*;/, '') ?? '').split(/;\s*$/m).filter((s) => /UPDATE/.test(s));
const runBackfill = async () => {
  for (const statement of backfill()) await app.db.$executeRawUnsafe(statement);
};

let app: TestApp;
afterEach(async () => app?.dispose());

it('sets the column from the inbound log rows the ingest writes: machine-written mail opening a ticket', async () => {
  app = await createTestApp();
  const ingest = (headers: Record<string, string>) => app.pipeline.ingest(mail({ headers }), { source: 'file' });
  const erp = await ingest({ From: 'facturas@empresa.com', 'Auto-Submitted': 'auto-generated' });
  const notifier = await ingest({ From: 'alertas@monitor.cliente.mx', Precedence: 'bulk' });
  const robot = await ingest({ From: 'no-reply@banco.mx' });
  const person = await ingest({ From: 'ana@cliente.mx' });
  const outlook = await ingest({ From: 'luis@cliente.mx', 'X-Auto-Response-Suppress': 'All' });
  const expected = await app.db.ticket.findMany({ orderBy: { number: 'asc' }, select: { number: true, openedByMachine: true } });
  expect(expected.map((t) => t.openedByMachine)).toEqual(['Auto-Submitted: auto-generated', 'Precedence: bulk', 'From: no-reply@banco.mx (an address that reads no answers)', null, null]);
  expect([erp, notifier, robot, person, outlook].map((r) => r.ticketNumber)).toEqual(expected.map((t) => t.number));
  // As a database from before the column: none set; the migration's update sets them as the ingest does now.
  await app.db.$executeRawUnsafe('UPDATE "Ticket" SET "openedByMachine" = NULL');
  await runBackfill();
  expect(await app.db.ticket.findMany({ orderBy: { number: 'asc' }, select: { number: true, openedByMachine: true } })).toEqual(expected);
});

it('is applied to a database from before it', () => {
  const path = databaseBefore(MIGRATION);
  const db = new Database(path);
  db.prepare(`INSERT INTO "Contact" ("id", "email", "createdAt") VALUES (1, 'facturas@empresa.com', 0)`).run();
  for (const n of [1000, 1001]) db.prepare(`INSERT INTO "Ticket" ("number", "subject", "requesterId", "createdAt", "updatedAt") VALUES (?, 'Factura', 1, 0, 0)`).run(n);
  const log = db.prepare(`INSERT INTO "InboundLog" ("source", "size", "rawSha256", "outcome", "ticketNumber", "detail") VALUES ('file', 1, 'x', ?, ?, ?)`);
  log.run('created', 1000, 'no-reference; automatic (Auto-Submitted: auto-generated): no answer sent');
  log.run('created', 1001, 'no-reference');
  log.run('comment', 1001, 'via tag; automatic (Auto-Submitted: auto-replied): no answer sent');
  db.close();
  expect(migrateDatabase(path).applied).toEqual([MIGRATION]);
  const after = new Database(path, { readonly: true });
  expect(after.prepare('SELECT "number", "openedByMachine" FROM "Ticket" ORDER BY "number"').all()).toEqual([
    { number: 1000, openedByMachine: 'Auto-Submitted: auto-generated' },
    { number: 1001, openedByMachine: null },
  ]);
  after.close();
});

it('sets it for a too-large ticket from machine-written mail too: its log row (too_large) names the evidence', async () => {
  app = await createTestApp({ MAX_MESSAGE_BYTES: '2000' });
  const big = (headers: Record<string, string>) => app.pipeline.ingest(mail({ headers: { Subject: 'Factura 12', ...headers }, body: 'x'.repeat(5000) }), { source: 'file' });
  const erp = await big({ From: 'facturas@empresa.com', 'Auto-Submitted': 'auto-generated' });
  const robot = await big({ From: 'no-reply@banco.mx' });
  const person = await big({ From: 'ana@cliente.mx' });
  expect([erp, robot, person].map((r) => r.outcome)).toEqual(['too_large', 'too_large', 'too_large']);
  const expected = await app.db.ticket.findMany({ orderBy: { number: 'asc' }, select: { number: true, openedByMachine: true } });
  expect(expected.map((t) => t.openedByMachine)).toEqual(['Auto-Submitted: auto-generated', 'From: no-reply@banco.mx (an address that reads no answers)', null]);
  await app.db.$executeRawUnsafe('UPDATE "Ticket" SET "openedByMachine" = NULL');
  await runBackfill();
  expect(await app.db.ticket.findMany({ orderBy: { number: 'asc' }, select: { number: true, openedByMachine: true } })).toEqual(expected);
});

it('sets it for a too-large ticket from machine-written mail held for authorisation: its hold event names the evidence', async () => {
  app = await createTestApp({ MAX_MESSAGE_BYTES: '2000', UNKNOWN_SENDER_POLICY: 'hold' });
  const big = (headers: Record<string, string>) => app.pipeline.ingest(mail({ headers: { Subject: 'Factura 12', ...headers }, body: 'x'.repeat(5000) }), { source: 'file' });
  await big({ From: 'facturas@empresa.com', 'Auto-Submitted': 'auto-generated' });
  await big({ From: 'ana@cliente.mx' });
  const expected = await app.db.ticket.findMany({ orderBy: { number: 'asc' }, select: { number: true, heldForAuthorisation: true, openedByMachine: true } });
  expect(expected.map((t) => [t.heldForAuthorisation, t.openedByMachine])).toEqual([[true, 'Auto-Submitted: auto-generated'], [true, null]]);
  await app.db.$executeRawUnsafe('UPDATE "Ticket" SET "openedByMachine" = NULL');
  await runBackfill();
  expect(await app.db.ticket.findMany({ orderBy: { number: 'asc' }, select: { number: true, heldForAuthorisation: true, openedByMachine: true } })).toEqual(expected);
});

it('reads each log row and hold event of its kind once, and each ticket by its key: linear on a desk of a million tickets', () => {
  const db = new Database(databaseBefore(MIGRATION));
  db.exec('ALTER TABLE "Ticket" ADD COLUMN "openedByMachine" TEXT');
  const plans = backfill().map((sql) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((row) => row.detail));
  db.close();
  expect(plans).toHaveLength(3);
  for (const plan of plans) {
    expect(plan.filter((step) => /^SCAN /.test(step))).toEqual([]);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH Ticket USING (COVERING )?INDEX Ticket_number_key \(number=\?\)$|^SEARCH Ticket USING INTEGER PRIMARY KEY \(rowid=\?\)$/));
  }
  expect(plans.flat().filter((step) => /^SEARCH [le] /.test(step))).toEqual([
    expect.stringMatching(/USING INDEX InboundLog_outcome_receivedAt_idx \(outcome=\?\)/),
    expect.stringMatching(/USING INDEX InboundLog_outcome_receivedAt_idx \(outcome=\?\)/),
    expect.stringMatching(/USING INDEX TicketEvent_type_ticketId_idx \(type=\?\)/),
  ]);
});
