import type { Db, Tx } from './database.js';
import { retryFromFor } from './queueing-clock.js';
import { sqlOf } from './sql.js';

// The outbox: mails queued (insertOutboxMail), what their tries left (markRetry, markFailed), and the listing of
// `outbox list`. How the drainer claims and records the mails it sends is outbox-claims.ts.

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
  /**
   * The recipients (lower case) left out of it because their address was suppressed before it left: after bounces,
   * or refused at sending as unknown (outbound/suppressed-recipients.ts). `outbox list` names them: the row no longer
   * does once it goes to the others, and its status alone (`cancelled`, `pending`) does not say why.
   */
  suppressed?: string[];
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
       "status", "attempts", "nextAttemptAt", "createdAt", "retryFrom", "automatic", "primaryTo", "fill", "lastError")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?, '{}', ?)`,
    m.idempotencyKey, m.ticketId, m.template, m.fromAddress, JSON.stringify(m.to), JSON.stringify(m.cc), m.subject, m.text, m.html, m.messageId,
    JSON.stringify(m.headers), JSON.stringify(m.attachments),
    m.dueAt ?? dueAtOnce(m.now), m.now, retryFromFor(tx), m.automatic, (m.to[0] ?? '').toLowerCase(), m.note ?? null,
  ).id;
}

export type OutboxRow = Awaited<ReturnType<Db['outboxMail']['findFirstOrThrow']>>;

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

/**
 * A failed mail keeps in nextAttemptAt when it failed (`at`: the try, on the drainer's clock, as sentAt is): the
 * survey gate compares it with when other mails reached the address (survey-repo.ts). Left as the time the try was
 * due, it was the instant a `scheduler run-once --now` queued it at, days before the refusal, or the start of an
 * outage it waited through, and the mails the address took in between read as taken after the refusal.
 */
export async function markFailed(tx: Tx, id: number, error: string, at: Date, left: TryLeft = {}): Promise<void> {
  await tx.outboxMail.update({ where: { id }, data: { status: 'failed', nextAttemptAt: at, sentAt: null, leasedUntil: null, leaseHolder: null, lastError: error.slice(0, 2000), ...settled(left) } });
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
 * Puts a failed mail back in the queue, queued anew: its retries (OUTBOX_RETRY_HOURS, counted from createdAt, or
 * retryFrom when queued on an explicit clock: queueing-clock.ts) start again, as its attempts do. Kept from its first
 * queueing, a mail that had given up after days of 4xx got one try, and a greylisting 451 on it was final (so did a
 * retryFrom kept from a `run-once --now` that first queued it). Returns false when there is no such failed mail.
 */
export async function retryOutboxMail(tx: Tx, id: number, now: Date): Promise<boolean> {
  const updated = await tx.outboxMail.updateMany({ where: { id, status: 'failed' }, data: { status: 'pending', nextAttemptAt: now, createdAt: now, retryFrom: retryFromFor(tx), attempts: 0, lastError: null } });
  return updated.count === 1;
}

export async function outboxCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db.outboxMail.groupBy({ by: ['status'], _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
}
