import type Database from 'better-sqlite3';
import { connectionOf, inTransaction, type Db, type Tx } from './database.js';
import { sqlDate, sqlOf } from './sql.js';
import { HELD_BACK_SQL } from './acknowledgement-repo.js';

export interface OutboxHeaders {
  inReplyTo?: string | null;
  references?: string[];
  replyTo?: string | null;
  extra: Record<string, string>;
  /** Set once some recipients took the mail and others refused it for now: the ones it still goes to. */
  envelopeTo?: string[];
  /**
   * The recipients an earlier try was refused for good ("luis@cliente.mx: 550 …; …"), while it still goes to others:
   * its lastError once sent (SENT), as a try that took them all and refused these leaves it (failed-tries.ts), so a
   * mail that reached only the copies is never read as one that reached these (survey-repo.ts).
   */
  refusedForGood?: string;
}

export interface NewOutboxMail {
  idempotencyKey: string;
  ticketId: number | null;
  template: string;
  fromAddress: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: OutboxHeaders;
  attachments: Array<{ filename: string; contentType: string; sha256: string }>;
  automatic: boolean;
  now: Date;
  /** Later than at once: an acknowledgement held back by ACK_LIMIT (outbound/ack-throttle.ts), `note` saying why. */
  dueAt?: Date;
  /** Kept as its lastError, which `outbox list` shows. */
  note?: string;
}

// Direct SQL (store/sql.ts) for the three statements every notice runs.

export async function outboxKeyExists(tx: Tx, idempotencyKey: string): Promise<boolean> {
  return sqlOf(tx).get('SELECT 1 FROM "OutboxMail" WHERE "idempotencyKey" = ?', idempotencyKey) !== undefined;
}

/** Automatic mails queued to this address since `since` (the loop cap). */
export async function automaticMailsTo(tx: Tx, address: string, since: Date): Promise<number> {
  const row = sqlOf(tx).get<{ n: number }>('SELECT count(*) AS "n" FROM "OutboxMail" WHERE "primaryTo" = ? AND "automatic" = 1 AND "createdAt" >= ?', address.toLowerCase(), since);
  return row?.n ?? 0;
}

/** True when the mail with this Message-ID (as the outbox keeps it: no angle brackets) is recorded as sent. */
export function isSentMessage(db: Db, messageId: string): boolean {
  return sqlOf(db).get('SELECT 1 FROM "OutboxMail" WHERE "messageId" = ? AND "status" = \'sent\'', messageId) !== undefined;
}

/**
 * The newest mail of one of `templates` whose extra header `name` is `value` (by id: the order they were queued in),
 * with its status and headers (JSON text); null when there is none. By the index on (template, createdAt): only
 * those templates' rows are read (the mailbox alerts: a few, read once at a daemon's start).
 */
export function newestMailWithHeader(db: Db, templates: string[], name: string, value: string): { template: string; status: string; headers: string; createdAt: string } | null {
  return (
    sqlOf(db).get<{ template: string; status: string; headers: string; createdAt: string }>(
      `SELECT "template", "status", "headers", "createdAt" FROM "OutboxMail" WHERE "template" IN (SELECT "value" FROM json_each(?)) AND json_extract("headers", ?) = ? ORDER BY "id" DESC LIMIT 1`,
      JSON.stringify(templates), `$.extra.${JSON.stringify(name)}`, value,
    ) ?? null
  );
}

/** The template of the first of `messageIds` that is a mail of ours in the outbox; null when none is. */
export function templateOfOurMail(tx: Tx, messageIds: string[]): string | null {
  const sql = sqlOf(tx);
  for (const id of messageIds) {
    const row = sql.get('SELECT "template" FROM "OutboxMail" WHERE "messageId" = ? LIMIT 1', id) as { template: string } | undefined;
    if (row) return row.template;
  }
  return null;
}

/**
 * When a mail queued at `now` is due: at once, never later than the wall clock: sending and its backoff run on the
 * wall clock, even when a time-travelling `scheduler run-once --now` queued the mail.
 */
export function dueAtOnce(now: Date): Date {
  return new Date(Math.min(now.getTime(), Date.now()));
}

export async function insertOutboxMail(tx: Tx, m: NewOutboxMail): Promise<number> {
  return sqlOf(tx).run(
    `INSERT INTO "OutboxMail" ("idempotencyKey", "ticketId", "template", "fromAddress", "toList", "ccList", "subject", "text", "html", "messageId", "headers", "attachments",
       "status", "attempts", "nextAttemptAt", "createdAt", "automatic", "primaryTo", "fill", "lastError")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, '{}', ?)`,
    m.idempotencyKey, m.ticketId, m.template, m.fromAddress, JSON.stringify(m.to), JSON.stringify(m.cc), m.subject, m.text, m.html, m.messageId,
    JSON.stringify(m.headers), JSON.stringify(m.attachments),
    m.dueAt ?? dueAtOnce(m.now), m.now, m.automatic, (m.to[0] ?? '').toLowerCase(), m.note ?? null,
  ).id;
}

export type OutboxRow = Awaited<ReturnType<Db['outboxMail']['findFirstOrThrow']>>;

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
  /** When it was queued, as stored (ISO text): how long it has been tried is counted from it. */
  createdAt: string;
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
export const CLAIMED_SQL = `SELECT "id", "ticketId", "template", "fromAddress", "toList", "ccList", "subject", "text", "html", "messageId", "headers", "attachments", "attempts", "bodyId", "fill", "createdAt",
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

// Retry and failure clear sentAt: the mail may have been marked sent just before the server's final answer
// refused it (the drainer commits "sent" before the end of the message; see drainer.ts). What else the try left:
// `headers` (JSON) replaces the row's when the mail is still owed to only some of its recipients
// (OutboxHeaders.envelopeTo); `reached`: the try may have left it with a reader (taken for some, or its answer
// lost): mayHaveReached is set, and stays set, whatever later tries say (the retry of `outbox retry` too);
// `primaryTookAt`: the asked address took it at this try while others refused it (OutboxMail.primaryTookAt).
export type TryLeft = { headers?: string; reached?: boolean; primaryTookAt?: Date };

export async function markRetry(tx: Tx, id: number, nextAttemptAt: Date, error: string, left: TryLeft = {}): Promise<void> {
  await tx.outboxMail.update({ where: { id }, data: { status: 'pending', nextAttemptAt, sentAt: null, leasedUntil: null, leaseHolder: null, lastError: error.slice(0, 2000), ...settled(left) } });
}

export async function markFailed(tx: Tx, id: number, error: string, left: TryLeft = {}): Promise<void> {
  await tx.outboxMail.update({ where: { id }, data: { status: 'failed', sentAt: null, leasedUntil: null, leaseHolder: null, lastError: error.slice(0, 2000), ...settled(left) } });
}

function settled({ headers, reached, primaryTookAt }: TryLeft) {
  return { ...(headers ? { headers } : {}), ...(reached ? { mayHaveReached: true } : {}), ...(primaryTookAt ? { primaryTookAt } : {}) };
}

/** A sent mail that some of its recipients refused for good (5xx to RCPT TO): the refusals, for `outbox list`. */
export async function noteRefusedRecipients(tx: Tx, id: number, error: string, primaryTookAt?: Date): Promise<void> {
  await tx.outboxMail.update({ where: { id }, data: { lastError: error.slice(0, 2000), ...settled({ primaryTookAt }) } });
}

export async function listOutbox(db: Db, filter: { status?: string; limit?: number } = {}): Promise<OutboxRow[]> {
  return db.outboxMail.findMany({ where: filter.status ? { status: filter.status } : {}, orderBy: { id: 'desc' }, take: filter.limit ?? 100 });
}

/** How many mails listOutbox would list without its limit. */
export async function countOutbox(db: Db, filter: { status?: string } = {}): Promise<number> {
  return db.outboxMail.count({ where: filter.status ? { status: filter.status } : {} });
}

/**
 * Puts a failed mail back in the queue, queued anew: its retries (OUTBOX_RETRY_HOURS, counted from createdAt)
 * start again, as its attempts do. Kept from its first queueing, a mail that had given up after days of 4xx got
 * one try, and a greylisting 451 on it was final. Returns false when there is no such failed mail.
 */
export async function retryOutboxMail(tx: Tx, id: number, now: Date): Promise<boolean> {
  const updated = await tx.outboxMail.updateMany({ where: { id, status: 'failed' }, data: { status: 'pending', nextAttemptAt: now, createdAt: now, attempts: 0, lastError: null } });
  return updated.count === 1;
}

export async function outboxCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db.outboxMail.groupBy({ by: ['status'], _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
}
