import type { Logger } from 'pino';
import { ErrorCode, VentanillaError, isTemporaryFailure } from '../errors.js';
import { inTransaction, type Db, type Tx } from '../store/database.js';
import type { BlobStore } from '../store/blobs.js';
import { alreadyLoggedRaw, logInbound, quarantine, type InboundOutcome } from '../store/inbound-log-repo.js';
import { parseMail, type InboundMail } from './parse.js';
import { peekHeaders } from './peek-headers.js';
import { openTooLargeTicket } from './stages/too-large.js';
import { messageByDedupKey } from '../store/tickets-repo.js';
import { dedupKeyOf } from './stages/identify.js';
import { recordMail } from './record-mail.js';
import type { LifecycleDeps } from '../lifecycle/transitions.js';
import type { AccessSettings } from './stages/access.js';
import type { BulletinMailSettings } from './stages/bulletin-mail.js';

export interface IngestSource {
  source: 'imap' | 'stdin' | 'file' | 'replay';
  sourceRef?: string | null;
  /** Writes that must commit in the same transaction as the mail's outcome (the IMAP UID cursor). */
  withinTransaction?: (tx: Tx) => Promise<void>;
}

export interface IngestResult {
  outcome: InboundOutcome;
  ticketNumber: number | null;
  dedupKey: string | null;
  rawSha256: string;
  detail: string | null;
}

export interface PipelineDeps {
  db: Db;
  lifecycle: LifecycleDeps;
  blobs: BlobStore;
  secret: string;
  supportAddress: string;
  /** Every address that is us: the support address, aliases, the IMAP login. */
  ownAddresses: string[];
  maxMessageBytes: number;
  /** Attachments above this are not extracted (they stay in the raw mail, which is always kept). */
  maxAttachmentBytes: number;
  /** Who may open tickets and which Authentication-Results are believed (default: accept, none). */
  access?: AccessSettings;
  /** The bulletin address's commands and bounce suppression (README "Bulletins"); absent: neither. */
  bulletins?: BulletinMailSettings;
  log: Logger;
  now: () => Date;
}

/**
 * Turns raw bytes into exactly one recorded outcome. The raw mail is stored before anything else, so a
 * mail that fails anywhere later is still kept (quarantine) and can be replayed. Temporary failures
 * (database locked) are thrown so the source retries instead of acknowledging the mail.
 */
export class InboundPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async ingest(raw: Buffer, source: IngestSource): Promise<IngestResult> {
    const now = this.deps.now();
    const { sha256 } = await this.deps.blobs.put(raw);
    if (raw.length > this.deps.maxMessageBytes) return this.recordTooLarge(raw, sha256, source, now);
    let mail: InboundMail;
    try {
      mail = await parseMail(raw);
    } catch (error) {
      return this.recordQuarantine(raw.length, sha256, source, now, error);
    }
    try {
      return await recordMail(this.deps, mail, raw.length, sha256, source, now);
    } catch (error) {
      if (isTemporaryFailure(error)) throw error;
      this.deps.log.error({ err: error, sha256 }, 'pipeline failed; mail quarantined');
      return this.recordQuarantine(raw.length, sha256, source, now, error);
    }
  }

  private async recordTooLarge(raw: Buffer, sha256: string, source: IngestSource, now: Date): Promise<IngestResult> {
    const peek = peekHeaders(raw);
    const dedupKey = dedupKeyOf(peek, sha256);
    const limit = this.deps.maxMessageBytes;
    const result = await inTransaction(this.deps.db, async (tx) => {
      const seen = (await alreadyLoggedRaw(tx, sha256, 'too_large')) || (await messageByDedupKey(tx, dedupKey)) !== null;
      const from = peek.from;
      const ownMail = from !== null && this.deps.ownAddresses.includes(from);
      const ticketNumber = seen || !from || ownMail ? null : await openTooLargeTicket(tx, this.deps.lifecycle, { peek: { ...peek, from }, dedupKey, sha256, size: raw.length, limit, now });
      const outcome: InboundOutcome = seen ? 'duplicate' : 'too_large';
      const detail = `${raw.length} bytes > MAX_MESSAGE_BYTES ${limit}; raw mail kept`;
      await logInbound(tx, { source: source.source, sourceRef: source.sourceRef ?? null, dedupKey, messageId: peek.messageId, fromAddress: peek.from, subject: peek.subject, size: raw.length, rawSha256: sha256, outcome, ticketNumber, detail, at: now });
      await source.withinTransaction?.(tx);
      return { outcome, ticketNumber };
    });
    this.deps.log.warn({ sha256, size: raw.length, from: peek.from, ticket: result.ticketNumber }, 'mail too large: kept raw, sender told');
    return { ...result, dedupKey, rawSha256: sha256, detail: 'too large' };
  }

  private async recordQuarantine(size: number, sha256: string, source: IngestSource, now: Date, error: unknown): Promise<IngestResult> {
    const code = error instanceof VentanillaError ? error.code : ErrorCode.PIPELINE_FAILED;
    const message = (error as Error)?.message ?? String(error);
    await inTransaction(this.deps.db, async (tx) => {
      await quarantine(tx, { rawSha256: sha256, size, source: source.source, sourceRef: source.sourceRef ?? null, errorCode: code, error: message, at: now });
      await logInbound(tx, { source: source.source, sourceRef: source.sourceRef ?? null, dedupKey: null, messageId: null, fromAddress: null, subject: null, size, rawSha256: sha256, outcome: 'quarantined', ticketNumber: null, detail: `${code}: ${message}`.slice(0, 1000), at: now });
      await source.withinTransaction?.(tx);
    });
    return { outcome: 'quarantined', ticketNumber: null, dedupKey: null, rawSha256: sha256, detail: message };
  }
}
