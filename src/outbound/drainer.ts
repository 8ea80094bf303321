import type { Logger } from 'pino';
import type { BlobStore } from '../store/blobs.js';
import { inTransaction, type Db } from '../store/database.js';
import { claimDueMails, leaseHolders, markFailed, markManySent, markRetry, markSent, releaseClaims, type OutboxHeaders, type OutboxRow } from '../store/outbox-repo.js';
import { holderIsDead, newHolderId } from '../scheduler/lease.js';
import type { Mailer, OutgoingMail } from './mailer.js';
import { fillBody, SharedBodies } from './shared-body.js';

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
  /** Written on the mails this drainer claims: a restarted process takes over a dead one's claims at once. */
  readonly holder = newHolderId('drain:');
  private readonly bodies: SharedBodies;
  private readonly toRecord: Array<{ id: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  private recording = false;

  /** Shutdown: send nothing more; claimed mails not tried yet go back to the queue untouched. */
  stop(): void {
    this.stopping = true;
  }

  constructor(
    private readonly deps: { db: Db; mailer: Mailer; blobs: BlobStore; log: Logger },
    private readonly opts: { maxAttempts: number; concurrency?: number },
  ) {
    this.bodies = new SharedBodies(deps.db);
  }

  async drain(now: () => Date = () => new Date()): Promise<DrainReport> {
    const report: DrainReport = { sent: 0, retried: 0, failed: 0 };
    for (;;) {
      if (this.stopping) return report;
      const dead = (await leaseHolders(this.deps.db, now())).filter(holderIsDead);
      const batch = await inTransaction(this.deps.db, (tx) => claimDueMails(tx, now(), LEASE_MS, BATCH, this.holder, dead));
      if (batch.length === 0) return report;
      await this.bodies.load(batch.map((row) => row.bodyId));
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
    // Recorded as sent just before the message's end goes to the server (mailer.ts SendOptions.confirm): a
    // crash before that is a mail the server discards and we send again, a crash after is a mail the server
    // gets whole and we never send again. A refusal in the server's last answer undoes the record (below).
    let recorded = false;
    const confirm = async () => {
      await this.recordSent(row.id, now);
      recorded = true;
    };
    try {
      await this.deps.mailer.send(this.toOutgoing(row), { confirm });
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
    // A mailer that does not call confirm (none of ours) is recorded once the server accepted.
    if (!recorded) await inTransaction(this.deps.db, (tx) => markSent(tx, row.id, now()));
    report.sent++;
  }

  /**
   * Group commit: the mails whose end waits for their record while a commit runs are recorded together by
   * the next one, so the pool's connections share transactions instead of queueing for the write lock.
   */
  private recordSent(id: number, now: () => Date): Promise<void> {
    return new Promise((resolve, reject) => {
      this.toRecord.push({ id, resolve, reject });
      if (!this.recording) void this.commitRecords(now);
    });
  }

  private async commitRecords(now: () => Date): Promise<void> {
    this.recording = true;
    for (let group = this.toRecord.splice(0); group.length > 0; group = this.toRecord.splice(0)) {
      try {
        await markManySent(this.deps.db, group.map((g) => g.id), now());
        for (const g of group) g.resolve();
      } catch (error) {
        for (const g of group) g.reject(error);
      }
    }
    this.recording = false;
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
      ...this.content(row),
      messageId: row.messageId,
      inReplyTo: headers.inReplyTo,
      references: headers.references,
      headers: headers.extra,
      attachments: attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, path: this.deps.blobs.pathOf(a.sha256) })),
    };
  }

  private content(row: OutboxRow): { text: string; html: string } {
    if (row.bodyId === null) return { text: row.text, html: row.html };
    const body = this.bodies.get(row.bodyId);
    const fill = JSON.parse(row.fill) as Record<string, string>;
    return { text: fillBody(body.text, fill, false), html: fillBody(body.html, fill, true) };
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
