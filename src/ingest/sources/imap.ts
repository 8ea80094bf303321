import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Db } from '../../store/database.js';
import { inTransaction } from '../../store/database.js';
import { readCursor, resetCursor } from '../../store/cursor-repo.js';
import { acquireLease, leaseLastRun, newHolderId, releaseLease } from '../../scheduler/lease.js';
import type { InboundPipeline } from '../pipeline.js';
import { fetchPending, listPending, takeBatch, type Pending } from './imap-pending.js';
import { setAsideFirstAbove, StuckWatch } from './imap-unreadable.js';
import type { AlertDeps } from '../../outbound/operator-alerts.js';
import { settled, unwrap, type Settled } from './settled.js';
import { stageBatch, type BatchContext } from './imap-batch.js';
import { Acknowledger } from './imap-acknowledge.js';
import { processedFolderReports } from './imap-processed-folder.js';
import type { ImapSourceEvents } from './imap-events.js';
import { imapFailureReason, isSilentConnection, openSession, type OpeningSession } from './imap-session.js';
import { ImapWaits } from './imap-waits.js';
import { OutageWatch } from './imap-outage.js';
import { mailboxLeaseName } from '../mailbox-unreadable-alert.js';

export { PROCESSED_KEYWORD } from './imap-acknowledge.js';
export { openSession } from './imap-session.js';

type ImapSettings = NonNullable<Config['imap']>;

/** Two daemons on one mailbox: one drains it at a time; the other takes over when this lease lapses. */
const MAILBOX_LEASE_MS = 60_000;
/**
 * Batches fetched and prepared ahead of the one being recorded (each at most 100 mails, 16 MiB). With two, the
 * worker waited for the next batch's FETCH, whose answer is read only once the main thread's synchronous
 * transaction is over; with four it always has one queued (alternating runs: +7% mails/s).
 */
const BATCHES_AHEAD = 4;

/**
 * Watches one mailbox: IDLE when the server has it (push), polling every IMAP_POLL_SECONDS either way as a
 * safety net. Progress is a UID cursor stored in the same transaction as each mail's outcome, not the
 * \Seen flag (people read this mailbox too). Only after the commit is the message flagged and moved to
 * the processed folder (imap-acknowledge.ts); a crash in between leaves it in place, and the next sweep moves it.
 */
export class ImapSource {
  private client: ImapFlow | null = null;
  private stopped = false;
  private readonly waits = new ImapWaits();
  private readonly account: string;
  private readonly holder: string;
  /**
   * The cursor as this session last read or moved it, everything up to it flagged (and moved by the end of the
   * drain: Acknowledger); null until the session's first drain.
   */
  private cursorSeen: bigint | null = null;
  /** The mailbox lease's last run when the current drain took it: when the mailbox was last read, caught up. */
  private readBefore: Date | undefined;
  /** The cursor the last FETCH of new mail started from (for the log of a session that failed). */
  private fetchingAfter: bigint | null = null;
  private readonly stuck = new StuckWatch();
  private readonly acks: Acknowledger;
  /** A mailbox that cannot be read at all, for ALERT_ADDRESS (imap-outage.ts). */
  private readonly outage: OutageWatch;

  /** A connection opened before this source existed (imap-session.ts), for its first session. */
  private early: OpeningSession | null;

  constructor(
    private readonly settings: ImapSettings,
    private readonly deps: { db: Db; pipeline: InboundPipeline; log: Logger; lifecycle?: { notices: AlertDeps } },
    private readonly events: ImapSourceEvents = {},
    early?: OpeningSession,
  ) {
    this.holder = newHolderId(deps.db, 'imap:', deps.log);
    this.account = `${settings.user}@${settings.host}:${settings.port}`;
    this.acks = new Acknowledger(settings.processedMailbox, processedFolderReports(settings, { db: deps.db, log: deps.log, alerts: deps.lifecycle?.notices }));
    this.early = early ?? null;
    this.outage = new OutageWatch(settings, { db: deps.db, alerts: deps.lifecycle?.notices, log: deps.log });
  }

  /**
   * Runs until stop(): connects, drains the mailbox, waits for news, reconnects with backoff on failure (1 s,
   * doubling up to IMAP_RECONNECT_MAX_SECONDS).
   */
  async run(): Promise<void> {
    let backoff = 1_000;
    while (!this.stopped) {
      try {
        // Back to a short wait only once a session drained the mailbox: a session that fails each time after
        // logging in (a message the server cannot return kills every FETCH of it) backs off to IMAP_RECONNECT_MAX_SECONDS.
        await this.session(async () => {
          backoff = 1_000;
          this.stuck.drained();
          await this.outage.read();
        });
      } catch (error) {
        if (this.stopped) break;
        // The cursor names where the failing FETCH started: a message just above it may be one the server
        // cannot read, to be moved out of the mailbox by hand if the failure repeats.
        const afterUid = this.fetchingAfter === null ? null : String(this.fetchingAfter);
        const waitMs = this.acks.sessionFailed(this.fetchingAfter === null);
        if (waitMs !== null) this.deps.log.warn({ waitMinutes: waitMs / 60_000 }, 'IMAP flags and moves of recorded mail put off: the server leaves them unanswered session after session; new mail is read meanwhile, and recorded mail stays in the mailbox until a later sweep');
        // A connection gone silent in a FETCH may be the network's doing: it weighs less (imap-unreadable.ts).
        this.stuck.failed(this.fetchingAfter, isSilentConnection(error) ? 'silent' : 'closed');
        const reason = imapFailureReason(error, this.settings.timeoutSeconds, this.settings.oauth2 !== undefined, this.settings.secure);
        this.deps.log.warn({ err: error, reason, retryInMs: backoff, afterUid }, 'IMAP session failed; reconnecting');
        await this.outage.failed(reason);
      }
      if (this.stopped) break;
      await this.waits.backoff(backoff);
      backoff = Math.min(backoff * 2, this.settings.reconnectMaxSeconds * 1000);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.early?.client.close();
    this.early = null;
    this.waits.stop();
    await this.client?.logout().catch(() => this.client?.close());
  }

  private async session(onDrained: () => Promise<void>): Promise<void> {
    const s = this.settings;
    const { client, opened } = this.early ?? openSession(s);
    this.early = null;
    this.client = client;
    this.cursorSeen = null;
    // Only a failure while new mail is fetched counts toward setting a message aside (imap-unreadable.ts): not
    // a server that is down, nor a connection lost while idle after a drain.
    this.fetchingAfter = null;
    this.acks.reset();
    let closed = false;
    // What closed the connection, when imapflow said (a silent connection's timeout): the reason to log.
    let lostWith: unknown = null;
    client.on('close', () => {
      closed = true;
      this.waits.wake();
    });
    client.on('error', (error) => {
      lostWith ??= error;
      this.deps.log.warn({ err: error }, 'IMAP connection error');
    });
    client.on('exists', () => this.waits.wake());
    try {
      const { mailbox, processedRefused } = await opened;
      // An early session may have lost its connection before anyone listened for its 'close'.
      if (!client.usable) throw new Error('the IMAP connection closed after the mailbox was opened');
      this.deps.log.info({ mailbox: s.mailbox, idle: client.capabilities.has('IDLE'), uidValidity: String(mailbox.uidValidity) }, 'IMAP mailbox open');
      this.acks.processedFolder(processedRefused);
      while (!this.stopped && !closed) {
        this.waits.drainStarts();
        await this.drain(client, mailbox.uidValidity);
        this.fetchingAfter = null;
        await onDrained();
        if (this.waits.wokenSinceDrain || this.stopped || closed) continue;
        this.events.onCaughtUp?.();
        await this.waits.sleep(s.pollSeconds * 1000);
      }
      // Lost while waiting for news: no command failed, but the operator must still read why it reconnects.
      if (closed && !this.stopped) throw new Error(`the server closed the connection${client.byeReason ? `: ${client.byeReason}` : ''}`);
    } catch (error) {
      // A command cut short by the connection's end fails with "Connection not available": the cause is what
      // ended it (for the log, and for the unreadable rule, where a silent connection weighs less).
      throw lostWith ?? error;
    } finally {
      this.client = null;
      if (!closed && client.usable) await client.logout().catch(() => client.close());
      else client.close();
    }
  }

  private get batchContext(): BatchContext {
    return { mailbox: this.settings.mailbox, account: this.account, pipeline: this.deps.pipeline, onResult: this.events.onResult, readBefore: this.readBefore };
  }

  private get leaseName(): string {
    return mailboxLeaseName(this.settings);
  }

  /**
   * Drains under the mailbox lease: another instance on the same database waits its turn. The FETCH of what
   * is new goes out at once, from the cursor as this session left it, while the lease and the cursor are read:
   * on the push path the database work and the IMAP round trip overlap (the FETCH only reads, BODY.PEEK).
   */
  private async drain(client: ImapFlow, uidValidity: bigint): Promise<void> {
    // The mailbox is read as of now (the listing goes out next): a drain that ran dates its lease so. Dated at its
    // end, a mail that came during a long drain (a backlog, big mails) had its SLA counted from that end.
    const listedAt = new Date();
    const from = this.cursorSeen;
    const early = from === null ? null : settled(fetchPending(client, from));
    if (!(await acquireLease(this.deps.db, this.leaseName, this.holder, MAILBOX_LEASE_MS))) {
      await early;
      return;
    }
    // The lease's last run is when the mailbox was last read, caught up (imap-outage.ts): a drain that failed (a
    // FETCH, a mail not recorded), or that stop() cut short, gives the lease up undated, so that a daemon started
    // during an outage does not take it for over.
    let ran = false;
    try {
      // When the mailbox was last read, caught up: the SLA of a mail that reached it since counts from its arrival.
      this.readBefore = leaseLastRun(this.deps.db, this.leaseName) ?? undefined;
      await this.drainLeased(client, uidValidity, early && from !== null ? { from, found: early } : null);
      ran = !this.stopped;
    } finally {
      await releaseLease(this.deps.db, this.leaseName, this.holder, new Date(), { ran, wallNow: listedAt });
    }
  }

  /**
   * Processes every message above the cursor, in UID order, moving what has been committed after each batch.
   * The push path (one new small mail) costs one FETCH before the commit: UIDs, sizes and the small sources
   * come together (imap-pending.ts).
   */
  private async drainLeased(client: ImapFlow, uidValidity: bigint, early: { from: bigint; found: Promise<Settled<Pending[]>> } | null): Promise<void> {
    const { db } = this.deps;
    const mailbox = this.settings.mailbox;
    let cursor = await readCursor(db, this.account, mailbox);
    if (!cursor || cursor.uidValidity !== uidValidity) {
      if (cursor) this.deps.log.warn({ old: String(cursor.uidValidity), new: String(uidValidity) }, 'UIDVALIDITY changed: rescanning the mailbox; duplicates are recognised by Message-ID');
      await inTransaction(db, (tx) => resetCursor(tx, this.account, mailbox, uidValidity));
      cursor = { uidValidity, lastUid: 0n };
    }
    let lastUid = cursor.lastUid;
    const setAside = this.stuck.setAside(lastUid);
    if (setAside) lastUid = await setAsideFirstAbove(client, { db, alerts: this.deps.lifecycle?.notices, account: this.account, mailbox, uidValidity }, lastUid, setAside, this.deps.log);
    this.fetchingAfter = lastUid;
    // Sessions keep failing here: one message at a time, none read ahead, to find the one that cannot be read.
    const careful = this.stuck.careful();
    if (careful) this.deps.log.warn({ afterUid: String(lastUid) }, 'IMAP sessions keep failing at the same place: reading one message at a time');
    // The early FETCH serves when it started at or below the cursor (another instance may have moved it on).
    const found = careful ? await listPending(client, lastUid) : early && early.from <= lastUid ? unwrap(await early.found) : await fetchPending(client, lastUid);
    const pending = found.filter((m) => BigInt(m.uid) > lastUid);
    // Committed but not yet moved (a crash, or another instance's work): only when the cursor is past what
    // this session has acknowledged itself, so an ordinary wake costs no SEARCH. Not a FETCH of new mail: a
    // MOVE left unanswered here set the unread message above the cursor aside (imap-unreadable.ts).
    if (this.cursorSeen === null || lastUid > this.cursorSeen || this.acks.sweepOwed()) {
      this.fetchingAfter = null;
      await this.acks.acknowledge(client, lastUid);
      this.fetchingAfter = lastUid;
    }
    this.cursorSeen = lastUid;
    let renew = false;
    // While a batch is recorded, the next ones are fetched and prepared (parsed, stored raw: no database, no
    // effect): the IMAP round trips and the worker's parsing overlap the transaction. The flags and moves of a
    // committed batch are not waited for either (the connection runs its commands in order; the cursor is
    // committed already, and a sweep moves what a failure left).
    const ahead: Array<Promise<Settled<{ record: () => Promise<number[]> }>>> = [];
    const stageMore = () => {
      while (ahead.length < (careful ? 1 : BATCHES_AHEAD) && pending.length > 0) ahead.push(settled(stageBatch(this.batchContext, client, uidValidity, takeBatch(pending, careful ? 1 : undefined))));
    };
    let acknowledged: Promise<Settled<void>> = Promise.resolve({ value: undefined });
    if (pending.length > 0) {
      const first = takeBatch(pending, careful ? 1 : undefined);
      const backlog = pending.length > 0;
      ahead.push(settled(stageBatch(this.batchContext, client, uidValidity, first, backlog ? () => this.events.onBacklog?.() : undefined)));
    }
    stageMore();
    try {
      while (ahead.length > 0 && !this.stopped) {
        // Renew the lease for each batch after the first; if it was lost (we stalled past it), let the other go on.
        if (renew && !(await acquireLease(db, this.leaseName, this.holder, MAILBOX_LEASE_MS))) return;
        renew = true;
        const staged = unwrap(await (ahead.shift() as (typeof ahead)[number]));
        stageMore();
        // A mail the pipeline could not record (a full disk) waits for a later session: not the server's failure,
        // it set the mail aside as unreadable. A big mail's download is in record(): a lost connection counts.
        const done = await staged.record().catch((error: unknown) => {
          if (client.usable) this.fetchingAfter = null;
          throw error;
        });
        if (done.length === 0) continue;
        this.outage.progress();
        const last = BigInt(done.at(-1) as number);
        this.fetchingAfter = last;
        const before = acknowledged;
        acknowledged = settled(
          (async () => {
            unwrap(await before);
            await this.acks.acknowledge(client, last, done);
            this.cursorSeen = last;
          })(),
        );
      }
      // All fetched is recorded: only flags and moves are left, which do not count (as the sweep above).
      this.fetchingAfter = null;
    } finally {
      unwrap(await acknowledged);
      await this.acks.moveFlagged(client);
    }
    // Mail that came in meanwhile was announced (EXISTS woke the waits): the session loop drains again.
  }
}
