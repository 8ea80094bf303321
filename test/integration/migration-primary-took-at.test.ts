import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { migrateDatabase } from '../../src/store/migrator.js';
import { FAILED_NOT_SINCE_DELIVERED_SQL } from '../../src/store/survey-repo.js';
import { databaseBefore } from '../support/migrated-before.js';

// OutboxMail.primaryTookAt (when the asked address took a mail at a try that others refused) is recorded by the
// drainer from the migration on. A mail from before it, not sent and owed to others only, that never refused him for
// good, reached him at some try: Luis, whose mailbox was disabled in March and who took a mail on 3 March that failed
// only for Ana in copy, is asked surveys again after the upgrade. The time is unknown: its queueing, the earliest.

const MIGRATION = '20261218010000_outbox_primary_took_at';
const day = (d: string) => `2026-03-${d}T16:00:00.000+00:00`;

it("mails from before the migration that were owed only to others, and never refused him for good, reached the asked address when queued", () => {
  const path = databaseBefore(MIGRATION);
  const db = new Database(path);
  const insert = db.prepare(`INSERT INTO "OutboxMail" ("idempotencyKey", "template", "fromAddress", "toList", "ccList", "subject", "text", "html", "messageId", "status", "attempts", "primaryTo", "headers", "lastError", "createdAt", "nextAttemptAt", "sentAt")
    VALUES (?, 'acknowledgement', 'soporte@example.test', '["luis@cliente.mx"]', '["ana@cliente.mx"]', 's', 't', 'h', ?, ?, 2, 'luis@cliente.mx', ?, ?, ?, ?, ?)`);
  const envelope = (owed: string[], refusedForGood?: string) => JSON.stringify({ extra: {}, envelopeTo: owed, ...(refusedForGood ? { refusedForGood } : {}) });
  const disabled = 'luis@cliente.mx: 550 5.2.1 Mailbox disabled';
  insert.run('refused', 'm1@x', 'failed', '{"extra":{}}', disabled, day('02'), day('02'), null);
  insert.run('cc-only', 'm2@x', 'failed', envelope(['ana@cliente.mx']), 'ana@cliente.mx: 451 4.7.1 Greylisted (gave up after 2 tries)', day('03'), day('04'), null);
  insert.run('refused-too', 'm3@x', 'failed', envelope(['ana@cliente.mx'], disabled), 'ana@cliente.mx: 451 4.7.1 Greylisted', day('01'), day('01'), null);
  insert.run('owed-to-him', 'm4@x', 'pending', envelope(['Luis@cliente.mx']), 'Luis@cliente.mx: 451 4.7.1 Greylisted', day('06'), day('06'), null);
  insert.run('sent', 'm5@x', 'sent', envelope(['ana@cliente.mx']), null, day('01'), day('01'), day('01'));
  db.close();
  expect(migrateDatabase(path).applied).toEqual([MIGRATION]);
  const after = new Database(path, { readonly: true });
  const rows = after.prepare('SELECT "idempotencyKey" AS "key", "primaryTookAt" AS "took" FROM "OutboxMail" ORDER BY "id"').all();
  const blocked = after.prepare(FAILED_NOT_SINCE_DELIVERED_SQL).get('luis@cliente.mx');
  after.close();
  expect(rows).toEqual([
    { key: 'refused', took: null }, { key: 'cc-only', took: day('03') }, { key: 'refused-too', took: null }, { key: 'owed-to-him', took: null }, { key: 'sent', took: null },
  ]);
  // The mail of 3 March reached him after his refusals of 1 and 2 March: his surveys resume.
  expect(blocked).toBeUndefined();
});
