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
const backfill = () => readFileSync(join(migrationsDir, MIGRATION, 'migration.sql'), 'utf8').split('-- AlterTable')[1]?.replace(/^[^;]*;/, '') ?? '';

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
  await app.db.$executeRawUnsafe(backfill());
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
