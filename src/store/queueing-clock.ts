import type Database from 'better-sqlite3';
import { connectionOf, type Db, type Tx } from './database.js';

// `scheduler run-once --now <instant>` queues its mails as of that instant: their createdAt is it, as the per-address
// cap, the reports and the survey gate compare it with the run's clock. Their tries run on the wall clock (the drain,
// its backoff), so a retry window (OUTBOX_RETRY_HOURS) counted from createdAt was over at the first try of a mail
// queued days "ago", and a 451 failed it at once. A database opened for such a run is marked here: each mail it queues
// (or queues anew) keeps the wall clock in OutboxMail.retryFrom, where its retries start. No other process marks its
// database (the daemon and the other commands queue on the wall clock; a test on its own past clock keeps its rows
// as they were, counted from createdAt).

const explicitClocks = new WeakSet<Database.Database>();

/** Mails queued through `db` from now on are queued on an explicit clock (`--now`), not the wall clock. */
export function queueOnExplicitClock(db: Db): void {
  explicitClocks.add(connectionOf(db));
}

/** OutboxMail.retryFrom for a mail queued now through `handle`: the wall clock on an explicit clock, else null. */
export function retryFromFor(handle: Db | Tx): Date | null {
  return explicitClocks.has(connectionOf(handle)) ? new Date() : null;
}
