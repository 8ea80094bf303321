// The jobs that run every minute look for a handful of rows among up to a million tickets: each must find them
// through an index, never by reading the whole table (the scheduler's 1M-ticket tick, test/bench/scheduler.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/store/migrator.js';
import { ACK_SLOTS_SQL, KNOWN_REQUESTER_SQL, LAST_THROTTLED_SQL } from '../../src/store/acknowledgement-repo.js';
import { CANCEL_QUEUED_SQL } from '../../src/store/outbox-cancel.js';
import { CLAIMED_SQL } from '../../src/store/outbox-claims.js';
import { FAILED_NOT_SINCE_DELIVERED_SQL } from '../../src/store/survey-repo.js';
import { HELD_TO_JOIN_SQL, JOINED_FOLLOW_UP } from '../../src/lifecycle/held-follow-up-join.js';
import { SUPPRESSED_SINCE_SQL } from '../../src/store/suppression-repo.js';
import { TICKETS_OF_ISSUE_SQL } from '../../src/store/lifecycle-repo.js';
import { MARKED_LEFT_SQL, NEXT_MARKED_SQL } from '../../src/store/bulletin-resume-repo.js';
import { OUTSTANDING_MAILS_SQL } from '../../src/store/bulletin-repo.js';
import { MAILS_OF_TEMPLATES_TO_SQL, MAILS_OF_TEMPLATE_TO_SQL, OWED_ACCESS_REQUESTS_SQL, SETTLED_ACCESS_REQUESTS_SQL } from '../../src/store/access-repo.js';

let dir: string;
let db: Database.Database;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-plans-'));
  const path = join(dir, 'plans.sqlite');
  migrateDatabase(path);
  db = new Database(path);
});

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** EXPLAIN QUERY PLAN's steps, one line each ("SCAN t", "SEARCH t USING INDEX ..."). */
function planOf(sql: string, ...args: unknown[]): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((row) => row.detail);
}

describe('the access-request digest (every minute)', () => {
  it('reads only the rows of what is owed, each ticket and requester by its key: no ticket, and no owed event of the past, read', () => {
    const plan = planOf(OWED_ACCESS_REQUESTS_SQL);
    expect(plan.filter((step) => /^SCAN /.test(step))).toEqual(['SCAN owed']);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH t USING INTEGER PRIMARY KEY \(rowid=\?\)$/));
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH c USING INTEGER PRIMARY KEY \(rowid=\?\)$/));
    expect(plan.join('\n')).not.toMatch(/TicketEvent/);
  });
  it('forgets what is owed for released or closed tickets from those rows too, each ticket by its key', () => {
    const plan = planOf(SETTLED_ACCESS_REQUESTS_SQL);
    expect(plan.filter((step) => /^SCAN /.test(step))).toEqual(['SCAN owed']);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH t USING INTEGER PRIMARY KEY \(rowid=\?\)$/));
  });
  it('adds no index on Ticket that SQLite could take for the NPS campaign\'s lookups by requester (nearly every ticket is not held)', () => {
    const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Ticket'`).all() as Array<{ name: string }>).map((r) => r.name);
    expect(indexes.filter((name) => /heldForAuthorisation/.test(name))).toEqual([]);
  });
});

describe('the once-per-address checks of access and subscription mails (every mail that may get one)', () => {
  it("count one address's mails by its index, not every mail of the template in the period (REFUSAL_LIMIT's index)", () => {
    const plan = planOf(MAILS_OF_TEMPLATE_TO_SQL, 'ana@example.com', '2026-12-01T00:00:00.000Z', 'bulletin_confirm');
    expect(plan).toEqual([expect.stringMatching(/SEARCH OutboxMail USING INDEX OutboxMail_primaryTo_createdAt_idx/)]);
  });
  it('count one address\'s subscription mails of both kinds (what the "already subscribed" reply counts: links and replies) by the same index', () => {
    const plan = planOf(MAILS_OF_TEMPLATES_TO_SQL, 'ana@example.com', '2026-12-01T00:00:00.000Z', '["bulletin_confirm","bulletin_subscribed"]');
    expect(plan.filter((step) => /^SCAN OutboxMail\b/.test(step))).toEqual([]);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH OutboxMail USING INDEX OutboxMail_primaryTo_createdAt_idx \(primaryTo=\? AND createdAt>\?\)$/));
  });
});

describe('ACK_LIMIT (every acknowledgement of a new ticket, thousands in a backlog; src/outbound/ack-throttle.ts)', () => {
  it('reads the latest acknowledgements\' turns by the index on (template, createdAt), in its order (no sort)', () => {
    expect(planOf(ACK_SLOTS_SQL, '2026-12-01T00:00:00.000+00:00', 1, 499)).toEqual([expect.stringMatching(/^SEARCH OutboxMail USING INDEX OutboxMail_template_createdAt_idx \(template=\?\)$/)]);
  });
  it('finds the latest held back by the index on TicketEvent (type, ticketId), in its order (no sort)', () => {
    expect(planOf(LAST_THROTTLED_SQL)).toEqual([expect.stringMatching(/^SEARCH TicketEvent USING (COVERING )?INDEX TicketEvent_type_ticketId_idx \(type=\?\)$/)]);
  });
  it('tells a known requester by primary keys and the index on Ticket (requesterId)', () => {
    const plan = planOf(KNOWN_REQUESTER_SQL, 1);
    expect(plan.filter((step) => /^SCAN /.test(step))).toEqual([]);
    expect(plan.some((step) => /SEARCH e USING (COVERING )?INDEX Ticket_requesterId_idx/.test(step))).toBe(true);
  });
  it('tells a claimed acknowledgement held back (written again before it goes) by the index on TicketEvent (type, ticketId)', () => {
    const plan = planOf(CLAIMED_SQL, '[1,2]');
    expect(plan.filter((step) => /^SCAN (OutboxMail|e)\b/.test(step))).toEqual([]);
    expect(plan.some((step) => /SEARCH e USING (COVERING )?INDEX TicketEvent_type_ticketId_idx/.test(step))).toBe(true);
  });
  it("cancels a ticket's held-back acknowledgement by its idempotency key", () => {
    expect(planOf(CANCEL_QUEUED_SQL, 'x', 'ack:1', 'y', 'y')).toEqual([expect.stringMatching(/^SEARCH OutboxMail USING INDEX sqlite_autoindex_OutboxMail_1|^SEARCH OutboxMail USING INDEX OutboxMail_idempotencyKey_key/)]);
  });
});

describe('the outbox drain (each claimed batch of up to 200 mails; src/outbound/suppressed-recipients.ts)', () => {
  it('looks up the suppression of each recipient of the batch by the primary key, not by reading the whole list', () => {
    const plan = planOf(SUPPRESSED_SINCE_SQL, '["ana@cliente.mx","luis@cliente.mx"]', '2026-12-01T00:00:00.000+00:00');
    expect(plan.filter((step) => /^SCAN Suppression\b/.test(step))).toEqual([]);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH Suppression USING INDEX sqlite_autoindex_Suppression_1 \(email=\?\)$/));
  });
});

describe('`product-issue release REF` with none on hold for REF (a typo, or released already)', () => {
  it("tells whether a ticket was ever on hold for it by the index on (status, productIssueRef), not by reading every ticket in number's order", () => {
    const plan = planOf(TICKETS_OF_ISSUE_SQL, 'BUG-404', 10);
    expect(plan.filter((step) => /^SCAN /.test(step))).toEqual([]);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH Ticket USING (COVERING )?INDEX Ticket_status_productIssueRef_idx \(status=\? AND productIssueRef=\?\)$/));
  });
});

describe('whether mail to an address failed for good and none reached it since (each survey to send; src/surveys/suppression.ts)', () => {
  it("reads that address's mails by the index on (primaryTo, createdAt), the later ones too, not every mail", () => {
    const plan = planOf(FAILED_NOT_SINCE_DELIVERED_SQL, 'luis@cliente.mx');
    expect(plan.filter((step) => /^SCAN\b/.test(step))).toEqual([]);
    expect(plan.filter((step) => /^SEARCH [fs] USING INDEX OutboxMail_primaryTo_createdAt_idx \(primaryTo=\?\)$/.test(step))).toHaveLength(2);
  });
});

describe('the held follow-ups a new follow-up of a closed ticket takes in (each such follow-up, in the ingest transaction)', () => {
  it("finds them by the index on followUpOfId and the joined events, not by reading every ticket (6775d41's read 1M in ~250 ms)", () => {
    const plan = planOf(HELD_TO_JOIN_SQL, 4, JOINED_FOLLOW_UP, 4, 5, 'forged', 4, JOINED_FOLLOW_UP, JOINED_FOLLOW_UP, 4);
    expect(plan.filter((step) => /^SCAN t\b/.test(step))).toEqual([]);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH t USING INDEX Ticket_followUpOfId_idx \(followUpOfId=\?\)$/));
  });
});

describe('the bulletin-send job (every 10 s) and the check after each outbox drain, while a bulletin of 100,000 readers sends', () => {
  it("finds a resumed bulletin's marked deliveries by the index on (bulletinId, status, subscriberId), in order, not by reading every delivery", () => {
    expect(planOf(NEXT_MARKED_SQL, 1, 500)).toEqual([expect.stringMatching(/^SEARCH BulletinDelivery USING INDEX BulletinDelivery_bulletinId_status_subscriberId_idx \(bulletinId=\? AND status=\?\)$/)]);
    expect(planOf(MARKED_LEFT_SQL, 1)).toEqual([expect.stringMatching(/^SEARCH BulletinDelivery USING COVERING INDEX BulletinDelivery_bulletinId_status_subscriberId_idx \(bulletinId=\? AND status=\?\)$/)]);
  });
  it("counts a bulletin's mails still waiting from its bodies (one a language) and each body's waiting mails: not from every waiting mail of the outbox (a backlog of other mail, 200,000 after an outage), nor from every delivery", () => {
    const plan = planOf(OUTSTANDING_MAILS_SQL, 'bulletin:1:', 'bulletin:1;');
    expect(plan.filter((step) => /^SCAN /.test(step))).toEqual([]);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH b USING COVERING INDEX OutboxBody_key_key \(key>\? AND key<\?\)$/));
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH o USING COVERING INDEX OutboxMail_bodyId_status_idx \(bodyId=\? AND status=\?\)$/));
    expect(plan.join('\n')).not.toMatch(/OutboxMail_status_nextAttemptAt_idx|BulletinDelivery/);
  });
});
