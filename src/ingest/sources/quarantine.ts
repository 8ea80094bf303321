import type { BlobStore } from '../../store/blobs.js';
import type { Db, Tx } from '../../store/database.js';
import { markReplayed, pendingQuarantine } from '../../store/inbound-log-repo.js';
import { rawMailInDatabase } from '../../store/raw-mails.js';
import type { InboundPipeline } from '../pipeline.js';

export interface ReplayDeps {
  db: Db;
  blobs: BlobStore;
  pipeline: InboundPipeline;
  now: () => Date;
}

export interface ReplayReport {
  /** Each mail as it is done: its quarantine entry, what became of it, its ticket. */
  replayed(id: number, outcome: string, ticketNumber: number | null): void;
  /** A mail whose raw copy is not kept any more: left in the quarantine. */
  missing(id: number, sha256: string): void;
  /** Called before each mail (`ventanilla replay` renews its lease there). */
  beforeEach?(): Promise<void>;
}

/**
 * `ventanilla replay`: processes the quarantine again, oldest first; returns how many were replayed. A mail that
 * fails again is quarantined again as a new entry; its old entry is done either way.
 */
export async function replayQuarantine(deps: ReplayDeps, report: ReplayReport): Promise<number> {
  let replayed = 0;
  for (const item of await pendingQuarantine(deps.db)) {
    await report.beforeEach?.();
    // Marked replayed in the mail's own transaction: a replay killed just after that commit left the entry
    // waiting, so a mail that failed again was listed twice, and one that became a ticket was still listed.
    // The mail as it reached the mailbox, not at the replay: an answer that came on time is on time.
    const source = {
      source: 'replay' as const,
      sourceRef: `quarantine:${item.id}`,
      arrivedAt: item.arrivedAt ?? item.createdAt,
      // Read when it was quarantined: its SLA counts from then (apply.ts slaStartOf).
      readBefore: item.createdAt,
      withinTransaction: (tx: Tx, outcome: string) => markReplayed(tx, item.id, outcome, deps.now()),
    };
    // A mail kept in the database is small; one kept as a blob file is streamed, as a big one is never held whole.
    const kept = rawMailInDatabase(deps.db, item.rawSha256);
    if (!kept && !deps.blobs.has(item.rawSha256)) {
      // Its file removed by hand, or lost: say so and go on, so one entry cannot block every later one.
      report.missing(item.id, item.rawSha256);
      continue;
    }
    const result = kept ? await deps.pipeline.ingest(kept, source) : await deps.pipeline.ingestStream(deps.blobs.openRead(item.rawSha256), source);
    report.replayed(item.id, result.outcome, result.ticketNumber);
    replayed++;
  }
  return replayed;
}
