import type { Db } from '../store/database.js';
import { markManySent } from '../store/outbox-repo.js';

/**
 * The drainer's records of mails sent, by group commit: the records asked for in one turn of the event loop (the
 * pool's connections reach their mails' ends together) are written by one transaction, after the turn's I/O
 * (setImmediate).
 */
export class SentRecords {
  private readonly toRecord: Array<{ id: number; at: Date; resolve: () => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly db: Db) {}

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
        await markManySent(this.db, group);
        for (const g of group) g.resolve();
      } catch (error) {
        for (const g of group) g.reject(error);
      }
    }
    this.scheduled = false;
  }
}
