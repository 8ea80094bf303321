import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { databaseFileOf, type Db } from '../store/database.js';
import { dateOf, sqlOf } from '../store/sql.js';
import { keepLiveToken, liveToken, tokenAlive } from './liveness.js';

// A lease per job (or mailbox) in the database: whoever holds an unexpired lease is the only instance doing
// that work. Leases use the wall clock (they guard real concurrency), never the simulated `--now` of run-once.

/** The holder ids this process made (the only live holders with its pid), each with the log it reports to. */
const ownHolders = new Map<string, Pick<Logger, 'warn'> | undefined>();

/**
 * "host:pid:random/token": unique per process; the token names the lock this process holds beside the database
 * for its life (liveness.ts), which tells whether it still runs. Without one (a database in memory), "host:pid:random".
 * `log`: where its renewals say that they made its lock file again (keepOwnLock).
 */
export function newHolderId(db: Db, prefix = '', log?: Pick<Logger, 'warn'>): string {
  const file = databaseFileOf(db);
  const token = file === undefined ? null : liveToken(file);
  const holder = `${prefix}${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}${token ? `/${token}` : ''}`;
  ownHolders.set(holder, log);
  return holder;
}

/**
 * Before a holder of this process renews or takes a lease (or claims): its lock file deleted or replaced by hand
 * is made again, so that the others see it run from then on, and its log says so.
 */
export function keepOwnLock(db: Db, holder: string): void {
  const file = databaseFileOf(db);
  if (file === undefined || !ownHolders.has(holder)) return;
  const kept = keepLiveToken(file);
  if (!kept) return;
  const log = ownHolders.get(holder);
  if (kept.error === undefined) log?.warn(kept, "this process's lock file beside the database was deleted or replaced (by hand, or by a cleanup of DATA_DIR): made again, so that other daemons see that this one runs");
  else log?.warn(kept, "this process's lock file beside the database was deleted or replaced and cannot be made again: other daemons wait out its leases instead of seeing it run");
}

/**
 * A holder whose process no longer runs (killed, crashed) holds nothing. With a token, its lock tells, on any host
 * name: another container with this host name and pid is alive, a killed container's is dead at once. Without one
 * (a version before the locks), host name and pid tell what they can: one of another host name is alive, and one
 * with this process's pid that this process did not make was an earlier process with the same pid (a container
 * restarted after a crash runs the daemon as process 1 again).
 */
export function holderIsDead(db: Db, holder: string): boolean {
  if (ownHolders.has(holder)) return false;
  const match = /^(?:[a-z]+:)?(.+):(\d+):[a-z0-9]+(?:\/([0-9a-f]+))?$/.exec(holder);
  if (!match) return false;
  const file = databaseFileOf(db);
  if (match[3] !== undefined) return file !== undefined && !tokenAlive(file, match[3]);
  if (match[1] !== hostname()) return false;
  if (Number(match[2]) === process.pid) return true;
  try {
    process.kill(Number(match[2]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function acquireLease(db: Db, name: string, holder: string, ttlMs: number, wallNow = new Date()): Promise<boolean> {
  keepOwnLock(db, holder);
  const leasedUntil = new Date(wallNow.getTime() + ttlMs);
  const taken = await db.jobLease.updateMany({
    where: { name, OR: [{ leasedUntil: { lt: wallNow } }, { holder }] },
    data: { holder, leasedUntil },
  });
  if (taken.count === 1) return true;
  const current = await db.jobLease.findUnique({ where: { name } });
  if (current && holderIsDead(db, current.holder)) {
    // Take over from a crashed process at once instead of waiting for its lease to lapse.
    const stolen = await db.jobLease.updateMany({ where: { name, holder: current.holder }, data: { holder, leasedUntil } });
    return stolen.count === 1;
  }
  if (current) return false;
  try {
    await db.jobLease.create({ data: { name, holder, leasedUntil } });
    return true;
  } catch (error) {
    // Someone else created it this instant.
    if ((error as { code?: string }).code === 'P2002') return false;
    throw error;
  }
}

/** When the lease was last released after a run (the end of its last run), null when never. */
export function leaseLastRun(db: Db, name: string): Date | null {
  return dateOf(sqlOf(db).get<{ lastRunAt: string | null }>('SELECT "lastRunAt" FROM "JobLease" WHERE "name" = ?', name)?.lastRunAt);
}

/**
 * Gives the lease up, and dates the run: lastRunAt (and lastNow, the run's `now`). `ran: false` gives it up only,
 * the last run left as it was: a mailbox's drain that failed, whose lastRunAt means "last read" (imap-outage.ts). A
 * scheduler job's run dates it either way (runner.ts): its end, which no one reads as a success.
 */
export async function releaseLease(db: Db, name: string, holder: string, simulatedNow: Date, opts: { ran?: boolean; wallNow?: Date } = {}): Promise<void> {
  const wallNow = opts.wallNow ?? new Date();
  const run = opts.ran === false ? {} : { lastRunAt: wallNow, lastNow: simulatedNow };
  await db.jobLease.updateMany({ where: { name, holder }, data: { leasedUntil: wallNow, ...run } });
}
