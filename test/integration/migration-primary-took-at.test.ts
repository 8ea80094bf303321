import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { migrateDatabase } from '../../src/store/migrator.js';
import { FAILED_NOT_SINCE_DELIVERED_SQL } from '../../src/store/survey-repo.js';
import { databaseBefore } from '../support/migrated-before.js';

// OutboxMail.primaryTookAt (when the asked address took a mail at a try that others refused) is recorded by the
// drainer from the migration on. A mail from before it owed to others only (sent once they took a retry, or not), that never refused him for
// good, reached him at some try: Luis, whose mailbox was disabled in March and who took a mail on 3 March that failed
// only for Ana in copy, is asked surveys again after the upgrade. The time is unknown: its queueing, the earliest,
// as its ticket's message keeps it (`outbox retry` queues the row anew, its createdAt too).

const MIGRATION = '20261218020000_outbox_primary_took_at';
const day = (d: string) => `2026-03-${d}T16:00:00.000+00:00`;
const disabled = 'luis@cliente.mx: 550 5.2.1 Mailbox disabled';
const envelope = (owed: string[], refusedForGood?: string) => JSON.stringify({ extra: {}, envelopeTo: owed, ...(refusedForGood ? { refusedForGood } : {}) });

interface Mail {
  key: string;
  status: string;
  headers: string;
  lastError: string | null;
  /** When the row says it was queued (createdAt), its last try (nextAttemptAt), its sending. */
  created: string;
  tried: string;
  sent?: string;
  /** When its ticket's message was written, as it was queued; none: a mail of no ticket message. */
  message?: string;
}

/** A database before the migration holding these mails of one ticket of Luis's, Ana in copy; migrated. */
function migrated(mails: Mail[]): { took: Array<{ key: string; took: string | null }>; blocked: boolean } {
  const path = databaseBefore(MIGRATION);
  const db = new Database(path);
  db.prepare(`INSERT INTO "Contact" ("id", "email") VALUES (1, 'luis@cliente.mx')`).run();
  db.prepare(`INSERT INTO "Ticket" ("id", "number", "subject", "requesterId", "updatedAt") VALUES (1, 1, 's', 1, ?)`).run(day('01'));
  const insert = db.prepare(`INSERT INTO "OutboxMail" ("idempotencyKey", "ticketId", "template", "fromAddress", "toList", "ccList", "subject", "text", "html", "messageId", "status", "attempts", "primaryTo", "headers", "lastError", "createdAt", "nextAttemptAt", "sentAt")
    VALUES (?, 1, 'acknowledgement', 'soporte@example.test', '["luis@cliente.mx"]', '["ana@cliente.mx"]', 's', 't', 'h', ?, ?, 2, 'luis@cliente.mx', ?, ?, ?, ?, ?)`);
  const message = db.prepare(`INSERT INTO "Message" ("ticketId", "direction", "dedupKey", "messageId", "fromAddress", "subject", "createdAt") VALUES (1, 'out', ?, ?, 'soporte@example.test', 's', ?)`);
  for (const m of mails) {
    const messageId = `${m.key}@example.test`;
    insert.run(m.key, messageId, m.status, m.headers, m.lastError, m.created, m.tried, m.sent ?? null);
    if (m.message) message.run(`out:${messageId}`, messageId, m.message);
  }
  db.close();
  expect(migrateDatabase(path).applied).toEqual([MIGRATION]);
  const after = new Database(path, { readonly: true });
  const took = after.prepare('SELECT "idempotencyKey" AS "key", "primaryTookAt" AS "took" FROM "OutboxMail" ORDER BY "id"').all() as Array<{ key: string; took: string | null }>;
  const blocked = after.prepare(FAILED_NOT_SINCE_DELIVERED_SQL).get('luis@cliente.mx') !== undefined;
  after.close();
  return { took, blocked };
}

it("mails from before the migration that were owed only to others, and never refused him for good, reached the asked address when queued", () => {
  const { took, blocked } = migrated([
    { key: 'refused', status: 'failed', headers: '{"extra":{}}', lastError: disabled, created: day('02'), tried: day('02'), message: day('02') },
    { key: 'cc-only', status: 'failed', headers: envelope(['ana@cliente.mx']), lastError: 'ana@cliente.mx: 451 4.7.1 Greylisted (gave up after 2 tries)', created: day('03'), tried: day('04'), message: day('03') },
    { key: 'refused-too', status: 'failed', headers: envelope(['ana@cliente.mx'], disabled), lastError: 'ana@cliente.mx: 451 4.7.1 Greylisted', created: day('01'), tried: day('01'), message: day('01') },
    { key: 'owed-to-him', status: 'pending', headers: envelope(['Luis@cliente.mx']), lastError: 'Luis@cliente.mx: 451 4.7.1 Greylisted', created: day('06'), tried: day('06'), message: day('06') },
    { key: 'sent', status: 'sent', headers: envelope(['ana@cliente.mx']), lastError: null, created: day('01'), tried: day('01'), sent: day('01'), message: day('01') },
  ]);
  expect(took).toEqual([
    { key: 'refused', took: null }, { key: 'cc-only', took: day('03') }, { key: 'refused-too', took: null }, { key: 'owed-to-him', took: null }, { key: 'sent', took: day('01') },
  ]);
  // The mail of 3 March reached him after his refusals of 1 and 2 March: his surveys resume.
  expect(blocked).toBe(false);
});

// Luis took the mail of 1 March at its first try; Ana, in copy, was greylisted until it gave up. On 2 March his
// mailbox was disabled and refused the next mail. On 5 March the desk ran `outbox retry` on the first one (for Ana):
// queued anew, its createdAt is 5 March, though he took it on 1 March, before his refusal. Nothing reached him since.
it('a mail put back by `outbox retry` before the upgrade is dated by its queueing, not by the retry', () => {
  const { took, blocked } = migrated([
    { key: 'took-then-retried', status: 'failed', headers: envelope(['ana@cliente.mx']), lastError: 'ana@cliente.mx: 451 4.7.1 Greylisted (gave up after 2 tries)', created: day('05'), tried: day('05'), message: day('01') },
    { key: 'refused', status: 'failed', headers: '{"extra":{}}', lastError: disabled, created: day('02'), tried: day('02'), message: day('02') },
  ]);
  expect(took).toEqual([{ key: 'took-then-retried', took: day('01') }, { key: 'refused', took: null }]);
  expect(blocked).toBe(true);
});

// A mail of no ticket message (an access request to an organisation's administrators): when it was queued is not
// known for sure (its createdAt may be an `outbox retry`'s), so it lifts nothing.
it('a mail with no ticket message to date it by lifts nothing', () => {
  const { took, blocked } = migrated([
    { key: 'refused', status: 'failed', headers: '{"extra":{}}', lastError: disabled, created: day('02'), tried: day('02'), message: day('02') },
    { key: 'no-message', status: 'failed', headers: envelope(['ana@cliente.mx']), lastError: 'ana@cliente.mx: 451 4.7.1 Greylisted (gave up after 2 tries)', created: day('05'), tried: day('05') },
  ]);
  expect(took).toEqual([{ key: 'refused', took: null }, { key: 'no-message', took: null }]);
  expect(blocked).toBe(true);
});
