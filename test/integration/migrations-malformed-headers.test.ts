import Database from 'better-sqlite3';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { migrationsDir } from '../../src/paths.js';
import { migrateDatabase } from '../../src/store/migrator.js';

// The three migrations of December 2026 applied in their real order to a database with outbox rows, one of whose
// headers is no valid JSON though it names envelopeTo: the primaryTookAt backfill reads JSON only where it is valid.
const NEW = ['20261218010000_bulletin_delivery_status_index', '20261218020000_outbox_primary_took_at', '20261218030000_outbox_mail_body_status_index'];

function before(): string {
  const tmp = mkdtempSync(join(tmpdir(), 'ventanilla-malformed-'));
  onTestFinished(() => rmSync(tmp, { recursive: true, force: true }));
  const dir = join(tmp, 'migrations');
  cpSync(migrationsDir, dir, { recursive: true });
  for (const m of NEW) rmSync(join(dir, m), { recursive: true });
  const path = join(tmp, 'db.sqlite');
  migrateDatabase(path, dir);
  return path;
}

const insertSql = `INSERT INTO "OutboxMail" ("idempotencyKey", "ticketId", "template", "fromAddress", "toList", "ccList", "subject", "text", "html", "messageId", "status", "attempts", "primaryTo", "headers", "lastError", "createdAt", "nextAttemptAt", "sentAt")
    VALUES (?, 1, 'acknowledgement', 'soporte@example.test', '["luis@cliente.mx"]', '["ana@cliente.mx"]', 's', 't', 'h', ?, ?, 2, 'luis@cliente.mx', ?, ?, ?, ?, ?)`;

it('all three migrations apply, in order, over rows with malformed headers that mention envelopeTo', () => {
  const path = before();
  const db = new Database(path);
  db.prepare(`INSERT INTO "Contact" ("id", "email") VALUES (1, 'luis@cliente.mx')`).run();
  db.prepare(`INSERT INTO "Ticket" ("id", "number", "subject", "requesterId", "updatedAt") VALUES (1, 1, 's', 1, '2026-03-01T00:00:00.000+00:00')`).run();
  const ins = db.prepare(insertSql);
  const d = '2026-03-01T16:00:00.000+00:00';
  ins.run('bad-json', 'a@x', 'failed', '{"envelopeTo":["ana@cliente.mx"]', 'x', d, d, null);
  ins.run('good', 'b@x', 'failed', '{"envelopeTo":["ana@cliente.mx"]}', 'x', d, d, null);
  db.close();
  expect(migrateDatabase(path).applied).toEqual(NEW);
});
