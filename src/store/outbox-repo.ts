import type { Db, Tx } from './database.js';

export interface OutboxHeaders {
  inReplyTo?: string | null;
  references?: string[];
  replyTo?: string | null;
  extra: Record<string, string>;
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
}

export async function outboxKeyExists(tx: Tx, idempotencyKey: string): Promise<boolean> {
  return (await tx.outboxMail.count({ where: { idempotencyKey } })) > 0;
}

/** Automatic mails queued to this address since `since` (the loop cap). */
export async function automaticMailsTo(tx: Tx, address: string, since: Date): Promise<number> {
  return tx.outboxMail.count({ where: { primaryTo: address.toLowerCase(), automatic: true, createdAt: { gte: since } } });
}

export async function insertOutboxMail(tx: Tx, m: NewOutboxMail): Promise<number> {
  const row = await tx.outboxMail.create({
    data: {
      idempotencyKey: m.idempotencyKey,
      ticketId: m.ticketId,
      template: m.template,
      fromAddress: m.fromAddress,
      toList: JSON.stringify(m.to),
      ccList: JSON.stringify(m.cc),
      subject: m.subject,
      text: m.text,
      html: m.html,
      messageId: m.messageId,
      headers: JSON.stringify(m.headers),
      attachments: JSON.stringify(m.attachments),
      // Due at once, never later than the wall clock: sending and its backoff run on the wall clock,
      // even when a time-travelling `scheduler run-once --now` queued the mail.
      nextAttemptAt: new Date(Math.min(m.now.getTime(), Date.now())),
      createdAt: m.now,
      automatic: m.automatic,
      primaryTo: (m.to[0] ?? '').toLowerCase(),
    },
  });
  return row.id;
}

export type OutboxRow = Awaited<ReturnType<Db['outboxMail']['findFirstOrThrow']>>;

/**
 * Takes up to `limit` mails that are due (pending, or "sending" under a lease that expired or whose holder
 * is a process that died) and leases them to this sender. One transaction, so two drainers never take the
 * same row.
 */
export async function claimDueMails(tx: Tx, now: Date, leaseMs: number, limit: number, holder: string | null = null, deadHolders: string[] = []): Promise<OutboxRow[]> {
  const due = await tx.outboxMail.findMany({
    where: {
      OR: [
        { status: 'pending', nextAttemptAt: { lte: now } },
        { status: 'sending', leasedUntil: { lt: now } },
        ...(deadHolders.length ? [{ status: 'sending', leaseHolder: { in: deadHolders } }] : []),
      ],
    },
    orderBy: { id: 'asc' },
    take: limit,
  });
  if (due.length === 0) return [];
  const leasedUntil = new Date(now.getTime() + leaseMs);
  await tx.outboxMail.updateMany({ where: { id: { in: due.map((m) => m.id) } }, data: { status: 'sending', leasedUntil, leaseHolder: holder, attempts: { increment: 1 } } });
  return due.map((m) => ({ ...m, status: 'sending', leasedUntil, leaseHolder: holder, attempts: m.attempts + 1 }));
}

/** The holders of unexpired claims: the drainer takes over at once from those that are dead processes. */
export async function leaseHolders(db: Db, now: Date): Promise<string[]> {
  const rows = await db.outboxMail.findMany({ where: { status: 'sending', leasedUntil: { gte: now }, leaseHolder: { not: null } }, distinct: ['leaseHolder'], select: { leaseHolder: true } });
  return rows.map((r) => r.leaseHolder as string);
}

/** Gives back claimed mails that were not tried (shutdown): as they were, the attempt not counted. */
export async function releaseClaims(tx: Tx, ids: number[]): Promise<void> {
  await tx.outboxMail.updateMany({ where: { id: { in: ids }, status: 'sending' }, data: { status: 'pending', leasedUntil: null, leaseHolder: null, attempts: { decrement: 1 } } });
}

export async function markSent(tx: Tx, id: number, at: Date): Promise<void> {
  await tx.outboxMail.update({ where: { id }, data: { status: 'sent', sentAt: at, leasedUntil: null, leaseHolder: null, lastError: null } });
}

/**
 * markSent for several mails at once (the drainer's group commit): one statement, which SQLite commits on its
 * own, written as SQL because the drainer runs it once per mail or so and the query builder's cost showed in
 * the bulletin benchmark. Dates as the Prisma adapter writes them (compared as text by the queries above).
 */
export async function markManySent(db: Db | Tx, ids: number[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.$executeRawUnsafe(
    `UPDATE "OutboxMail" SET "status" = 'sent', "sentAt" = ?, "leasedUntil" = NULL, "leaseHolder" = NULL, "lastError" = NULL WHERE "id" IN (${ids.map(() => '?').join(', ')})`,
    at.toISOString().replace('Z', '+00:00'),
    ...ids,
  );
}

// Retry and failure clear sentAt: the mail may have been marked sent just before the server's final answer
// refused it (the drainer commits "sent" before the end of the message; see drainer.ts).
export async function markRetry(tx: Tx, id: number, nextAttemptAt: Date, error: string): Promise<void> {
  await tx.outboxMail.update({ where: { id }, data: { status: 'pending', nextAttemptAt, sentAt: null, leasedUntil: null, leaseHolder: null, lastError: error.slice(0, 2000) } });
}

export async function markFailed(tx: Tx, id: number, error: string): Promise<void> {
  await tx.outboxMail.update({ where: { id }, data: { status: 'failed', sentAt: null, leasedUntil: null, leaseHolder: null, lastError: error.slice(0, 2000) } });
}

export async function listOutbox(db: Db, filter: { status?: string; limit?: number } = {}): Promise<OutboxRow[]> {
  return db.outboxMail.findMany({ where: filter.status ? { status: filter.status } : {}, orderBy: { id: 'desc' }, take: filter.limit ?? 100 });
}

/** Puts a failed mail back in the queue; returns false when there is no such failed mail. */
export async function retryOutboxMail(tx: Tx, id: number, now: Date): Promise<boolean> {
  const updated = await tx.outboxMail.updateMany({ where: { id, status: 'failed' }, data: { status: 'pending', nextAttemptAt: now, attempts: 0, lastError: null } });
  return updated.count === 1;
}

export async function outboxCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db.outboxMail.groupBy({ by: ['status'], _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
}
