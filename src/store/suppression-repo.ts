import type { Db, Tx } from './database.js';
import { dateOf, placeholders, sqlOf } from './sql.js';

// Addresses that bounce (README "Bounces and suppression"). While suppressedUntil is in the future, no
// bulletin and no notification is mailed to the address.

export type SuppressionRow = Awaited<ReturnType<Db['suppression']['findFirstOrThrow']>>;

/** The addresses of the list (lower case) that are suppressed at `now`. */
export async function suppressedAmong(tx: Tx | Db, emails: string[], now: Date): Promise<Set<string>> {
  const list = [...new Set(emails.map((e) => e.toLowerCase()).filter(Boolean))];
  if (list.length === 0) return new Set();
  const rows = sqlOf(tx).all<{ email: string }>(`SELECT "email" FROM "Suppression" WHERE "email" IN (${placeholders(list.length)}) AND "suppressedUntil" > ?`, ...list, now);
  return new Set(rows.map((r) => r.email));
}

/**
 * Of these addresses (any case), those suppressed at `now`, by address in lower case, with since when. One
 * statement for a drainer's whole batch, each address by the primary key (the list as one JSON parameter).
 */
export const SUPPRESSED_SINCE_SQL = `SELECT "email", "suppressedAt" FROM "Suppression" WHERE "email" IN (SELECT "value" FROM json_each(?)) AND "suppressedUntil" > ?`;

export function suppressedSince(tx: Tx | Db, emails: string[], now: Date): Map<string, Date | null> {
  const list = [...new Set(emails.map((e) => e.toLowerCase()).filter(Boolean))];
  if (list.length === 0) return new Map();
  const rows = sqlOf(tx).all<{ email: string; suppressedAt: string | null }>(SUPPRESSED_SINCE_SQL, JSON.stringify(list), now);
  return new Map(rows.map((r) => [r.email, dateOf(r.suppressedAt)]));
}

export interface BounceFacts {
  email: string;
  status: string | null;
  detail: string;
  now: Date;
}

/** A hard bounce: suppressed until `until` (a longer suppression already in force is kept). */
export async function suppressForHardBounce(tx: Tx, b: BounceFacts, until: Date): Promise<void> {
  const email = b.email.toLowerCase();
  const current = await tx.suppression.findUnique({ where: { email } });
  const keepUntil = current?.suppressedUntil && current.suppressedUntil > until ? current.suppressedUntil : until;
  const data = { lastBounceAt: b.now, lastStatus: b.status, reason: 'hard_bounce', detail: b.detail.slice(0, 500), suppressedAt: b.now, suppressedUntil: keepUntil, liftedAt: null, liftedBy: null };
  await tx.suppression.upsert({ where: { email }, create: { email, ...data }, update: data });
}

/**
 * A soft bounce: counted (the count restarts when the previous one is older than the window); at `limit`
 * the address is suppressed until `until`. Returns whether this bounce suppressed it.
 */
export async function countSoftBounce(tx: Tx, b: BounceFacts, opts: { limit: number; windowMs: number; until: Date }): Promise<boolean> {
  const email = b.email.toLowerCase();
  const current = await tx.suppression.findUnique({ where: { email } });
  const recent = current?.lastBounceAt && b.now.getTime() - current.lastBounceAt.getTime() <= opts.windowMs;
  const count = (recent ? (current?.softBounces ?? 0) : 0) + 1;
  const alreadySuppressed = current?.suppressedUntil !== null && current?.suppressedUntil !== undefined && current.suppressedUntil > b.now;
  const suppress = count >= opts.limit && !alreadySuppressed;
  const data = {
    softBounces: suppress ? 0 : count,
    lastBounceAt: b.now,
    lastStatus: b.status,
    detail: b.detail.slice(0, 500),
    ...(suppress ? { reason: 'soft_bounces', suppressedAt: b.now, suppressedUntil: opts.until, liftedAt: null, liftedBy: null } : {}),
  };
  await tx.suppression.upsert({ where: { email }, create: { email, ...data }, update: data });
  return suppress;
}

/** Ends a suppression at once; false when the address was not suppressed. */
export async function liftSuppression(tx: Tx, email: string, by: string, now: Date): Promise<boolean> {
  const lifted = await tx.suppression.updateMany({
    where: { email: email.toLowerCase(), suppressedUntil: { gt: now } },
    data: { suppressedUntil: null, softBounces: 0, liftedAt: now, liftedBy: by },
  });
  return lifted.count === 1;
}

/** The address's row, suppressed now or not (null: it never bounced). */
export async function suppressionOf(db: Db, email: string): Promise<SuppressionRow | null> {
  return db.suppression.findUnique({ where: { email: email.toLowerCase() } });
}

export async function listSuppressions(db: Db, opts: { now: Date; all?: boolean }): Promise<SuppressionRow[]> {
  return db.suppression.findMany({ where: opts.all ? {} : { suppressedUntil: { gt: opts.now } }, orderBy: [{ suppressedAt: 'desc' }, { email: 'asc' }] });
}
