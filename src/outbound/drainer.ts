import type { Logger } from 'pino';
import type { BlobStore } from '../store/blobs.js';
import { inTransaction, type Db } from '../store/database.js';
import { claimDueMails, leaseHolders, renewClaims, markSent, releaseClaims, type ClaimedMail } from '../store/outbox-claims.js';
import { isSentMessage } from '../store/outbox-repo.js';
import { holderIsDead, keepOwnLock, newHolderId } from '../scheduler/lease.js';
import type { Mailer, RefusedRecipient } from './mailer.js';
import { missingAttachments } from './failed-mail.js';
import { FailedTries } from './failed-tries.js';
import { outgoingMailOf } from './outgoing-mail.js';
import { ClaimTakenOver, SentRecords } from './sent-records.js';
import { SharedBodies } from './shared-body.js';
import { screenClaimed } from './suppressed-recipients.js';
import { ServerPause } from './server-pause.js';
import { describeSmtpError, isPermanentError, isServerProblem, mayHaveDelivered, refusedOf } from './smtp-errors.js';
import type { HeldOutcome } from './held-acknowledgements.js';

export interface DrainReport {
  sent: number;
  retried: number;
  failed: number;
}

const LEASE_MS = 5 * 60_000;
const BATCH = 200;
/** A half-sent mail a killed process left (Mailer.recover) is looked at once it is this old, once a minute at most. */
const LEFTOVER_AGE_MS = LEASE_MS;
const LEFTOVERS_EVERY_MS = 60_000;
/**
 * On stop, the mails on their way are waited for this long by default (SMTP_STOP_GRACE_SECONDS), then given up on: the
 * server may hold its answer to a mail's end for 10 minutes (mailer.ts socketTimeout), and `systemctl stop` kills a
 * daemon after 90 s.
 */
export const STOP_GRACE_MS = 20_000;
/**
 * A claimed batch is checked against the suppressions once more before its next mail goes when this long has passed
 * since the last check: a relay that takes few mails a minute spends minutes on a batch, and a bounce recorded
 * meanwhile must stop the mails still queued here. A fast drain never waits that long over a batch.
 */
const RESCREEN_MS = 30_000;

/** One drain() call: the claimed mails not handed to the mailer yet, and whether the outbox may hold more. */
interface Run {
  queue: ClaimedMail[];
  more: boolean;
  claiming: Promise<void> | null;
  /** The queue's look at the suppressions (suppressed-recipients.ts screenClaimed) under way, and when the last was. */
  screening: Promise<void> | null;
  screenedAt: number;
  error: unknown;
  report: DrainReport;
  now: () => Date;
  /** While true, no more mails are claimed (InboundFirst): the ones claimed already are still sent. */
  holding: () => boolean;
  /** Set when the server, not a mail, failed (unreachable, login refused): no more mails are tried. */
  serverTrouble: string | null;
  /** The mails handed to the mailer and not yet recorded: held, like the queue's, under this drainer's lease. */
  inFlight: Set<number>;
}

/**
 * Sends what the outbox holds. Temporary failures (no connection, 4xx) wait with exponential backoff
 * (30 s, 1 min, 2 min ... capped at 1 h); permanent ones (5xx) and mails out of attempts are marked failed
 * for `ventanilla outbox list --failed` / `outbox retry`.
 */
export class OutboxDrainer {
  private stopping = false;
  /** Written on the mails this drainer claims: a restarted process takes over a dead one's claims at once. */
  readonly holder: string;
  private readonly bodies: SharedBodies;
  private readonly sentRecords: SentRecords;
  private readonly tries: FailedTries;
  private leftoversAt = 0;
  /** While the server is in trouble, drains try nothing for a while (server-pause.ts). */
  private readonly pause: ServerPause;

  /** Aborted the stop's grace after stop(): the mails still on their way are given up on (sendOne). */
  private readonly interrupt = new AbortController();
  /** Mails handed to the mailer and not yet settled, in every drain of this drainer. */
  private sending = 0;

  /**
   * Shutdown: send nothing more; claimed mails not tried yet go back to the queue untouched. The mails on their way
   * get the grace (stopGraceMs) to be answered; then their connections are closed and they are queued again, due at once.
   */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    const graceMs = this.opts.stopGraceMs ?? STOP_GRACE_MS;
    setTimeout(() => {
      if (this.sending === 0) return;
      this.deps.log.warn({ mails: this.sending, graceMs }, 'stopping: the SMTP server has not answered the mails on their way in time; closed the connection, they are sent again at the next start');
      this.interrupt.abort();
    }, graceMs).unref();
  }

  constructor(
    /** heldBack: an acknowledgement ACK_LIMIT held back, written again before it goes (held-acknowledgements.ts). */
    private readonly deps: { db: Db; mailer: Mailer; blobs: BlobStore; log: Logger; heldBack?: (row: ClaimedMail, holder: string, now: Date) => Promise<HeldOutcome> },
    /**
     * retryHours: OUTBOX_RETRY_HOURS; maxAttempts: OUTBOX_MAX_ATTEMPTS, no limit by count when absent; stopGraceMs:
     * SMTP_STOP_GRACE_SECONDS; suppressionDays: SUPPRESSION_DAYS, for an address refused as unknown (failed-tries.ts).
     */
    private readonly opts: { retryHours: number; maxAttempts?: number; concurrency?: number; rescreenMs?: number; stopGraceMs?: number; suppressionDays?: number },
  ) {
    this.holder = newHolderId(deps.db, 'drain:', deps.log);
    this.bodies = new SharedBodies(deps.db);
    this.sentRecords = new SentRecords(deps.db, this.holder);
    this.tries = new FailedTries(deps, opts, this.holder);
    this.pause = new ServerPause(deps.log);
  }

  /**
   * Mails flow without a pause: the next batch is claimed while the current one is still sending, and twice
   * as many mails as the pool has connections are handed to the mailer at once, so a connection that
   * finishes a mail finds the next one already queued (nodemailer's pool) instead of waiting for us. On
   * stop() the mails already handed over (at most that many) are still sent; the rest go back. While `holding()`
   * (inbound-first.ts) no more are claimed, and the drain ends once the claimed ones are sent.
   */
  async drain(now: () => Date = () => new Date(), holding: () => boolean = () => false): Promise<DrainReport> {
    if (this.pause.holds(now())) return { sent: 0, retried: 0, failed: 0 };
    await this.finishLeftovers();
    const run: Run = { queue: [], more: true, claiming: null, screening: null, screenedAt: Date.now(), error: null, report: { sent: 0, retried: 0, failed: 0 }, now, holding, serverTrouble: null, inFlight: new Set() };
    const lanes = 2 * Math.max(1, this.opts.concurrency ?? 5);
    const worker = async () => {
      try {
        for (let row = await this.next(run, lanes); row; row = await this.next(run, lanes)) {
          run.inFlight.add(row.id);
          await this.sendOne(row, run).finally(() => run.inFlight.delete(row.id));
        }
      } catch (error) {
        // The database failed us (recording a failure): the other lanes take no new mail, and the rest goes back.
        run.error ??= error;
      }
    };
    // A claim is leased for LEASE_MS; a drain can take longer (a relay that takes 30 mails a minute needs ~7 min
    // for a batch of 200): renewed meanwhile, or another drainer (a CLI command's, another daemon's) would take
    // the mails still queued here as abandoned and both would send them.
    const renewal = setInterval(() => void this.renewHeld(run), LEASE_MS / 3);
    await Promise.all(Array.from({ length: lanes }, worker)).finally(() => clearInterval(renewal));
    await run.claiming;
    // Stopped: what was claimed and not handed to the mailer goes back as it was.
    if (run.queue.length > 0) await releaseClaims(this.deps.db, run.queue.splice(0).map((r) => r.id), this.holder);
    if (run.error) throw run.error;
    this.pause.after(run.serverTrouble, run.report.sent, run.now());
    return run.report;
  }

  /** Extends the lease of the mails this run holds; a queued one no longer held (taken over) is not sent here. */
  private async renewHeld(run: Run): Promise<void> {
    try {
      keepOwnLock(this.deps.db, this.holder);
      const held = await renewClaims(this.deps.db, [...run.inFlight, ...run.queue.map((r) => r.id)], this.holder, new Date(run.now().getTime() + LEASE_MS));
      const kept = run.queue.filter((r) => held.has(r.id));
      run.queue.splice(0, run.queue.length, ...kept);
    } catch (error) {
      this.deps.log.warn({ error: String(error) }, 'could not renew the outbox claims; another drainer may send them once they expire');
    }
  }

  /**
   * What a killed process left half-sent (the file mailer's staged files): a mail recorded as sent is delivered,
   * any other dropped, as it is sent again. Only once the leftovers are older than any live send (a claim's lease).
   */
  private async finishLeftovers(): Promise<void> {
    if (!this.deps.mailer.recover || Date.now() - this.leftoversAt < LEFTOVERS_EVERY_MS) return;
    this.leftoversAt = Date.now();
    const { finished, dropped } = await this.deps.mailer.recover((messageId) => isSentMessage(this.deps.db, messageId), LEFTOVER_AGE_MS);
    if (finished + dropped > 0) this.deps.log.warn({ finished, dropped }, 'mails a stopped process left half-sent: the sent ones delivered, the others dropped (sent again)');
  }

  /** The next mail to send; claims more when few are left. Null: stopping, or nothing due. */
  private async next(run: Run, lowWater: number): Promise<ClaimedMail | null> {
    for (;;) {
      if (this.stopping || run.error || run.serverTrouble) return null;
      if (!run.screening && run.queue.length > 0 && Date.now() - run.screenedAt >= (this.opts.rescreenMs ?? RESCREEN_MS)) run.screening = this.rescreen(run);
      if (run.screening) {
        await run.screening;
        if (run.error) return null;
      }
      if (run.queue.length <= lowWater && run.more && !run.claiming && !run.holding()) run.claiming = this.claim(run);
      const row = run.queue.shift();
      if (row) return row;
      if (!run.claiming) return null;
      await run.claiming;
    }
  }

  private async claim(run: Run): Promise<void> {
    let batch: ClaimedMail[] = [];
    try {
      keepOwnLock(this.deps.db, this.holder);
      const dead = (await leaseHolders(this.deps.db, run.now())).filter((holder) => holderIsDead(this.deps.db, holder));
      batch = await claimDueMails(this.deps.db, run.now(), LEASE_MS, BATCH, this.holder, dead);
      run.more = batch.length === BATCH;
      // An address suppressed since these mails were queued (a bounce recorded while they were claimed, or
      // retried, or put back by `outbox retry`) gets none of them: left out, or the mail cancelled.
      batch = await screenClaimed(this.deps.db, batch, this.holder, run.now());
      run.screenedAt = Date.now();
      await this.bodies.load(batch.map((row) => row.bodyId));
      run.queue.push(...batch);
    } catch (error) {
      run.error ??= error;
      run.more = false;
      // Claimed but unsendable (its body did not load): back to the queue rather than held for the lease.
      if (batch.length > 0) await releaseClaims(this.deps.db, batch.map((r) => r.id), this.holder).catch(() => undefined);
    } finally {
      run.claiming = null;
    }
  }

  /** The queued mails checked against the suppressions again (RESCREEN_MS), out of the queue meanwhile: none goes unchecked. */
  private async rescreen(run: Run): Promise<void> {
    const rows = run.queue.splice(0);
    try {
      run.queue.unshift(...(await screenClaimed(this.deps.db, rows, this.holder, run.now())));
    } catch (error) {
      // The database failed us: no lane takes another mail, and these go back to the queue with the rest (drain).
      run.error ??= error;
      run.queue.unshift(...rows);
    } finally {
      run.screenedAt = Date.now();
      run.screening = null;
    }
  }

  private async sendOne(row: ClaimedMail, run: Run): Promise<void> {
    const { report, now } = run;
    // Written again as it goes, or settled unsent: cancelled, failed, or another drainer's by now.
    const held = row.heldBack ? await this.deps.heldBack?.(row, this.holder, now()) : undefined;
    if (held?.go === 'failed') {
      report.failed++;
      this.deps.log.error({ outboxId: row.id, to: row.toList, error: held.error }, 'mail failed permanently');
    }
    if (held && held.go !== 'send') return;
    // An attachment gone from DATA_DIR/blobs never comes back by waiting: failed at once, not tried for days.
    const missing = missingAttachments(row, this.deps.blobs);
    if (missing) return this.tries.retryOrFail(row, missing, true, report, now);
    // Recorded as sent just before the message's end goes to the server (mailer.ts SendOptions.confirm): a
    // crash before that is a mail the server discards and we send again, a crash after is a mail the server
    // gets whole and we never send again. A refusal in the server's last answer undoes the record (below).
    let recorded = false;
    let recording: Promise<void> | null = null;
    // Once the send failed, a record must not start any more: it would land after the retry below (the stream of a
    // broken connection may still reach its end), and the mail, recorded as sent, would never be sent again.
    let failed = false;
    const confirm = () => (failed ? Promise.reject(new Error('the send failed')) : (recording = this.sentRecords.record(row.id, now()).then(() => void (recorded = true))));
    let refused: RefusedRecipient[];
    try {
      refused = (await this.handOver(row, confirm)).refused ?? [];
    } catch (error) {
      failed = true;
      // A record already on its way decides what the row says: settled first, then undone below. Refused, the mail
      // was taken over by another drainer, which sends it (this claim ran out): its end never written, the row the other's.
      if (await (recording as Promise<void> | null)?.then(() => false, (e: unknown) => e instanceof ClaimTakenOver)) return this.leftToOther(row);
      // Whether this try may have left the mail with a reader (the row's mayHaveReached: close-undone and CSAT
      // withdrawal go by it). Not unless recorded: the mailer writes the end (SMTP's final ".") only once the record
      // is in (SendOptions.confirm), so a try that failed before never finished the message, and no server takes an
      // unfinished one. A connection lost while the message was written fails as one lost after its end does
      // (nodemailer: ECONNECTION or ESOCKET, command CONN, no reply), so the error cannot tell which. Nor a file the
      // file mailer did not rename into the outbox. Recorded, as the error says (a refusal of the end reached no one).
      const reached = this.deps.mailer.kind !== 'file' && recorded && mayHaveDelivered(error);
      if (this.interrupt.signal.aborted) return this.tries.requeueStopped(row, recorded, reached, report, now);
      const message = describeSmtpError(error);
      if (recorded || !isServerProblem(error)) {
        // Every recipient refused at RCPT TO: each as its own reply says (the error's code is one of them only).
        const everyone = recorded ? [] : refusedOf(error as object);
        if (everyone.length > 0) return this.tries.recordRefused(row, everyone, report, now, false);
        return this.tries.retryOrFail(row, message, isPermanentError(error), report, now, { reached });
      }
      // Not this mail's fault: back to the queue as it was (the attempt not counted), the reason on the row.
      run.serverTrouble ??= message;
      await releaseClaims(this.deps.db, [row.id], this.holder, message, reached);
      report.retried++;
      return;
    }
    // A mailer that does not call confirm (none of ours) is recorded once the server accepted.
    if (!recorded && !(await inTransaction(this.deps.db, (tx) => markSent(tx, row.id, now(), this.holder)))) return this.leftToOther(row);
    if (refused.length > 0) return this.tries.recordRefused(row, refused, report, now);
    report.sent++;
  }

  private leftToOther(row: ClaimedMail): void {
    this.deps.log.warn({ outboxId: row.id, to: row.toList }, 'mail taken over by another drainer before its end was written (this claim ran out); not sent here');
  }

  /** The mail to the mailer, counted while it is on its way (stop() gives those a grace). */
  private async handOver(row: ClaimedMail, confirm: () => Promise<void>): Promise<{ refused?: RefusedRecipient[] }> {
    this.sending++;
    try {
      return await this.deps.mailer.send(outgoingMailOf(row, this.bodies, this.deps.blobs), { confirm, signal: this.interrupt.signal });
    } finally {
      this.sending--;
    }
  }
}
