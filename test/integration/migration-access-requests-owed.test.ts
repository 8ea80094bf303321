import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { migrateDatabase } from '../../src/store/migrator.js';
import { databaseBefore } from '../support/migrated-before.js';

// The access requests owed (UNKNOWN_SENDER_POLICY=hold) are rows of AccessRequestOwed from the migration on; before,
// the digest read them from the events. What a desk owed when it upgrades is owed after: a held ticket, not closed,
// with an access_request_owed event and no access_requested one; the others (asked, closed, released) are not.

const MIGRATION = '20261210020000_access_requests_owed';

it('the requests owed before the migration are owed after it, and only those', () => {
  const path = databaseBefore(MIGRATION);
  const db = new Database(path);
  db.prepare(`INSERT INTO "Contact" ("id", "email") VALUES (1, 'ana@empresa.mx')`).run();
  const ticket = db.prepare(`INSERT INTO "Ticket" ("id", "number", "subject", "status", "requesterId", "updatedAt", "heldForAuthorisation") VALUES (?, ?, 's', ?, 1, '2026-11-24T16:00:00.000+00:00', ?)`);
  const event = db.prepare(`INSERT INTO "TicketEvent" ("ticketId", "type", "actor", "createdAt") VALUES (?, ?, 'system', ?)`);
  const owedAt = '2026-11-24T16:05:00.000+00:00';
  // 1 owed; 2 owed, then asked by a digest; 3 owed, closed by an agent; 4 owed, released; 5 asked at once.
  for (const [id, status, held] of [[1, 'new', 1], [2, 'new', 1], [3, 'closed', 1], [4, 'new', 0], [5, 'new', 1]] as const) ticket.run(id, 100 + id, status, held);
  for (const id of [1, 2, 3, 4]) event.run(id, 'access_request_owed', owedAt);
  event.run(2, 'access_requested', '2026-11-24T17:05:00.000+00:00');
  event.run(5, 'access_requested', owedAt);
  db.close();
  expect(migrateDatabase(path).applied).toEqual([MIGRATION]);
  const after = new Database(path, { readonly: true });
  const rows = after.prepare('SELECT "ticketId", "owedAt" FROM "AccessRequestOwed" ORDER BY "ticketId"').all();
  after.close();
  expect(rows).toEqual([{ ticketId: 1, owedAt }]);
});
