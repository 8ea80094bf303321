import Database from '../../src/store/sqlite-driver.js';
import type { ImapFlow } from 'imapflow';
import { join } from 'node:path';
import { startDaemon, type Daemon } from '../support/daemon.js';
import type { DovecotServer } from '../support/dovecot.js';
import { BENCH_SECRET, cpuProfEnv, LogWatcher, SUPPORT_ADDRESS } from './lib.js';

// The real daemon (`dist/bundle/main.js start`, through test/support/daemon.ts) on a private Dovecot, with its
// log read line by line.

export interface RunningDaemon {
  daemon: Daemon;
  logs: LogWatcher;
  dataDir: string;
  spawnedAt: number;
  stop(): Promise<void>;
}

export function daemonEnv(dovecot: DovecotServer, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    SUPPORT_ADDRESS,
    SECRET_KEY: BENCH_SECRET,
    IMAP_HOST: dovecot.host,
    IMAP_PORT: String(dovecot.imapPort),
    IMAP_SECURE: 'false',
    IMAP_USER: dovecot.user,
    IMAP_PASSWORD: dovecot.password,
    // "mail processed" (one line per committed mail) is an info line: the benchmarks time commits with it.
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export function spawnDaemon(dovecot: DovecotServer, dataDir: string, profileLabel: string, extra: Record<string, string> = {}): RunningDaemon {
  const spawnedAt = Date.now();
  const daemon = startDaemon({ ...daemonEnv(dovecot, dataDir, extra), ...cpuProfEnv(profileLabel) }, { maxLogChars: 20_000 });
  const logs = new LogWatcher(daemon.child);
  return { daemon, logs, dataDir, spawnedAt, stop: () => daemon.kill('SIGTERM') };
}

/** Outcome counts straight from the daemon's database (read-only; the daemon may still run). */
export function outcomeCounts(dataDir: string): Record<string, number> {
  const db = new Database(join(dataDir, 'ventanilla.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT outcome, count(*) AS n FROM InboundLog GROUP BY outcome').all() as Array<{ outcome: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
  } finally {
    db.close();
  }
}

/** Mails in the daemon's outbox not sent yet (queued, or claimed and being sent). */
export function unsentMails(dataDir: string): number {
  const db = new Database(join(dataDir, 'ventanilla.db'), { readonly: true, fileMustExist: true });
  try {
    // Notices still owed (rendered once the backlog is recorded: src/outbound/deferred-notices.ts) count as unsent.
    return (db.prepare(`SELECT (SELECT count(*) FROM OutboxMail WHERE status = 'pending') + (SELECT count(*) FROM DeferredNotice) AS n`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** STATUS (MESSAGES) of a mailbox. */
export async function messagesIn(client: ImapFlow, mailbox: string): Promise<number> {
  const status = await client.status(mailbox, { messages: true });
  if (!status || status.messages === undefined) throw new Error(`no STATUS for ${mailbox}`);
  return status.messages;
}
