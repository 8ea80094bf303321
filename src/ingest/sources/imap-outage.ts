import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { inTransaction, type Db } from '../../store/database.js';
import { enqueueOperatorAlert, type Alert, type AlertDeps } from '../../outbound/operator-alerts.js';
import { newestMailWithHeader, type OutboxHeaders } from '../../store/outbox-repo.js';
import { dateOf } from '../../store/sql.js';
import { leaseLastRun } from '../../scheduler/lease.js';
import { MAILBOX_HEADER, UNREAD_SINCE_HEADER, mailboxKey, mailboxLeaseName, mailboxReadableAgainAlert, mailboxUnreadableAlert } from '../mailbox-unreadable-alert.js';

type ImapSettings = NonNullable<Config['imap']>;

const UNREADABLE = 'alert_mailbox_unreadable';
const READ_AGAIN = 'alert_mailbox_readable_again';

/**
 * How long the mailbox may go unread before the daemon holds the lifecycle timers (cli/maintenance-commands.ts) and
 * the administrators are told: two polls and a timeout (3 minutes by default). Shorter, an ordinary wait between
 * polls, or a mail server restarted, would page them; the same bound, so the alert's "timers are held" is true.
 */
export function mailboxUnreadForMs(s: Pick<ImapSettings, 'pollSeconds' | 'timeoutSeconds'>): number {
  return (2 * s.pollSeconds + s.timeoutSeconds) * 1000;
}

/**
 * Watches whether the daemon can read its mailbox at all, for ALERT_ADDRESS: once it has gone unread for longer
 * than mailboxUnreadForMs and a session just failed, one `mailbox_unreadable` alert for the outage (and at most
 * one a window: enqueueOperatorAlert); once it is read again after such an alert, one `mailbox_readable_again`,
 * also after a restart, or when the one written before it was refused by the window (toldBefore). Without
 * ALERT_ADDRESS it does nothing.
 */
export class OutageWatch {
  private since: number;
  private everRead = false;
  private failures = 0;
  /** An alert of this outage was written (or one of another outage is in the window): none more until it is read. */
  private told = false;
  /**
   * This outage's alert was written: its end is told too, with the unread-since the alert gave (the drain that reads
   * the mailbox again records the waiting mail, progress(), before it ends, read(): `since` is then that moment).
   */
  private alertedSince: number | null = null;

  constructor(
    private readonly settings: ImapSettings,
    private readonly deps: { db: Db; alerts: AlertDeps | undefined; log: Pick<Logger, 'warn' | 'info'> },
    private readonly clock: () => number = Date.now,
  ) {
    this.since = clock();
    const before = this.enabled ? this.toldBefore() : null;
    this.alertedSince = before?.since ?? null;
    // Over: the "read again" is owed (read() sends it), and a new outage is told as one (failed()).
    this.told = before !== null && !before.over;
  }

  /**
   * An outage told before this start whose end was not: this mailbox's last alert (the outbox keeps them) is an
   * "unreadable" one that is to go or has gone, no "read again" after it; null when none, or the database failed.
   * One that failed or was taken back told nobody: the outage is told again (once the window has room). A changed
   * IMAP_PASSWORD needs a restart, so the end of most outages is seen by a later process than their alert: it owes
   * the "read again", with the unread-since that alert gave, and no second alert for the same outage. `over`: the
   * mailbox was read after the alert (a drain ran to its end and dated the lease: a refused login, a server down, a
   * failed FETCH never do), its "read again" refused by the window and the daemon stopped before it went: owed
   * still, sent at the first read; a new outage meanwhile is told as new (failed()), and its end replaces it.
   */
  private toldBefore(): { since: number; over: boolean } | null {
    try {
      const last = newestMailWithHeader(this.deps.db, [UNREADABLE, READ_AGAIN], MAILBOX_HEADER, mailboxKey(this.settings));
      if (last?.template !== UNREADABLE || last.status === 'failed' || last.status === 'cancelled') return null;
      const since = Date.parse((JSON.parse(last.headers) as OutboxHeaders).extra[UNREAD_SINCE_HEADER] ?? '');
      if (Number.isNaN(since)) return null;
      const lastRead = leaseLastRun(this.deps.db, mailboxLeaseName(this.settings));
      const over = lastRead !== null && lastRead.getTime() > (dateOf(last.createdAt)?.getTime() ?? Infinity);
      const unreadSince = new Date(since);
      if (over) this.deps.log.info({ unreadSince }, 'IMAP mailbox read again before this start, the administrators not told yet: they are mailed at the next read');
      else this.deps.log.info({ unreadSince }, 'IMAP mailbox unreadable before this start, the administrators told: they are mailed once it is read again');
      return { since, over };
    } catch (error) {
      this.deps.log.warn({ err: error }, 'the alerts to the administrators could not be read: an outage told before this start is not told to be over');
      return null;
    }
  }

  private get enabled(): boolean {
    return (this.deps.alerts?.alertAddresses?.length ?? 0) > 0;
  }

  /** A mail was recorded: the mailbox is being read (a long backlog is no outage). */
  progress(): void {
    this.since = this.clock();
    this.everRead = true;
    this.failures = 0;
  }

  /** The mailbox was drained: read, and caught up. */
  async read(): Promise<void> {
    const alertedSince = this.alertedSince;
    this.progress();
    this.told = false;
    this.alertedSince = null;
    if (alertedSince === null || !this.enabled) return;
    const s = this.settings;
    const unreadSince = new Date(alertedSince);
    const written = await this.enqueue(mailboxReadableAgainAlert({ mailbox: s.mailbox, host: s.host, port: s.port, user: s.user, unreadSince }, this.timeZone, new Date(this.clock())));
    // Not written (the database failed, or another "read again" is in the window, all mailboxes together): the
    // administrators' last word is still "cannot be read", so the next read tries again, with the same since (a
    // drain a poll: one count of the outbox each). A new outage told meanwhile replaces it (failed()).
    if (!written) this.alertedSince = alertedSince;
    if (written) this.deps.log.info({ unreadSince }, 'IMAP mailbox read again: the administrators are mailed');
  }

  /** A session failed, for `reason` (imapFailureReason). */
  async failed(reason: string): Promise<void> {
    this.failures++;
    if (this.told || !this.enabled || this.clock() - this.since <= mailboxUnreadForMs(this.settings)) return;
    const s = this.settings;
    const outage = { mailbox: s.mailbox, host: s.host, port: s.port, secure: s.secure, user: s.user, oauth2: s.oauth2 !== undefined, since: new Date(this.since), everRead: this.everRead, failures: this.failures, reason };
    const written = await this.enqueue(mailboxUnreadableAlert(outage, this.timeZone, new Date(this.clock())));
    // Not written (the database failed, or an alert of an earlier outage is in the window): tried again at the next
    // failure, so an outage that starts soon after another is still told once the window has room.
    if (!written) return;
    this.told = true;
    this.alertedSince = this.since;
    this.deps.log.warn({ since: outage.since, failures: this.failures }, 'IMAP mailbox unreadable: the administrators are mailed');
  }

  private get timeZone(): string {
    return (this.deps.alerts as AlertDeps).calendar.config.timeZone;
  }

  /** Whether it was written; null when the database failed (tried again at the next failure). */
  private async enqueue(alert: Alert): Promise<boolean | null> {
    try {
      return await inTransaction(this.deps.db, (tx) => enqueueOperatorAlert(tx, this.deps.alerts, alert));
    } catch (error) {
      this.deps.log.warn({ err: error, kind: alert.kind }, 'the alert to the administrators could not be written');
      return null;
    }
  }
}
