import type { Tx, Db } from './database.js';
import { sqlOf } from './sql.js';

export const INBOUND_OUTCOMES = ['created', 'comment', 'reopened', 'followup', 'duplicate', 'too_large', 'quarantined', 'loop', 'auto_reply', 'admin_command', 'rejected', 'bounce', 'complaint', 'survey_answer', 'bulletin_command', 'thanks', 'too_large_read'] as const;
export type InboundOutcome = (typeof INBOUND_OUTCOMES)[number];

export interface InboundLogEntry {
  source: string;
  sourceRef: string | null;
  dedupKey: string | null;
  messageId: string | null;
  fromAddress: string | null;
  subject: string | null;
  size: number;
  rawSha256: string;
  outcome: InboundOutcome;
  ticketNumber: number | null;
  detail: string | null;
  /** Only for a mail whose log row is all it leaves (ingest/stages/reused-message-id.ts fingerprintToLog). */
  contentFingerprint?: string | null;
  at: Date;
}

export async function logInbound(tx: Tx, e: InboundLogEntry): Promise<number> {
  // Direct SQL (store/sql.ts): one row per inbound mail.
  return sqlOf(tx).run(
    'INSERT INTO "InboundLog" ("receivedAt", "source", "sourceRef", "dedupKey", "messageId", "fromAddress", "subject", "size", "rawSha256", "outcome", "ticketNumber", "detail", "contentFingerprint") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    e.at, e.source, e.sourceRef, e.dedupKey, e.messageId, e.fromAddress, e.subject?.slice(0, 500) ?? null, e.size, e.rawSha256, e.outcome, e.ticketNumber, e.detail, e.contentFingerprint ?? null,
  ).id;
}

/** The first mail logged under this key, with its ticket (null when it had none) and outcome; null when there was none. */
export async function loggedUnder(tx: Tx, dedupKey: string): Promise<{ ticketNumber: number | null; outcome: InboundOutcome } | null> {
  return sqlOf(tx).get<{ ticketNumber: number | null; outcome: InboundOutcome }>('SELECT "ticketNumber", "outcome" FROM "InboundLog" WHERE "dedupKey" = ? ORDER BY "id" LIMIT 1', dedupKey) ?? null;
}

/** The first mail logged under this key with one of `outcomes`, or null. */
export async function loggedWithOutcomeUnder(tx: Tx, dedupKey: string, outcomes: readonly InboundOutcome[]): Promise<{ ticketNumber: number | null } | null> {
  if (outcomes.length === 0) return null;
  const marks = outcomes.map(() => '?').join(', ');
  return sqlOf(tx).get<{ ticketNumber: number | null }>(`SELECT "ticketNumber" FROM "InboundLog" WHERE "dedupKey" = ? AND "outcome" IN (${marks}) ORDER BY "id" LIMIT 1`, dedupKey, ...outcomes) ?? null;
}

/** The first mail logged under this key with its content's fingerprint: one that left nothing but its log row. */
export async function loggedFingerprint(tx: Tx, dedupKey: string): Promise<{ fingerprint: string; outcome: string; ticketNumber: number | null; rawSha256: string } | null> {
  return (
    sqlOf(tx).get<{ fingerprint: string; outcome: string; ticketNumber: number | null; rawSha256: string }>(
      'SELECT "contentFingerprint" AS "fingerprint", "outcome", "ticketNumber", "rawSha256" FROM "InboundLog" WHERE "dedupKey" = ? AND "contentFingerprint" IS NOT NULL ORDER BY "id" LIMIT 1',
      dedupKey,
    ) ?? null
  );
}

/**
 * The mails recorded under keys derived from `dedupKey` (`<key>#<content hash>`: other mails under one Message-ID,
 * ingest/stages/reused-message-id.ts), first rows first, at most `limit`: a range on the indexed key, '$' being the
 * character after '#'.
 */
export function loggedUnderDerivedKeys(tx: Tx, dedupKey: string, limit = 20): Array<{ dedupKey: string; rawSha256: string; ticketNumber: number | null }> {
  return sqlOf(tx).all<{ dedupKey: string; rawSha256: string; ticketNumber: number | null }>(
    'SELECT "dedupKey", "rawSha256", "ticketNumber" FROM "InboundLog" WHERE "dedupKey" > ? AND "dedupKey" < ? AND "outcome" <> \'duplicate\' ORDER BY "id" LIMIT ?',
    `${dedupKey}#`, `${dedupKey}$`, limit,
  );
}

/** A mail too large to parse that opened a ticket, as its log row keeps it: the evidence a copy read later is it. */
export interface TooLargeLogged {
  dedupKey: string;
  rawSha256: string;
  /** The hash of what its sender wrote (ingest/written-content.ts); null without Message-ID (its key is that hash) or before the column. */
  written: string | null;
  fromAddress: string | null;
  subject: string | null;
  ticketNumber: number;
  /** Whether a copy of it was read since (`too_large_read`). */
  read: boolean;
}

/**
 * The mails too large to parse that opened a ticket, logged under this key or a key derived from it (`<key>#<hash>`:
 * another mail under its Message-ID, ingest/stages/reused-message-id.ts). '#' + 1 is '$': the range is the derived
 * keys, read from the key's index.
 */
export async function tooLargeLoggedUnder(tx: Tx, dedupKey: string): Promise<TooLargeLogged[]> {
  const rows = sqlOf(tx).all<Omit<TooLargeLogged, 'read'> & { read: number }>(
    `SELECT l."dedupKey", l."rawSha256", l."contentFingerprint" AS "written", l."fromAddress", l."subject", l."ticketNumber",
       EXISTS (SELECT 1 FROM "InboundLog" r WHERE r."dedupKey" = l."dedupKey" AND r."outcome" = 'too_large_read') AS "read"
     FROM "InboundLog" l
     WHERE (l."dedupKey" = ? OR (l."dedupKey" > ? AND l."dedupKey" < ?)) AND l."outcome" = 'too_large' AND l."ticketNumber" IS NOT NULL
     ORDER BY l."id"`,
    dedupKey, `${dedupKey}#`, `${dedupKey}$`,
  );
  return rows.map((row) => ({ ...row, read: row.read === 1 }));
}

export async function alreadyLoggedRaw(tx: Tx, rawSha256: string, outcome: InboundOutcome): Promise<boolean> {
  return sqlOf(tx).get('SELECT 1 FROM "InboundLog" WHERE "rawSha256" = ? AND "outcome" = ? LIMIT 1', rawSha256, outcome) !== undefined;
}

export interface QuarantineEntry {
  rawSha256: string;
  size: number;
  source: string;
  sourceRef: string | null;
  errorCode: string;
  error: string;
  at: Date;
  /** When the mail reached the mailbox, if the source knows (IngestSource.arrivedAt). */
  arrivedAt?: Date;
}

export async function quarantine(tx: Tx, e: QuarantineEntry): Promise<number> {
  const { at, arrivedAt, ...rest } = e;
  const row = await tx.quarantinedMail.create({ data: { ...rest, error: rest.error.slice(0, 4000), createdAt: at, arrivedAt: arrivedAt && arrivedAt < at ? arrivedAt : null } });
  return row.id;
}

export async function pendingQuarantine(db: Db) {
  return db.quarantinedMail.findMany({ where: { replayedAt: null }, orderBy: { id: 'asc' } });
}

export async function markReplayed(tx: Tx, id: number, outcome: string, at: Date): Promise<void> {
  await tx.quarantinedMail.update({ where: { id }, data: { replayedAt: at, replayOutcome: outcome } });
}

export async function outcomeCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db.inboundLog.groupBy({ by: ['outcome'], _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [r.outcome, r._count._all]));
}

/** One inbound log row as `ventanilla inbound` shows it (README, JSON output). */
export interface InboundView {
  id: number;
  receivedAt: string;
  source: string;
  sourceRef: string | null;
  outcome: string;
  ticket: number | null;
  from: string | null;
  subject: string | null;
  detail: string | null;
  sha256: string;
  size: number;
}

/** The newest entries of the inbound log, newest first; only those of one outcome when asked. */
export async function recentInbound(db: Db, opts: { outcome?: InboundOutcome; limit: number }): Promise<InboundView[]> {
  const rows = await db.inboundLog.findMany({ where: opts.outcome ? { outcome: opts.outcome } : {}, orderBy: { id: 'desc' }, take: opts.limit });
  return rows.map((r) => ({
    id: r.id, receivedAt: r.receivedAt.toISOString(), source: r.source, sourceRef: r.sourceRef, outcome: r.outcome, ticket: r.ticketNumber,
    from: r.fromAddress, subject: r.subject, detail: r.detail, sha256: r.rawSha256, size: r.size,
  }));
}

/** A quarantined mail waiting for `replay`, with the sender and subject its inbound log row read from it. */
export interface QuarantineView {
  id: number;
  quarantinedAt: string;
  source: string;
  sourceRef: string | null;
  from: string | null;
  subject: string | null;
  errorCode: string;
  error: string;
  sha256: string;
  size: number;
}

export async function quarantineWaiting(db: Db): Promise<QuarantineView[]> {
  const waiting = await pendingQuarantine(db);
  const logged = await db.inboundLog.findMany({
    where: { outcome: 'quarantined', rawSha256: { in: waiting.map((q) => q.rawSha256) } },
    select: { rawSha256: true, fromAddress: true, subject: true },
  });
  const byRaw = new Map(logged.map((l) => [l.rawSha256, l]));
  return waiting.map((q) => ({
    id: q.id, quarantinedAt: q.createdAt.toISOString(), source: q.source, sourceRef: q.sourceRef, from: byRaw.get(q.rawSha256)?.fromAddress ?? null,
    subject: byRaw.get(q.rawSha256)?.subject ?? null, errorCode: q.errorCode, error: q.error, sha256: q.rawSha256, size: q.size,
  }));
}
