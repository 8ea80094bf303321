import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Db } from '../../store/database.js';
import { inTransaction } from '../../store/database.js';
import { advanceCursor, readCursor, resetCursor } from '../../store/cursor-repo.js';
import { acquireLease, newHolderId, releaseLease } from '../../scheduler/lease.js';
import type { InboundPipeline, IngestResult } from '../pipeline.js';

type ImapSettings = NonNullable<Config['imap']>;

/** Keyword set on a message once its outcome is committed (RFC 3501 keywords need no declaration). */
export const PROCESSED_KEYWORD = '$VentanillaProcessed';
const BATCH_MAX_MESSAGES = 100;
const BATCH_MAX_BYTES = 32 * 1024 * 1024;
const MAX_BACKOFF_MS = 60_000;
/** Two daemons on one mailbox: one drains it at a time; the other takes over when this lease lapses. */
const MAILBOX_LEASE_MS = 60_000;

export interface ImapSourceEvents {
  onResult?: (r: IngestResult & { uid: number }) => void;
}

/**
 * Watches one mailbox: IDLE when the server has it (push), polling every IMAP_POLL_SECONDS either way as a
 * safety net. Progress is a UID cursor stored in the same transaction as each mail's outcome, not the
 * \Seen flag (people read this mailbox too). Only after the commit is the message flagged and moved to
 * the processed folder; a crash in between leaves it in place, and the next sweep moves it.
 */
export class ImapSource {
  private client: ImapFlow | null = null;
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private endBackoff: (() => void) | null = null;
  private pendingWake = false;
  private readonly account: string;
  private readonly holder = newHolderId('imap:');

  constructor(
    private readonly settings: ImapSettings,
    private readonly deps: { db: Db; pipeline: InboundPipeline; log: Logger },
    private readonly events: ImapSourceEvents = {},
  ) {
    this.account = `${settings.user}@${settings.host}:${settings.port}`;
  }

  /** Runs until stop(): connects, drains the mailbox, waits for news, reconnects with backoff on failure. */
  async run(): Promise<void> {
    let backoff = 1_000;
    while (!this.stopped) {
      try {
        await this.session(() => (backoff = 1_000));
      } catch (error) {
        if (this.stopped) break;
        this.deps.log.warn({ err: error, retryInMs: backoff }, 'IMAP session failed; reconnecting');
      }
      if (this.stopped) break;
      await this.backoff(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.endBackoff?.();
    this.wake();
    await this.client?.logout().catch(() => this.client?.close());
  }

  private wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /** The wait between sessions: only stop() ends it early (a failed client's late 'close' also wakes the loop). */
  private backoff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.endBackoff = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.endBackoff = null;
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).then(() => {
      this.wakeUp = null;
    });
  }

  private async session(onConnected: () => void): Promise<void> {
    const s = this.settings;
    const client = new ImapFlow({
      host: s.host,
      port: s.port,
      secure: s.secure,
      auth: { user: s.user, pass: s.password },
      tls: { rejectUnauthorized: s.rejectUnauthorized },
      logger: false,
      // Start IDLE almost at once when we are waiting, so new mail is pushed to us without delay.
      autoIdleDelay: 50,
      maxIdleTime: s.pollSeconds * 1000,
    });
    this.client = client;
    let closed = false;
    client.on('close', () => {
      closed = true;
      this.wake();
    });
    client.on('error', (error) => this.deps.log.warn({ err: error }, 'IMAP connection error'));
    client.on('exists', () => this.wake());
    await client.connect();
    try {
      if (s.processedMailbox) await this.ensureMailbox(client, s.processedMailbox);
      const mailbox = await client.mailboxOpen(s.mailbox);
      onConnected();
      this.deps.log.info({ mailbox: s.mailbox, idle: client.capabilities.has('IDLE'), uidValidity: String(mailbox.uidValidity) }, 'IMAP mailbox open');
      while (!this.stopped && !closed) {
        this.pendingWake = false;
        await this.drain(client, mailbox.uidValidity);
        if (!this.pendingWake && !this.stopped && !closed) await this.sleep(s.pollSeconds * 1000);
      }
    } finally {
      this.client = null;
      if (!closed) await client.logout().catch(() => client.close());
    }
  }

  private async ensureMailbox(client: ImapFlow, path: string): Promise<void> {
    const list = await client.list();
    if (!list.some((m) => m.path === path)) await client.mailboxCreate(path);
  }

  private get leaseName(): string {
    return `mailbox:${this.account}/${this.settings.mailbox}`;
  }

  /** Drains under the mailbox lease: another instance on the same database waits its turn. */
  private async drain(client: ImapFlow, uidValidity: bigint): Promise<void> {
    if (!(await acquireLease(this.deps.db, this.leaseName, this.holder, MAILBOX_LEASE_MS))) return;
    try {
      await this.drainLeased(client, uidValidity);
    } finally {
      await releaseLease(this.deps.db, this.leaseName, this.holder, new Date());
    }
  }

  /** Processes every message above the cursor, in UID order, then moves what has been committed. */
  private async drainLeased(client: ImapFlow, uidValidity: bigint): Promise<void> {
    const { db, pipeline } = this.deps;
    const mailbox = this.settings.mailbox;
    let cursor = await readCursor(db, this.account, mailbox);
    if (!cursor || cursor.uidValidity !== uidValidity) {
      if (cursor) this.deps.log.warn({ old: String(cursor.uidValidity), new: String(uidValidity) }, 'UIDVALIDITY changed: rescanning the mailbox; duplicates are recognised by Message-ID');
      await inTransaction(db, (tx) => resetCursor(tx, this.account, mailbox, uidValidity));
      cursor = { uidValidity, lastUid: 0n };
    }
    await this.acknowledge(client, cursor.lastUid);
    for (;;) {
      // Renew the lease for each batch; if it was lost (we stalled past it), let the other instance go on.
      if (!(await acquireLease(db, this.leaseName, this.holder, MAILBOX_LEASE_MS))) return;
      const batch = await this.nextBatch(client, cursor.lastUid);
      if (batch.length === 0) return;
      const done: number[] = [];
      for (const message of await client.fetchAll(batch.join(','), { uid: true, source: true }, { uid: true })) {
        if (!message.source) continue;
        const uid = message.uid;
        const result = await pipeline.ingest(message.source, {
          source: 'imap',
          sourceRef: `${mailbox};UIDVALIDITY=${uidValidity};UID=${uid}`,
          withinTransaction: (tx) => advanceCursor(tx, this.account, mailbox, uidValidity, BigInt(uid)),
        });
        done.push(uid);
        cursor = { uidValidity, lastUid: BigInt(uid) };
        this.events.onResult?.({ ...result, uid });
      }
      await this.acknowledge(client, cursor.lastUid, done);
      if (this.stopped) return;
    }
  }

  /** UIDs above the cursor, in order, in a batch bounded by count and total size. */
  private async nextBatch(client: ImapFlow, lastUid: bigint): Promise<number[]> {
    const found = await client.search({ uid: `${lastUid + 1n}:*` }, { uid: true });
    const uids = (found || []).filter((uid) => BigInt(uid) > lastUid).sort((a, b) => a - b);
    if (uids.length === 0) return [];
    const candidates = uids.slice(0, BATCH_MAX_MESSAGES);
    const sizes = await client.fetchAll(candidates.join(','), { uid: true, size: true }, { uid: true });
    const sizeOf = new Map(sizes.map((m) => [m.uid, m.size ?? 0]));
    const batch: number[] = [];
    let bytes = 0;
    for (const uid of candidates) {
      bytes += sizeOf.get(uid) ?? 0;
      if (batch.length > 0 && bytes > BATCH_MAX_BYTES) break;
      batch.push(uid);
    }
    return batch;
  }

  /**
   * Flags and moves committed messages (UID <= cursor). Called after each batch and at every start, so
   * messages committed just before a crash are moved on the next run.
   */
  private async acknowledge(client: ImapFlow, lastUid: bigint, uids?: number[]): Promise<void> {
    if (lastUid <= 0n) return;
    const leftOver = () => client.search({ uid: `1:${lastUid}`, unKeyword: PROCESSED_KEYWORD }, { uid: true });
    const committed = uids ?? ((await leftOver()) || []).filter((u) => BigInt(u) <= lastUid);
    if (committed.length === 0) return;
    const range = committed.join(',');
    await client.messageFlagsAdd(range, [PROCESSED_KEYWORD], { uid: true });
    if (this.settings.processedMailbox) await client.messageMove(range, this.settings.processedMailbox, { uid: true });
  }
}
