import type { Db, Tx } from './database.js';
import { audienceSql, audienceWhere, LEFT_OR_LEAVING, type BulletinRow } from './bulletin-repo.js';
import { retryFromFor } from './queueing-clock.js';
import { sqlOf } from './sql.js';

// A cancelled bulletin resumed (`bulletin resume`): the deliveries whose mail was taken back, and that can have
// reached no one, are marked 'resume'; the bulletin-send job puts those mails back in the queue (the same outbox
// row, so the same Message-ID and the unique delivery row: never a second mail to a reader) before it goes on to
// the readers never queued. A mail that left, was in flight at the cancel, failed, or that a try may have left with
// its reader (mayHaveReached) is not marked.

/** A delivery waiting to be queued again. */
export const RESUME = 'resume';

/**
 * Another bulletin of the same content whose readers have it: scheduled, sending or sent (`--again`), or scheduled
 * again since and cancelled in turn after some of its mails had left. Resumed, this one would mail them a second
 * time: its mails to them were taken back, or it never queued them. (An older one cancelled is what a copy sent with
 * --again meant to go over: resuming that copy goes on with the resend asked for.)
 */
export async function copyThatReached(tx: Tx, b: BulletinRow): Promise<BulletinRow | null> {
  const content = { title: b.title, countries: b.countries, topics: b.topics, variants: b.variants, id: { not: b.id } };
  const left = { deliveries: { some: { outboxMail: { is: LEFT_OR_LEAVING } } } };
  return tx.bulletin.findFirst({ where: { ...content, OR: [{ status: { in: ['scheduled', 'sending', 'sent'] } }, { status: 'cancelled', id: { gt: b.id }, ...left }] }, orderBy: { id: 'asc' } });
}

/** Marks the deliveries whose mail the cancel (or an unsubscribe, a suppression) took back unsent; how many. */
export async function markTakenBack(tx: Tx, bulletinId: number): Promise<number> {
  const marked = await tx.bulletinDelivery.updateMany({
    where: { bulletinId, status: 'queued', outboxMail: { is: { status: 'cancelled', mayHaveReached: false } } },
    data: { status: RESUME },
  });
  return marked.count;
}

/** How many readers a resumed bulletin goes to as things are, and how many more get nothing: their address is suppressed. */
export interface ToResend {
  toResend: number;
  suppressed: number;
}

/**
 * The readers a resumed bulletin still has to reach: its marked deliveries whose reader is in its audience (active,
 * its countries), and the readers in its audience past the send's cursor (never queued). Of those, the ones whose
 * address is suppressed at `now` are counted apart, as the send job skips them (resume.ts requeueResumed, send.ts
 * queueBatch: the delivery's address, the subscriber's): counted in, `bulletin resume` promised mails that never went.
 * One statement: each reader's address looked up by the key of "Suppression" (addresses are kept in lower case). Asked
 * the other way (every suppressed address, then the list against them in groups of 500), 50,000 of them took 200
 * queries inside the transaction that holds the database.
 */
export async function toResendCounts(tx: Tx | Db, b: BulletinRow, now: Date): Promise<ToResend> {
  const last = await tx.bulletinDelivery.aggregate({ where: { bulletinId: b.id }, _max: { subscriberId: true } });
  const audience = audienceSql(b, 's');
  const row = sqlOf(tx).get<{ marked: number; markedSuppressed: number | null; never: number; neverSuppressed: number | null }>(
    TO_RESEND_SQL(audience.where),
    now, b.id, ...audience.args, now, ...audience.args, last._max.subscriberId ?? 0,
  );
  const suppressed = (row?.markedSuppressed ?? 0) + (row?.neverSuppressed ?? 0);
  return { toResend: (row?.marked ?? 0) + (row?.never ?? 0) - suppressed, suppressed };
}

const SUPPRESSED = (email: string) => `EXISTS (SELECT 1 FROM "Suppression" x WHERE x."email" = lower(${email}) AND x."suppressedUntil" > ?)`;

const TO_RESEND_SQL = (audience: string) => `SELECT m."marked", m."markedSuppressed", n."never", n."neverSuppressed" FROM
  (SELECT count(*) AS "marked", sum(${SUPPRESSED('d."email"')}) AS "markedSuppressed"
     FROM "BulletinDelivery" d JOIN "Subscriber" s ON s."id" = d."subscriberId"
     WHERE d."bulletinId" = ? AND d."status" = '${RESUME}' AND ${audience}) m,
  (SELECT count(*) AS "never", sum(${SUPPRESSED('s."email"')}) AS "neverSuppressed"
     FROM "Subscriber" s WHERE ${audience} AND s."id" > ?) n`;

export interface MarkedDelivery {
  id: number;
  subscriberId: number;
  email: string;
  outboxMailId: number | null;
  /** The subscriber as they are now, while they follow one of the bulletin's countries (its audience); else null. */
  reader: { id: number; email: string; locale: string | null; countries: string } | null;
}

/**
 * The next marked deliveries of a bulletin, by subscriber. The bulletin-send job asks every run (10 s) while a
 * resumed bulletin sends: by the index on (bulletinId, status, subscriberId), which reads the marked rows alone, in
 * order; by the unique key it read every delivery of the bulletin (100,000 for a big list) to find the few marked.
 */
export const NEXT_MARKED_SQL = `SELECT "id", "subscriberId", "email", "outboxMailId" FROM "BulletinDelivery" WHERE "bulletinId" = ? AND "status" = '${RESUME}' ORDER BY "subscriberId" LIMIT ?`;

/** How many are still marked (finishSentBulletins, after every outbox drain): by the same index. */
export const MARKED_LEFT_SQL = `SELECT count(*) AS "n" FROM "BulletinDelivery" WHERE "bulletinId" = ? AND "status" = '${RESUME}'`;

export async function nextMarked(tx: Tx, b: BulletinRow, limit: number): Promise<MarkedDelivery[]> {
  const rows = sqlOf(tx).all<Omit<MarkedDelivery, 'reader'>>(NEXT_MARKED_SQL, b.id, limit);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.subscriberId);
  const readers = await tx.subscriber.findMany({ where: { ...audienceWhere(b), id: { in: ids } }, select: { id: true, email: true, locale: true, countries: true } });
  const byId = new Map(readers.map((s) => [s.id, s]));
  return rows.map((r) => ({ ...r, reader: byId.get(r.subscriberId) ?? null }));
}

export async function markedLeft(tx: Tx | Db, bulletinId: number): Promise<number> {
  return sqlOf(tx).get<{ n: number }>(MARKED_LEFT_SQL, bulletinId)?.n ?? 0;
}

/**
 * The taken-back mail queued again at its send slot, its retries counted anew (as `outbox retry` does: from `now`, or
 * from the wall clock when `now` is a `scheduler run-once --now`'s: queueing-clock.ts), with its reader's parts built
 * anew (`parts`: Subject, body, headers, footer values; the row, so its Message-ID, stays); only while it is still
 * taken back and can have reached no one. False otherwise.
 */
export async function requeueMail(tx: Tx, outboxMailId: number, parts: { subject: string; bodyId: number; headers: string; fill: string }, at: Date, now: Date): Promise<boolean> {
  const updated = await tx.outboxMail.updateMany({
    where: { id: outboxMailId, status: 'cancelled', mayHaveReached: false },
    data: { ...parts, status: 'pending', nextAttemptAt: at, createdAt: now, retryFrom: retryFromFor(tx), attempts: 0, lastError: null, leaseHolder: null, leasedUntil: null },
  });
  return updated.count === 1;
}

/**
 * The delivery is done with: queued again ('queued'), or skipped (suppressed), or left taken back ('queued');
 * `locale`: the language its mail is in now (the reader's, when it was built again).
 */
export async function settleMarked(tx: Tx, id: number, status: 'queued' | 'skipped', detail: string | null, locale?: string): Promise<void> {
  await tx.bulletinDelivery.update({ where: { id }, data: { status, detail, ...(locale ? { locale } : {}) } });
}

/**
 * Back to sending (or scheduled, when it was cancelled before it started); null when it is not cancelled. Its
 * cancelledAt stays: a bulletin sending with one was resumed, and only such a bulletin's deliveries are looked at for
 * marked ones (send.ts): a scan of every delivery of a bulletin of 100,000 readers, per batch, otherwise.
 */
export async function reopenBulletin(tx: Tx, b: BulletinRow, wallNow: Date): Promise<'sending' | 'scheduled' | null> {
  const status = b.startedAt ? 'sending' : 'scheduled';
  const updated = await tx.bulletin.updateMany({ where: { id: b.id, status: 'cancelled' }, data: { status, finishedAt: null, nextSlotAt: status === 'sending' ? wallNow : null } });
  return updated.count === 1 ? status : null;
}
