import type { Logger } from 'pino';
import { inTransaction, type Db } from '../store/database.js';
import { dateOf } from '../store/sql.js';
import { holdsClaim, type ClaimedMail } from '../store/outbox-claims.js';
import { markRetry, noteRefusedRecipients, type OutboxHeaders } from '../store/outbox-repo.js';
import type { Tx } from '../store/database.js';
import type { DrainReport } from './drainer.js';
import { recordFailedMail } from './failed-mail.js';
import type { RefusedRecipient } from './mailer.js';
import { parseColumn } from './outgoing-mail.js';
import { suppressDeadRecipients } from './refused-suppression.js';
import { isPermanentRecipientCode } from './smtp-errors.js';

/**
 * What a try that did not deliver a mail to everyone leaves on its row (for the drainer, drainer.ts): due again after
 * the backoff, failed for good, or the recipients refused noted; each counted in the drain's report and logged.
 */
export class FailedTries {
  constructor(
    private readonly deps: { db: Db; log: Logger },
    /**
     * retryHours: OUTBOX_RETRY_HOURS; maxAttempts: OUTBOX_MAX_ATTEMPTS, no limit by count when absent; suppressionDays:
     * SUPPRESSION_DAYS, for an address refused as unknown (refused-suppression.ts), none suppressed when absent.
     */
    private readonly opts: { retryHours: number; maxAttempts?: number; suppressionDays?: number },
    /** The drainer whose claims these are. */
    private readonly holder: string,
  ) {}

  /**
   * Writes what the try left, in one transaction, only while this drainer still holds the mail: one taken over
   * meanwhile (this claim ran out) is the other drainer's, and a retry written over its record would send it again.
   * False when it was taken over.
   */
  private async whileHeld(row: ClaimedMail, write: (tx: Tx) => Promise<void>): Promise<boolean> {
    const held = await inTransaction(this.deps.db, async (tx) => {
      if (!holdsClaim(tx, row.id, this.holder)) return false;
      await write(tx);
      return true;
    });
    if (!held) this.deps.log.warn({ outboxId: row.id }, 'mail taken over by another drainer while this one tried it (its claim ran out); left to it');
    return held;
  }

  /**
   * Given up on at shutdown: due again at once. Recorded as sent already, its end may
   * have reached the server, which may keep it: sent again all the same (RFC 1047: twice rather than never).
   */
  async requeueStopped(row: ClaimedMail, recorded: boolean, reached: boolean, report: DrainReport, now: () => Date): Promise<void> {
    const reason = `the daemon stopped before the server answered${recorded ? ' the end of the mail (it may have it: sent again)' : ''}`;
    if (await this.whileHeld(row, (tx) => markRetry(tx, row.id, now(), reason, { reached }))) report.retried++;
  }

  /**
   * Recipients refused at RCPT TO: the mail goes again to those refused for now, alone; refused by all for good, it
   * failed. Taken by some (`someTook`), it reached them.
   */
  async recordRefused(row: ClaimedMail, refused: RefusedRecipient[], report: DrainReport, now: () => Date, someTook = true): Promise<void> {
    const said = (list: RefusedRecipient[]) => list.map((r) => `${r.address}: ${r.response}`).join('; ');
    const message = said(refused);
    if (this.opts.suppressionDays !== undefined) await this.suppressDead(row, refused, this.opts.suppressionDays, now);
    // The refusals for good of the earlier tries too: the retry to the others, once it reaches them, must not wipe them.
    const before = parseColumn<OutboxHeaders>(row.headers).refusedForGood;
    const refusedForGood = [before, said(refused.filter((r) => isPermanentRecipientCode(r.responseCode)))].filter(Boolean).join('; ');
    const owed = refused.filter((r) => !isPermanentRecipientCode(r.responseCode)).map((r) => r.address);
    // The asked address among those that took it: when, kept whatever becomes of the mail (the survey gate reads it).
    const primaryTookAt = someTook && askedTook(row, refused) ? now() : undefined;
    if (owed.length > 0) return this.retryOrFail(row, message, false, report, now, { owedTo: owed, reached: someTook, refusedForGood, primaryTookAt });
    if (!someTook) return this.retryOrFail(row, message, true, report, now);
    if (!(await this.whileHeld(row, (tx) => noteRefusedRecipients(tx, row.id, [before, message].filter(Boolean).join('; '), primaryTookAt)))) return;
    report.sent++;
    this.deps.log.warn({ outboxId: row.id, refused: message }, 'mail sent, but the server refused some of its recipients for good');
  }

  /**
   * Addresses refused as unknown suppressed (refused-suppression.ts), in a transaction of their own. Its failure (a
   * locked or full database) is logged and no more: thrown, it left the try's outcome unwritten, the mail claimed,
   * and sent again once the claim ran out (to those who had taken it, twice). The outbox keeps the refusal anyway.
   */
  private async suppressDead(row: ClaimedMail, refused: RefusedRecipient[], hardDays: number, now: () => Date): Promise<void> {
    try {
      const dead = await suppressDeadRecipients(this.deps.db, refused, { hardDays, now: now() });
      if (dead.length > 0) this.deps.log.warn({ outboxId: row.id, suppressed: dead }, 'refused at sending as unknown: address suppressed');
    } catch (err) {
      this.deps.log.error({ outboxId: row.id, refused: refused.map((r) => r.address), err }, 'refused at sending as unknown, but the suppression could not be written; the try is recorded all the same');
    }
  }

  /**
   * A failed try: marked failed when final (5xx), when the next try would fall past the retry window (or the
   * tries run out, with OUTBOX_MAX_ATTEMPTS), else due again after the backoff (30 s doubling to 1 h).
   * `owedTo`: the recipients it is still owed to, when others took it (the rest of the envelope is done); `reached`:
   * this try may have left it with a reader (kept on the row for good: OutboxMail.mayHaveReached); `refusedForGood`:
   * the recipients refused for good so far, kept for when it is sent (OutboxHeaders.refusedForGood); `primaryTookAt`:
   * the asked address took it at this try (OutboxMail.primaryTookAt).
   */
  async retryOrFail(row: ClaimedMail, message: string, permanent: boolean, report: DrainReport, now: () => Date, tried: { owedTo?: string[]; reached?: boolean; refusedForGood?: string; primaryTookAt?: Date } = {}): Promise<void> {
    const { owedTo, reached = false, refusedForGood, primaryTookAt } = tried;
    const headers = owedTo ? JSON.stringify({ ...parseColumn<OutboxHeaders>(row.headers), envelopeTo: owedTo, ...(refusedForGood ? { refusedForGood } : {}) }) : undefined;
    const left = { headers, reached, primaryTookAt };
    const delay = Math.min(30_000 * 2 ** (row.attempts - 1), 3_600_000);
    const next = new Date(now().getTime() + delay);
    const { retryHours } = this.opts;
    // Counted from its queueing on the wall clock its tries run on (retryFrom: queued by `run-once --now`), else createdAt.
    const windowOver = next.getTime() > (dateOf(row.retryFrom) ?? dateOf(row.createdAt) ?? now()).getTime() + retryHours * 3_600_000;
    const triesOver = this.opts.maxAttempts !== undefined && row.attempts >= this.opts.maxAttempts;
    if (permanent || windowOver || triesOver) {
      const reason = permanent ? message : windowOver ? `${message} (gave up after ${retryHours} hours)` : `${message} (gave up after ${row.attempts} tries)`;
      if (!(await this.whileHeld(row, (tx) => recordFailedMail(tx, row, reason, now(), left)))) return;
      report.failed++;
      this.deps.log.error({ outboxId: row.id, to: owedTo ?? row.toList, error: reason, attempts: row.attempts }, 'mail failed permanently');
    } else {
      if (!(await this.whileHeld(row, (tx) => markRetry(tx, row.id, next, message, left)))) return;
      report.retried++;
      this.deps.log.warn({ outboxId: row.id, error: message, retryInMs: delay }, 'mail not sent; will retry');
    }
  }
}

/**
 * Whether the asked address (the first To: OutboxMail.primaryTo) took the mail at a try that others refused: it was
 * in this try's envelope (the recipients still owed, OutboxHeaders.envelopeTo, else all of them) and not refused.
 */
function askedTook(row: ClaimedMail, refused: RefusedRecipient[]): boolean {
  const to = parseColumn<string[]>(row.toList);
  const asked = (to[0] ?? '').toLowerCase();
  const envelope = parseColumn<OutboxHeaders>(row.headers).envelopeTo ?? [...to, ...parseColumn<string[]>(row.ccList)];
  const named = (list: string[]) => list.some((a) => a.toLowerCase() === asked);
  return asked !== '' && named(envelope) && !named(refused.map((r) => r.address));
}
