import type { Logger } from 'pino';
import type { BlobStore } from '../store/blobs.js';
import { inTransaction, type Db } from '../store/database.js';
import { claimDueMails, markFailed, markRetry, markSent, releaseClaims, type OutboxHeaders, type OutboxRow } from '../store/outbox-repo.js';
import type { Mailer, OutgoingMail } from './mailer.js';

export interface DrainReport {
  sent: number;
  retried: number;
  failed: number;
}

const LEASE_MS = 5 * 60_000;
const BATCH = 200;

/**
 * Sends what the outbox holds. Temporary failures (no connection, 4xx) wait with exponential backoff
 * (30 s, 1 min, 2 min ... capped at 1 h); permanent ones (5xx) and mails out of attempts are marked failed
 * for `ventanilla outbox list --failed` / `outbox retry`.
 */
export class OutboxDrainer {
  private stopping = false;

  /** Shutdown: send nothing more; claimed mails not tried yet go back to the queue untouched. */
  stop(): void {
    this.stopping = true;
  }

  constructor(
    private readonly deps: { db: Db; mailer: Mailer; blobs: BlobStore; log: Logger },
    private readonly opts: { maxAttempts: number; concurrency?: number },
  ) {}

  async drain(now: () => Date = () => new Date()): Promise<DrainReport> {
    const report: DrainReport = { sent: 0, retried: 0, failed: 0 };
    for (;;) {
      if (this.stopping) return report;
      const batch = await inTransaction(this.deps.db, (tx) => claimDueMails(tx, now(), LEASE_MS, BATCH));
      if (batch.length === 0) return report;
      await this.sendAll(batch, report, now);
      if (batch.length < BATCH) return report;
    }
  }

  private async sendAll(batch: OutboxRow[], report: DrainReport, now: () => Date): Promise<void> {
    const queue = [...batch];
    const workers = Array.from({ length: Math.min(this.opts.concurrency ?? 5, queue.length) }, async () => {
      for (let row = queue.shift(); row && !this.stopping; row = queue.shift()) await this.sendOne(row, report, now);
    });
    await Promise.all(workers);
    if (queue.length > 0) await inTransaction(this.deps.db, (tx) => releaseClaims(tx, queue.map((r) => r.id)));
  }

  private async sendOne(row: OutboxRow, report: DrainReport, now: () => Date): Promise<void> {
    try {
      await this.deps.mailer.send(this.toOutgoing(row));
    } catch (error) {
      const message = describe(error);
      const permanent = isPermanent(error);
      if (permanent || row.attempts >= this.opts.maxAttempts) {
        await inTransaction(this.deps.db, (tx) => markFailed(tx, row.id, message));
        report.failed++;
        this.deps.log.error({ outboxId: row.id, to: row.toList, error: message, attempts: row.attempts }, 'mail failed permanently');
      } else {
        const delay = Math.min(30_000 * 2 ** (row.attempts - 1), 3_600_000);
        await inTransaction(this.deps.db, (tx) => markRetry(tx, row.id, new Date(now().getTime() + delay), message));
        report.retried++;
        this.deps.log.warn({ outboxId: row.id, error: message, retryInMs: delay }, 'mail not sent; will retry');
      }
      return;
    }
    // The mail left: record it. (If we die right here, the expired lease resends it once, with the same
    // Message-ID, so mail clients show it once.)
    await inTransaction(this.deps.db, (tx) => markSent(tx, row.id, now()));
    report.sent++;
  }

  private toOutgoing(row: OutboxRow): OutgoingMail {
    const headers = JSON.parse(row.headers) as OutboxHeaders;
    const attachments = JSON.parse(row.attachments) as Array<{ filename: string; contentType: string; sha256: string }>;
    return {
      from: row.fromAddress,
      to: JSON.parse(row.toList) as string[],
      cc: JSON.parse(row.ccList) as string[],
      replyTo: headers.replyTo,
      subject: row.subject,
      text: row.text,
      html: row.html,
      messageId: row.messageId,
      inReplyTo: headers.inReplyTo,
      references: headers.references,
      headers: headers.extra,
      attachments: attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, path: this.deps.blobs.pathOf(a.sha256) })),
    };
  }
}

function describe(error: unknown): string {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  return [e.code, e.responseCode, e.response ?? e.message].filter(Boolean).join(' ') || String(error);
}

/** 5xx from the server is final; everything else (connection refused, timeouts, 4xx) may pass later. */
function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
