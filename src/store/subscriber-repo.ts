import type { Db, Tx } from './database.js';
import { sqlOf } from './sql.js';

// Bulletin subscribers. Countries and topics are stored as ",AR,MX," (src/bulletins/countries.ts encodeList).

export type SubscriberRow = Awaited<ReturnType<Db['subscriber']['findFirstOrThrow']>>;

export interface SubscriberInput {
  email: string;
  name: string | null;
  locale: string | null;
  /** Encoded: ",AR,MX,". */
  countries: string;
  /** Encoded like countries; null: not given (a CSV without a topics column), an existing subscriber keeps theirs. */
  topics: string | null;
}

export async function subscriberByEmail(tx: Tx | Db, email: string): Promise<SubscriberRow | null> {
  return tx.subscriber.findUnique({ where: { email: email.toLowerCase() } });
}

/** A subscriber's status ("pending", "active", "unsubscribed"), or null when the address is none (direct SQL: surveys ask it in ticks). */
export async function subscriberStatus(tx: Tx | Db, email: string): Promise<string | null> {
  return sqlOf(tx).get<{ status: string }>('SELECT "status" FROM "Subscriber" WHERE "email" = ?', email.toLowerCase())?.status ?? null;
}

export async function subscriberById(tx: Tx | Db, id: number): Promise<SubscriberRow | null> {
  return tx.subscriber.findUnique({ where: { id } });
}

export type SaveOutcome = 'added' | 'updated' | 'unchanged' | 'kept_unsubscribed';

/**
 * An operator's subscriber (CLI, CSV): active at once. Someone who unsubscribed stays unsubscribed unless
 * `resubscribe` (they asked the operator): a list import must not undo a person's "no".
 */
export async function saveSubscriber(tx: Tx, input: SubscriberInput, opts: { source: string; now: Date; resubscribe?: boolean }): Promise<SaveOutcome> {
  const email = input.email.toLowerCase();
  const current = await tx.subscriber.findUnique({ where: { email } });
  if (!current) {
    await tx.subscriber.create({ data: { ...input, email, topics: input.topics ?? '', status: 'active', source: opts.source, confirmedAt: opts.now, createdAt: opts.now } });
    return 'added';
  }
  if (current.status === 'unsubscribed' && !opts.resubscribe) return 'kept_unsubscribed';
  // What is not given (null) is kept, like the name and the language.
  const topics = input.topics ?? current.topics;
  const same = current.status === 'active' && current.countries === input.countries && current.topics === topics &&
    current.name === (input.name ?? current.name) && current.locale === (input.locale ?? current.locale);
  if (same) return 'unchanged';
  await tx.subscriber.update({
    where: { id: current.id },
    data: { countries: input.countries, topics, name: input.name ?? current.name, locale: input.locale ?? current.locale, status: 'active', confirmedAt: current.confirmedAt ?? opts.now, unsubscribedAt: null, unsubscribeReason: null },
  });
  return 'updated';
}

/**
 * saveSubscriber for a batch (CSV import): one read of the batch's addresses, one multi-row insert of the new
 * ones, and an update per changed one. Outcomes in input order.
 */
export async function saveSubscribers(tx: Tx, inputs: SubscriberInput[], opts: { source: string; now: Date; resubscribe?: boolean }): Promise<SaveOutcome[]> {
  const emails = inputs.map((i) => i.email.toLowerCase());
  const existing = new Set((await tx.subscriber.findMany({ where: { email: { in: emails } }, select: { email: true } })).map((s) => s.email));
  const fresh = inputs.filter((_, i) => !existing.has(emails[i] as string));
  if (fresh.length) {
    await tx.subscriber.createMany({ data: fresh.map((f) => ({ ...f, email: f.email.toLowerCase(), topics: f.topics ?? '', status: 'active', source: opts.source, confirmedAt: opts.now, createdAt: opts.now })) });
  }
  const outcomes: SaveOutcome[] = [];
  for (const [i, input] of inputs.entries()) outcomes.push(existing.has(emails[i] as string) ? await saveSubscriber(tx, input, opts) : 'added');
  return outcomes;
}

/** A subscription asked for by mail: a new address waits as "pending" until its link is confirmed. */
export async function ensurePendingSubscriber(tx: Tx, input: SubscriberInput, now: Date): Promise<SubscriberRow> {
  const email = input.email.toLowerCase();
  const current = await tx.subscriber.findUnique({ where: { email } });
  if (current) return current;
  return tx.subscriber.create({ data: { ...input, email, topics: input.topics ?? '', status: 'pending', source: 'mail', createdAt: now } });
}

/** A pending request asked again for other countries: they are the ones its next confirmation mail names. */
export async function setPendingCountries(tx: Tx, id: number, countries: string): Promise<SubscriberRow> {
  return tx.subscriber.update({ where: { id }, data: { countries } });
}

/** The link in the confirmation mail was used: active, with the countries that were asked for. */
export async function confirmSubscriber(tx: Tx, id: number, countries: string, now: Date): Promise<SubscriberRow | null> {
  const current = await tx.subscriber.findUnique({ where: { id } });
  if (!current) return null;
  return tx.subscriber.update({ where: { id }, data: { status: 'active', countries, confirmedAt: now, unsubscribedAt: null, unsubscribeReason: null } });
}

/**
 * Unsubscribes (one-click, link, reply, complaint, operator) and takes back the bulletin mails already
 * queued for the address that have not left yet. Returns false when it was not subscribed.
 */
export async function unsubscribe(tx: Tx, where: { id: number } | { email: string }, reason: string, now: Date): Promise<boolean> {
  const key = 'id' in where ? { id: where.id } : { email: where.email.toLowerCase() };
  const current = await tx.subscriber.findUnique({ where: key });
  if (!current || current.status === 'unsubscribed') return false;
  await tx.subscriber.update({ where: { id: current.id }, data: { status: 'unsubscribed', unsubscribedAt: now, unsubscribeReason: reason } });
  await tx.outboxMail.updateMany({ where: { status: 'pending', bulletinDelivery: { is: { subscriberId: current.id } } }, data: { status: 'cancelled', lastError: `unsubscribed (${reason})` } });
  return true;
}

export async function listSubscribers(db: Db, filter: { country?: string; status?: string; limit?: number }): Promise<SubscriberRow[]> {
  return db.subscriber.findMany({
    where: { ...(filter.status ? { status: filter.status } : {}), ...(filter.country ? { countries: { contains: `,${filter.country},` } } : {}) },
    orderBy: { id: 'asc' },
    take: filter.limit,
  });
}

export async function subscriberCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db.subscriber.groupBy({ by: ['status'], _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
}
