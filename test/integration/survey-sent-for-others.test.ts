import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { migrateDatabase } from '../../src/store/migrator.js';
import { FAILED_NOT_SINCE_DELIVERED_SQL } from '../../src/store/survey-repo.js';
import { databaseBefore } from '../support/migrated-before.js';

// The survey gate (README "Surveys") reads a sent mail's sentAt as a delivery to the address it asks only when its
// last try was owed to him: a mail whose last try went to others only (envelopeTo without him) was sent then to them.
// He took it earlier (primaryTookAt says when, or nothing does, for a mail from before that column), or his
// suppression left him out of it: at its sentAt, in either case, nothing reached him.

const day = (d: string) => `2026-03-${d}T16:00:00.000+00:00`;
const envelope = (owed: string[]) => JSON.stringify({ extra: {}, envelopeTo: owed });

interface Row {
  key: string;
  ticketId: number | null;
  status: string;
  headers: string;
  lastError: string | null;
  created: string;
  sent: string | null;
}

/** Luis's mails (Ana in copy) in the database at `path`; whether the gate keeps his surveys blocked. */
function blockedWith(path: string, rows: Row[], migrate: boolean): boolean {
  const db = new Database(path);
  db.prepare(`INSERT INTO "Contact" ("id", "email") VALUES (1, 'luis@cliente.mx')`).run();
  db.prepare(`INSERT INTO "Ticket" ("id", "number", "subject", "requesterId", "updatedAt") VALUES (1, 1, 's', 1, ?)`).run(day('01'));
  const insert = db.prepare(`INSERT INTO "OutboxMail" ("idempotencyKey", "ticketId", "template", "fromAddress", "toList", "ccList", "subject", "text", "html", "messageId", "status", "attempts", "primaryTo", "headers", "lastError", "createdAt", "nextAttemptAt", "sentAt")
    VALUES (?, ?, 'acknowledgement', 'soporte@example.test', '["luis@cliente.mx"]', '["ana@cliente.mx"]', 's', 't', 'h', ?, ?, 2, 'luis@cliente.mx', ?, ?, ?, ?, ?)`);
  for (const r of rows) insert.run(r.key, r.ticketId, `${r.key}@example.test`, r.status, r.headers, r.lastError, r.created, r.created, r.sent);
  db.close();
  if (migrate) migrateDatabase(path);
  const after = new Database(path, { readonly: true });
  const blocked = after.prepare(FAILED_NOT_SINCE_DELIVERED_SQL).get('luis@cliente.mx') !== undefined;
  after.close();
  return blocked;
}

// From before the upgrade: a mail of no ticket message (an access request to an organisation's administrators),
// queued on 1 March; Luis took it at its first try, Ana was greylisted and took a retry on 5 March (its sentAt, hers).
// Luis's mailbox was disabled on 2 March. The migration cannot date his taking it (no message): it lifts nothing.
it("a sent mail owed to the Cc only at its last try does not lift a refusal between its queueing and the Cc's sending", () => {
  const blocked = blockedWith(databaseBefore('20261218020000_outbox_primary_took_at'), [
    { key: 'no-message', ticketId: null, status: 'sent', headers: envelope(['ana@cliente.mx']), lastError: null, created: day('01'), sent: day('05') },
    { key: 'refused', ticketId: 1, status: 'failed', headers: '{"extra":{}}', lastError: 'luis@cliente.mx: 550 5.2.1 Mailbox disabled', created: day('02'), sent: null },
  ], true);
  expect(blocked).toBe(true);
});

// After the upgrade: Luis greylisted at the first try of a mail Ana took (envelopeTo [luis]); on 2 March his mailbox
// refused another mail for good (550 5.1.1, suppressed); on 3 March the drainer's screening left him out of the first,
// owed to him alone: settled sent (suppressed-recipients.ts 'done'), envelopeTo [], no primaryTookAt. He never took it.
it('a mail settled sent when his suppression left him out of it is no delivery to him', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'ventanilla-sent-for-others-'));
  const path = join(dir, 'db.sqlite');
  migrateDatabase(path);
  try {
    const blocked = blockedWith(path, [
      { key: 'left-out', ticketId: null, status: 'sent', headers: envelope([]), lastError: 'not sent to luis@cliente.mx: the address is suppressed after bounces (ventanilla suppressions lift luis@cliente.mx)', created: day('01'), sent: day('03') },
      { key: 'refused', ticketId: 1, status: 'failed', headers: '{"extra":{}}', lastError: 'luis@cliente.mx: 550 5.1.1 User unknown', created: day('02'), sent: null },
    ], false);
    expect(blocked).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The same mail sent once he took a retry (envelopeTo [luis] at its last try): its sentAt is his, after his refusal.
it('a mail whose last try was owed to him and was sent reached him at its sentAt', () => {
  const blocked = blockedWith(databaseBefore('20261218020000_outbox_primary_took_at'), [
    { key: 'took-retry', ticketId: null, status: 'sent', headers: envelope(['luis@cliente.mx']), lastError: null, created: day('01'), sent: day('03') },
    { key: 'refused', ticketId: 1, status: 'failed', headers: '{"extra":{}}', lastError: 'luis@cliente.mx: 550 5.2.1 Mailbox disabled', created: day('02'), sent: null },
  ], true);
  expect(blocked).toBe(false);
});
