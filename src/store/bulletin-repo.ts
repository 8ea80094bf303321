import type { Prisma } from '../generated/prisma/client.js';
import type { Db, Tx } from './database.js';
import { retryFromFor } from './queueing-clock.js';
import { sqlDate, sqlOf } from './sql.js';

// Bulletins and their deliveries: one BulletinDelivery row per (bulletin, subscriber), unique, written in
// the same transaction as the outbox row that mails it.

export type BulletinRow = Awaited<ReturnType<Db['bulletin']['findFirstOrThrow']>>;

export interface NewBulletin {
  title: string;
  countries: string;
  topics: string;
  variants: string;
  defaultLocale: string;
  sourceFile: string | null;
  sendAt: Date;
  now: Date;
}

export async function createBulletin(tx: Tx, b: NewBulletin): Promise<BulletinRow> {
  const { now, ...data } = b;
  return tx.bulletin.create({ data: { ...data, createdAt: now } });
}

/**
 * A mail of a cancelled bulletin that left or is leaving: sent; claimed by a drainer at the cancel (which takes back
 * only the pending ones), so sent after it, or due again after such a try; or one a try may have left with the reader
 * (mayHaveReached: a connection lost after the end of the mail), taken back or failed since.
 */
export const LEFT_OR_LEAVING = { OR: [{ status: { in: ['sent', 'sending', 'pending'] } }, { mayHaveReached: true }] };

/**
 * A bulletin with this very content that is scheduled, being sent or sent (a second schedule of one file), or that
 * was cancelled after some of its mails had left (`sentMails`: how many, with those leaving or that may have reached a reader): scheduled again, it reached them twice.
 */
export async function sameBulletin(tx: Tx | Db, b: Pick<NewBulletin, 'title' | 'countries' | 'topics' | 'variants'>): Promise<(BulletinRow & { sentMails: number }) | null> {
  const content = { title: b.title, countries: b.countries, topics: b.topics, variants: b.variants };
  const left = { deliveries: { some: { outboxMail: { is: LEFT_OR_LEAVING } } } };
  const found = await tx.bulletin.findFirst({ where: { ...content, OR: [{ status: { in: ['scheduled', 'sending', 'sent'] } }, { status: 'cancelled', ...left }] }, orderBy: { id: 'asc' } });
  if (!found) return null;
  const sentMails = found.status === 'cancelled' ? await tx.bulletinDelivery.count({ where: { bulletinId: found.id, outboxMail: { is: LEFT_OR_LEAVING } } }) : 0;
  return { ...found, sentMails };
}

export async function bulletinById(tx: Tx | Db, id: number): Promise<BulletinRow | null> {
  return tx.bulletin.findUnique({ where: { id } });
}

export async function listBulletins(db: Db, limit = 50): Promise<BulletinRow[]> {
  return db.bulletin.findMany({ orderBy: { id: 'desc' }, take: limit });
}

/** Scheduled bulletins whose time has come, and those being sent. */
export async function bulletinsToWorkOn(db: Db, now: Date): Promise<BulletinRow[]> {
  return db.bulletin.findMany({ where: { OR: [{ status: 'scheduled', sendAt: { lte: now } }, { status: 'sending' }] }, orderBy: { id: 'asc' } });
}

export async function sendingBulletins(db: Db): Promise<BulletinRow[]> {
  return db.bulletin.findMany({ where: { status: 'sending' }, orderBy: { id: 'asc' } });
}

/** Active subscribers of the bulletin's countries (and topics), by id. */
export function audienceWhere(b: Pick<BulletinRow, 'countries' | 'topics'>): Prisma.SubscriberWhereInput {
  const countries = b.countries.split(',').filter(Boolean);
  const topics = b.topics.split(',').filter(Boolean);
  return {
    status: 'active',
    OR: countries.map((c) => ({ countries: { contains: `,${c},` } })),
    ...(topics.length ? { AND: [{ OR: [{ topics: '' }, ...topics.map((t) => ({ topics: { contains: `,${t},` } }))] }] } : {}),
  };
}

/**
 * audienceWhere in SQL, on the Subscriber row named `alias`, for counts Prisma cannot write (against "Suppression",
 * which has no relation to it). The same conditions as Prisma writes them for SQLite: `contains` is LIKE '%…%' (its
 * characters not escaped), an empty OR matches nothing. Kept beside audienceWhere: the two must agree.
 */
export function audienceSql(b: Pick<BulletinRow, 'countries' | 'topics'>, alias: string): { where: string; args: string[] } {
  const countries = b.countries.split(',').filter(Boolean);
  const topics = b.topics.split(',').filter(Boolean);
  const like = (column: string) => `${alias}."${column}" LIKE ?`;
  const anyCountry = countries.length ? countries.map(() => like('countries')).join(' OR ') : '0';
  const anyTopic = topics.length ? ` AND (${alias}."topics" = '' OR ${topics.map(() => like('topics')).join(' OR ')})` : '';
  return { where: `${alias}."status" = 'active' AND (${anyCountry})${anyTopic}`, args: [...countries, ...topics].map((v) => `%,${v},%`) };
}

export async function audienceCount(tx: Tx | Db, b: Pick<BulletinRow, 'countries' | 'topics'>): Promise<number> {
  return tx.subscriber.count({ where: audienceWhere(b) });
}

export async function startBulletin(tx: Tx, id: number, now: Date, wallNow: Date): Promise<boolean> {
  const b = await tx.bulletin.findUnique({ where: { id } });
  if (!b || b.status !== 'scheduled') return false;
  const audience = await audienceCount(tx, b);
  await tx.bulletin.update({ where: { id }, data: { status: 'sending', startedAt: now, audience, nextSlotAt: wallNow } });
  return true;
}

/** The next subscribers to mail: deliveries are written in subscriber id order, so the highest is the cursor. */
export async function nextRecipients(tx: Tx, b: BulletinRow, limit: number) {
  const last = await tx.bulletinDelivery.aggregate({ where: { bulletinId: b.id }, _max: { subscriberId: true } });
  return tx.subscriber.findMany({
    where: { ...audienceWhere(b), id: { gt: last._max.subscriberId ?? 0 } },
    orderBy: { id: 'asc' },
    take: limit,
    select: { id: true, email: true, locale: true, countries: true },
  });
}

/** The key of the bulletin's body in one language (OutboxBody.key). */
export const bodyKey = (bulletinId: number, locale: string): string => `bulletin:${bulletinId}:${locale}`;

/** A body shared by the bulletin's mails in one language, created on first use. */
export async function ensureBody(tx: Tx, key: string, make: () => { text: string; html: string }): Promise<number> {
  const found = await tx.outboxBody.findUnique({ where: { key }, select: { id: true } });
  if (found) return found.id;
  const { text, html } = make();
  return (await tx.outboxBody.create({ data: { key, text, html }, select: { id: true } })).id;
}

/** An outbox row of a bulletin mail (its body shared: see OutboxBody). */
export interface BulletinOutboxRow {
  idempotencyKey: string;
  template: string;
  fromAddress: string;
  toList: string;
  subject: string;
  messageId: string;
  headers: string;
  bodyId: number;
  fill: string;
  nextAttemptAt: Date;
  primaryTo: string;
}

export interface BulletinMail {
  subscriberId: number;
  email: string;
  locale: string;
  /** Null: skipped (suppressed), with the reason in detail. */
  outbox: BulletinOutboxRow | null;
  detail: string | null;
}

const CHUNK = 100;

/**
 * Writes the outbox rows and the delivery rows of a batch (the caller's transaction). Plain multi-row
 * INSERTs: through the query builder, 100,000 rows cost minutes of CPU (the bulletin benchmark).
 */
export async function insertDeliveries(tx: Tx, bulletinId: number, mails: BulletinMail[], now: Date): Promise<void> {
  const created = sqlDate(now);
  // Queued by `scheduler run-once --now`: their retries count from the wall clock (queueing-clock.ts).
  const retryFrom = retryFromFor(tx);
  const idByKey = new Map<string, number>();
  const rows = mails.flatMap((m) => (m.outbox ? [m.outbox] : []));
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const values = chunk.flatMap((r) => [r.idempotencyKey, r.template, r.fromAddress, r.toList, r.subject, r.messageId, r.headers, sqlDate(r.nextAttemptAt), created, retryFrom && sqlDate(retryFrom), r.primaryTo, r.bodyId, r.fill]);
    await tx.$executeRawUnsafe(
      `INSERT INTO "OutboxMail" ("idempotencyKey", "template", "fromAddress", "toList", "subject", "text", "html", "messageId", "headers", "nextAttemptAt", "createdAt", "retryFrom", "automatic", "primaryTo", "bodyId", "fill")
       VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, '', '', ?, ?, ?, ?, ?, 0, ?, ?, ?)").join(', ')}`,
      ...values,
    );
    const keys = chunk.map((r) => r.idempotencyKey);
    const ids = await tx.$queryRawUnsafe<Array<{ id: number | bigint; idempotencyKey: string }>>(`SELECT "id", "idempotencyKey" FROM "OutboxMail" WHERE "idempotencyKey" IN (${keys.map(() => '?').join(', ')})`, ...keys);
    for (const r of ids) idByKey.set(r.idempotencyKey, Number(r.id));
  }
  for (let i = 0; i < mails.length; i += CHUNK) {
    const chunk = mails.slice(i, i + CHUNK);
    const values = chunk.flatMap((m) => [bulletinId, m.subscriberId, m.email, m.locale, m.outbox ? 'queued' : 'skipped', m.detail, m.outbox ? (idByKey.get(m.outbox.idempotencyKey) ?? null) : null, created]);
    await tx.$executeRawUnsafe(
      `INSERT INTO "BulletinDelivery" ("bulletinId", "subscriberId", "email", "locale", "status", "detail", "outboxMailId", "createdAt") VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      ...values,
    );
  }
}

/** The latest next slot of the bulletins being sent: the rate is one for all of them (send.ts). */
export async function latestNextSlot(tx: Tx): Promise<Date | null> {
  return (await tx.bulletin.aggregate({ where: { status: 'sending' }, _max: { nextSlotAt: true } }))._max.nextSlotAt;
}

export async function setNextSlot(tx: Tx, id: number, at: Date): Promise<void> {
  await tx.bulletin.update({ where: { id }, data: { nextSlotAt: at } });
}

/**
 * Mails of the bulletin still waiting or being sent. Asked by the bulletin-send job and after every outbox drain
 * once all its readers are queued: by its bodies (one a language, their keys `bulletin:<id>:<locale>`) and each
 * body's waiting mails, by the index on OutboxMail (bodyId, status), so only its own waiting mails are read. Driven
 * by the outbox's index on status it read every waiting mail of the outbox (a backlog of other mail after an outage:
 * 200,000) and looked up each one's delivery; by the delivery, every delivery of the bulletin (100,000).
 */
export const OUTSTANDING_MAILS_SQL = `SELECT count(*) AS "n" FROM "OutboxBody" b CROSS JOIN "OutboxMail" o ON o."bodyId" = b."id"
  WHERE b."key" > ? AND b."key" < ? AND o."status" IN ('pending', 'sending')`;

export async function outstandingMails(tx: Tx | Db, bulletinId: number): Promise<number> {
  // Every key of the bulletin and none of another: ';' is the character after ':' ("bulletin:1:" < "bulletin:1:es" < "bulletin:1;", "bulletin:10:es" < "bulletin:1:").
  return sqlOf(tx).get<{ n: number }>(OUTSTANDING_MAILS_SQL, bodyKey(bulletinId, ''), `bulletin:${bulletinId};`)?.n ?? 0;
}

/** False when it is no longer sending (cancelled, or finished by another run meanwhile). */
export async function finishBulletin(tx: Tx, id: number, now: Date): Promise<boolean> {
  return (await tx.bulletin.updateMany({ where: { id, status: 'sending' }, data: { status: 'sent', finishedAt: now } })).count > 0;
}

/** Stops a bulletin: nothing more is queued, and its mails that have not left are taken back. */
export async function cancelBulletin(tx: Tx, id: number, now: Date): Promise<{ cancelled: boolean; mailsTakenBack: number }> {
  const updated = await tx.bulletin.updateMany({ where: { id, status: { in: ['scheduled', 'sending'] } }, data: { status: 'cancelled', cancelledAt: now } });
  if (updated.count === 0) return { cancelled: false, mailsTakenBack: 0 };
  const taken = await tx.outboxMail.updateMany({ where: { status: 'pending', bulletinDelivery: { is: { bulletinId: id } } }, data: { status: 'cancelled', lastError: 'bulletin cancelled' } });
  return { cancelled: true, mailsTakenBack: taken.count };
}

/**
 * Deliveries by outcome: skipped, resume (taken back, to be queued again: bulletin-resume-repo.ts), or their mail's
 * outbox status (pending, sending, sent, failed, cancelled).
 */
export async function deliveryCounts(db: Db, bulletinId: number): Promise<Record<string, number>> {
  const rows = await db.$queryRaw<Array<{ state: string; n: bigint | number }>>`
    SELECT CASE WHEN d.status = 'skipped' THEN 'skipped' WHEN d.status = 'resume' THEN 'resume' ELSE COALESCE(o.status, 'unknown') END AS state, COUNT(*) AS n
    FROM BulletinDelivery d LEFT JOIN OutboxMail o ON o.id = d.outboxMailId
    WHERE d.bulletinId = ${bulletinId}
    GROUP BY state`;
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** The subscriber a bulletin mail went to, by its Message-ID (a complaint that does not name the address). */
export async function subscriberOfBulletinMail(tx: Tx, messageId: string): Promise<number | null> {
  const mail = await tx.outboxMail.findUnique({ where: { messageId: messageId.replace(/^<|>$/g, '') }, select: { bulletinDelivery: { select: { subscriberId: true } } } });
  return mail?.bulletinDelivery?.subscriberId ?? null;
}
