import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { migrateDatabase } from '../../src/store/migrator.js';
import { databaseBefore } from '../support/migrated-before.js';

// OutboxMail.mayHaveReached (a try that may have left the mail with its reader) is recorded by the drainer from the
// migration on. What the tries of mails already in the outbox did is unknown: those tried may have reached their
// readers, as before the column the closing mail's correction and the CSAT survey's withdrawal assumed.

const MIGRATION = '20261206010000_outbox_may_have_reached';

it('mails tried before the migration may have reached their readers; mails never tried did not', () => {
  const path = databaseBefore(MIGRATION);
  const db = new Database(path);
  const insert = db.prepare(`INSERT INTO "OutboxMail" ("idempotencyKey", "template", "fromAddress", "toList", "subject", "text", "html", "messageId", "status", "attempts")
    VALUES (?, 'closed', 'soporte@example.test', '["ana@cliente.mx"]', 's', 't', 'h', ?, ?, ?)`);
  insert.run('tried', 'm1@x', 'pending', 2);
  insert.run('sent', 'm2@x', 'sent', 1);
  insert.run('untried', 'm3@x', 'pending', 0);
  db.close();
  expect(migrateDatabase(path).applied).toEqual([MIGRATION]);
  const after = new Database(path, { readonly: true });
  const rows = after.prepare('SELECT "idempotencyKey" AS "key", "mayHaveReached" AS "reached" FROM "OutboxMail" ORDER BY "id"').all();
  after.close();
  expect(rows).toEqual([{ key: 'tried', reached: 1 }, { key: 'sent', reached: 1 }, { key: 'untried', reached: 0 }]);
});
