import type Database from 'better-sqlite3';
import { connectionOf, inTransaction, type Db, type Tx } from './database.js';
import { sqlDate, sqlOf } from './sql.js';
import { HELD_BACK_SQL } from './acknowledgement-repo.js';

// The drainer's hold on the mails it sends (outbound/drainer.ts): claimed under a lease, renewed, given back, recorded
// sent. The rest of the outbox (queueing, a try's outcome, the listing) is outbox-repo.ts.

/** What the drainer reads of a mail it claimed (the columns it sends; JSON columns still as text). */
export interface ClaimedMail {
  id: number;
  /** The ticket whose mail it is (told when the mail fails for good); null for mail of no ticket (bulletins). */
  ticketId: number | null;
  /** Which mail it is: an escalation (to the desk's own people) is spared by suppression. */
  template: string;
  fromAddress: string;
  toList: string;
  ccList: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: string;
  attachments: string;
  /** Counting this one. */
  attempts: number;
  bodyId: number | null;
  fill: string;
  /** When it was queued, as stored (ISO text): how long it has been tried is counted from it, unless retryFrom is set. */
  createdAt: string;
  /** Queued on an explicit clock (`scheduler run-once --now`): when, on the wall clock (store/queueing-clock.ts). */
  retryFrom: string | null;
  /** 1: an acknowledgement ACK_LIMIT held back, written again before it goes (acknowledgement-repo.ts HELD_BACK_SQL). */
  heldBack: number;
}

// The drainer's statements are direct SQL on the connection Prisma uses (database.ts connectionOf): it runs
// them once per mail, where a Prisma query or interactive transaction costs more than the statement itself.
// Dates are written and compared as the Prisma adapter does (sql.ts sqlDate); id lists go in as one JSON
// parameter (json_each), so each statement is prepared once.

const DUE = `SELECT "id" FROM "OutboxMail"
  WHERE ("status" = 'pending' AND "nextAttemptAt" <= @now)
     OR ("status" = 'sending' AND ("leasedUntil" < @now OR "leaseHolder" IN (SELECT "value" FROM json_each(@dead))))
  ORDER BY "id" LIMIT @limit`;
const LEASE = `UPDATE "OutboxMail" SET "status" = 'sending', "leasedUntil" = ?, "leaseHolder" = ?, "attempts" = "attempts" + 1
  WHERE "id" IN (SELECT "value" FROM json_each(?))`;
// Read after the lease, so `attempts` counts this attempt. Only ids: selecting whole rows in DUE would sort
// every due mail's text and HTML to keep the first `limit`.
export const CLAIMED_SQL = `SELECT "id", "ticketId", "template", "fromAddress", "toList", "ccList", "subject", "text", "html", "messageId", "headers", "attachments", "attempts", "bodyId", "fill", "createdAt", "retryFrom",
    ${HELD_BACK_SQL} AS "heldBack"
  FROM "OutboxMail" WHERE "id" IN (SELECT "value" FROM json_each(?)) ORDER BY "id"`;
const HOLDERS = `SELECT DISTINCT "leaseHolder" AS "holder" FROM "OutboxMail" WHERE "status" = 'sending' AND "leasedUntil" >= ? AND "leaseHolder" IS NOT NULL`;
const RELEASE = `UPDATE "OutboxMail" SET "status" = 'pending', "leasedUntil" = NULL, "leaseHolder" = NULL, "attempts" = "attempts" - 1,
    "lastError" = coalesce(?, "lastError"), "mayHaveReached" = "mayHaveReached" OR ?
  WHERE "status" = 'sending' AND "leaseHolder" IS ? AND "id" IN (SELECT "value" FROM json_each(?))`;
const RENEW = `UPDATE "OutboxMail" SET "leasedUntil" = ?
  WHERE "status" = 'sending' AND "leaseHolder" = ? AND "id" IN (SELECT "value" FROM json_each(?)) RETURNING "id"`;
// Every write of a drainer about a mail it claimed holds only while the claim is its own: one frozen past the lease (a
// VM suspended, SIGSTOP) or whose renewals failed (the database held by another command) may find the mail taken
// over and sent by another drainer, and its record would send it a second time (or its retry a third). A sent row
// keeps its sender as leaseHolder: what the server said after the record (a refusal of the end, of some recipients)
// is still that sender's to write.
const SENT = `UPDATE "OutboxMail" SET "status" = 'sent', "sentAt" = ?, "leasedUntil" = NULL,
    "lastError" = CASE WHEN json_valid("headers") THEN json_extract("headers", '$.refusedForGood') END
  WHERE "id" = ? AND "status" = 'sending' AND "leaseHolder" IS ?`;
const HOLDS = `SELECT 1 FROM "OutboxMail" WHERE "id" = ? AND "status" IN ('sending', 'sent') AND "leaseHolder" IS ?`;

const statementCache = new WeakMap<Database.Database, Map<string, Database.Statement<unknown[]>>>();

function statement(connection: Database.Database, sql: string): Database.Statement<unknown[]> {
  let cache = statementCache.get(connection);
  if (!cache) statementCache.set(connection, (cache = new Map()));
  let stmt = cache.get(sql);
  // Plain numbers: the connection returns BigInt by default (Prisma's setting); no id nears 2^53.
  if (!stmt) cache.set(sql, (stmt = connection.prepare(sql).safeIntegers(false) as Database.Statement<unknown[]>));
  return stmt;
}

/**
 * Runs `write` as one transaction that takes the write lock first (BEGIN IMMEDIATE). Synchronously on the
 * connection when no Prisma transaction is open on it: nothing can interleave with a synchronous block.
 * When one is open (another part of the process awaits inside its transaction), direct statements would
 * join it and commit or roll back with it, so the write waits for a transaction of its own (inTransaction,
 * which queues behind the open one). That is also the way when another process holds the lock too long.
 */
async function drainWrite<T>(db: Db, write: (connection: Database.Database) => T): Promise<T> {
  const connection = connectionOf(db);
  if (!connection.inTransaction) {
    try {
      return connection.transaction(() => write(connection)).immediate();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    }
  }
  return inTransaction(db, async () => write(connection));
}

/**
 * Takes up to `limit` mails that are due (pending, or "sending" under a lease that expired or whose holder
 * is a process that died) and leases them to this sender. One transaction, so two drainers never take the
 * same row.
 */
export async function claimDueMails(db: Db, now: Date, leaseMs: number, limit: number, holder: string | null = null, deadHolders: string[] = []): Promise<ClaimedMail[]> {
  return drainWrite(db, (connection) => {
    const ids = statement(connection, DUE).pluck().all({ now: sqlDate(now), dead: JSON.stringify(deadHolders), limit }) as number[];
    if (ids.length === 0) return [];
    const list = JSON.stringify(ids);
    statement(connection, LEASE).run(sqlDate(new Date(now.getTime() + leaseMs)), holder, list);
    return statement(connection, CLAIMED_SQL).all(list) as ClaimedMail[];
  });
}

/**
 * Extends this holder's claims to `until` while it still holds them (a drain slower than a lease: a rate-limited
 * relay); returns the ids it still holds: a mail missing was taken over and must not be sent here.
 */
export async function renewClaims(db: Db, ids: number[], holder: string, until: Date): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  return drainWrite(db, (connection) => new Set(statement(connection, RENEW).pluck().all(sqlDate(until), holder, JSON.stringify(ids)) as number[]));
}

/** The holders of unexpired claims: the drainer takes over at once from those that are dead processes. */
export async function leaseHolders(db: Db, now: Date): Promise<string[]> {
  return statement(connectionOf(db), HOLDERS).pluck().all(sqlDate(now)) as string[];
}

/**
 * Gives back claimed mails that were not tried (shutdown), or that the server could not take for reasons not
 * theirs (`error`: kept as lastError): as they were, the attempt not counted; `reached` if the try may have left
 * them with a reader all the same (an error of a shape not known: smtp-errors.ts mayHaveDelivered).
 */
export async function releaseClaims(db: Db, ids: number[], holder: string | null, error: string | null = null, reached = false): Promise<void> {
  if (ids.length === 0) return;
  await drainWrite(db, (connection) => statement(connection, RELEASE).run(error?.slice(0, 2000) ?? null, reached ? 1 : 0, holder, JSON.stringify(ids)));
}

/** Records the mail sent if `holder` still holds its claim; false when another drainer took it over. */
export async function markSent(tx: Tx, id: number, at: Date, holder: string | null): Promise<boolean> {
  return sqlOf(tx).run(SENT, sqlDate(at), id, holder).changes > 0;
}

/** Whether the mail is still `holder`'s: claimed by it, or recorded sent by it (read in the transaction that then writes the row). */
export function holdsClaim(tx: Tx, id: number, holder: string | null): boolean {
  return sqlOf(tx).get(HOLDS, id, holder) !== undefined;
}

/**
 * markSent for several mails in one transaction (the drainer's group commit), each with its own time; returns the ids
 * not recorded because `holder` no longer held them (taken over by another drainer).
 */
export async function markManySent(db: Db, mails: Array<{ id: number; at: Date }>, holder: string | null): Promise<Set<number>> {
  if (mails.length === 0) return new Set();
  return drainWrite(db, (connection) => {
    const sent = statement(connection, SENT);
    const lost = new Set<number>();
    for (const m of mails) if (sent.run(sqlDate(m.at), m.id, holder).changes === 0) lost.add(m.id);
    return lost;
  });
}
