import type { Db } from '../store/database.js';
import { markManySent } from '../store/outbox-claims.js';

/**
 * A mail this drainer claimed was taken over by another meanwhile (its claim ran out: the process frozen past the
 * lease, or its renewals failed): the other sends it, so this one must not end it (drainer.ts sendOne).
 */
export class ClaimTakenOver extends Error {
  constructor(readonly outboxId: number) {
    super(`mail ${outboxId} was taken over by another drainer (this one's claim ran out): not sent here`);
  }
}

/**
 * The drainer's records of mails sent, by group commit: the records asked for in one turn of the event loop (the
 * pool's connections reach their mails' ends together) are written by one transaction, after the turn's I/O
 * (setImmediate). A mail whose claim the holder lost is not recorded: its record rejects with ClaimTakenOver.
 */
export class SentRecords {
  private readonly toRecord: Array<{ id: number; at: Date; resolve: () => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;

  constructor(
    private readonly db: Db,
    private readonly holder: string,
  ) {}

  /** Resolves once the mail is recorded as sent (committed). */
  record(id: number, at: Date): Promise<void> {
    return new Promise((resolve, reject) => {
      this.toRecord.push({ id, at, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.commit());
      }
    });
  }

  private async commit(): Promise<void> {
    for (let group = this.toRecord.splice(0); group.length > 0; group = this.toRecord.splice(0)) {
      try {
        const lost = await markManySent(this.db, group, this.holder);
        for (const g of group) (lost.has(g.id) ? g.reject(new ClaimTakenOver(g.id)) : g.resolve());
      } catch (error) {
        for (const g of group) g.reject(error);
      }
    }
    this.scheduled = false;
  }
}
