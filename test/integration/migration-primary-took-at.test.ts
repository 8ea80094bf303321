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
  /** Its To; Luis alone unless said. */
  to?: string[];
}

/** An event notice_suppressed on the ticket: what leaving a suppressed recipient out of a mail writes. */
interface Suppressed {
  detail: string;
  at: string;
}

/** A database before the migration holding these mails of one ticket of Luis's, Ana in copy; migrated. */
function migrated(mails: Mail[], events: Suppressed[] = []): { took: Array<{ key: string; took: string | null }>; blocked: boolean } {
  const path = databaseBefore(MIGRATION);
  const db = new Database(path);
  db.prepare(`INSERT INTO "Contact" ("id", "email") VALUES (1, 'luis@cliente.mx')`).run();
  db.prepare(`INSERT INTO "Ticket" ("id", "number", "subject", "requesterId", "updatedAt") VALUES (1, 1, 's', 1, ?)`).run(day('01'));
  const insert = db.prepare(`INSERT INTO "OutboxMail" ("idempotencyKey", "ticketId", "template", "fromAddress", "toList", "ccList", "subject", "text", "html", "messageId", "status", "attempts", "primaryTo", "headers", "lastError", "createdAt", "nextAttemptAt", "sentAt")
    VALUES (?, 1, 'acknowledgement', 'soporte@example.test', ?, '["ana@cliente.mx"]', 's', 't', 'h', ?, ?, 2, 'luis@cliente.mx', ?, ?, ?, ?, ?)`);
  const message = db.prepare(`INSERT INTO "Message" ("ticketId", "direction", "dedupKey", "messageId", "fromAddress", "subject", "createdAt") VALUES (1, 'out', ?, ?, 'soporte@example.test', 's', ?)`);
  for (const m of mails) {
    const messageId = `${m.key}@example.test`;
    insert.run(m.key, JSON.stringify(m.to ?? ['luis@cliente.mx']), messageId, m.status, m.headers, m.lastError, m.created, m.tried, m.sent ?? null);
    if (m.message) message.run(`out:${messageId}`, messageId, m.message);
  }
  const event = db.prepare(`INSERT INTO "TicketEvent" ("ticketId", "type", "actor", "detail", "createdAt") VALUES (1, 'notice_suppressed', 'system', ?, ?)`);
  for (const e of events) event.run(e.detail, e.at);
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

// Luis's mailbox was disabled on 1 March. Mail B, queued 2 March: Luis greylisted, Ana took it (envelopeTo [luis]);
// on 3 March his address was suppressed (a hard bounce) and the drainer's screening settled B sent for the others,
// envelopeTo [] (suppressed-recipients.ts, 'done'). He never took B: an envelope without him is no sign he did.
const lift = 'the address is suppressed after bounces (ventanilla suppressions lift luis@cliente.mx)';
it('a mail his suppression left him out of, settled sent for the others, is not dated as taken by him', () => {
  const { took, blocked } = migrated([
    { key: 'refused', status: 'failed', headers: '{"extra":{}}', lastError: disabled, created: day('01'), tried: day('01'), message: day('01') },
    { key: 'left-out', status: 'sent', headers: envelope([]), lastError: `not sent to luis@cliente.mx: ${lift}`, created: day('02'), tried: day('02'), sent: day('03'), message: day('02') },
  ]);
  expect(took).toEqual([{ key: 'refused', took: null }, { key: 'left-out', took: null }]);
  expect(blocked).toBe(true);
});

// As above, but B went to Carlos in To as well: the screening left Luis out ([luis, carlos] -> [carlos]) with no
// lastError, only the event on the ticket; Carlos was then greylisted until B failed. The same mail, Luis left out
// of it by `outbox retry` on 5 March (queued anew then), and one Luis did take before a later mail left him out.
it('a mail his suppression left him out of while others were still owed it is not dated as taken by him', () => {
  const toBoth = ['luis@cliente.mx', 'carlos@cliente.mx'];
  const carlosGaveUp = 'carlos@cliente.mx: 451 4.7.1 Greylisted (gave up after 9 tries)';
  const left = (at: string) => ({ detail: `acknowledgement to Luis@cliente.mx: ${lift}; sent to the copies only: carlos@cliente.mx`, at });
  expect(migrated([
    { key: 'refused', status: 'failed', headers: '{"extra":{}}', lastError: disabled, created: day('01'), tried: day('01'), message: day('01') },
    { key: 'left-out', to: toBoth, status: 'failed', headers: envelope(['carlos@cliente.mx']), lastError: carlosGaveUp, created: day('02'), tried: day('04'), message: day('02') },
  ], [left(day('03'))])).toEqual({ took: [{ key: 'refused', took: null }, { key: 'left-out', took: null }], blocked: true });
  expect(migrated([
    { key: 'refused', status: 'failed', headers: '{"extra":{}}', lastError: disabled, created: day('01'), tried: day('01'), message: day('01') },
    { key: 'left-out-on-retry', to: toBoth, status: 'failed', headers: envelope(['carlos@cliente.mx']), lastError: carlosGaveUp, created: day('05'), tried: day('06'), message: day('02') },
  ], [left(day('05'))])).toEqual({ took: [{ key: 'refused', took: null }, { key: 'left-out-on-retry', took: null }], blocked: true });
  // Left out of an earlier mail only (its event before this one's queueing): this one he took, after his refusal.
  expect(migrated([
    { key: 'refused', status: 'failed', headers: '{"extra":{}}', lastError: disabled, created: day('01'), tried: day('01'), message: day('01') },
    { key: 'took', to: toBoth, status: 'failed', headers: envelope(['carlos@cliente.mx']), lastError: carlosGaveUp, created: day('03'), tried: day('04'), message: day('03') },
  ], [left(day('02'))])).toEqual({ took: [{ key: 'refused', took: null }, { key: 'took', took: day('03') }], blocked: false });
});
