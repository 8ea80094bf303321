import type { Logger } from 'pino';
import { ErrorCode, VentanillaError, isTemporaryFailure } from '../errors.js';
import { inTransaction, type Db, type Tx } from '../store/database.js';
import { sha256Of, type BlobStore } from '../store/blobs.js';
import { keepRawMail } from '../store/raw-mails.js';
import { logInbound, quarantine, type InboundOutcome } from '../store/inbound-log-repo.js';
import type { InboundMail } from './parse.js';
import { UTF7_SCAN_BYTES } from './raw-head.js';
import { linesAsRead } from './cr-cr-lf.js';
import { PEEK_BYTES, peekHeaders, type PeekedHeaders } from './peek-headers.js';
import { answeredAtOf, slaStartOf } from './stages/apply.js';
import { recordTooLarge } from './stages/too-large.js';
import { dedupKeyOf } from './stages/identify.js';
import { writtenContentSha256 } from './written-content.js';
import { analysisSettings, keptBytes, preparedFrom, recordMail, recordPrepared, type KeptRaw, type PreparedMail } from './record-mail.js';
import { MailPreparer } from './mail-preparer.js';
import { errorFrom } from './error-data.js';
import type { PreparedRaw } from './prepare-raw.js';
import type { LifecycleDeps } from '../lifecycle/transitions.js';
import type { AccessSettings } from './stages/access.js';
import type { BulletinMailSettings } from './stages/bulletin-mail.js';
import { enqueueOperatorAlert } from '../outbound/operator-alerts.js';
import { quarantinedAlert } from './quarantined-alert.js';

export interface IngestSource {
  source: 'imap' | 'stdin' | 'file' | 'replay';
  sourceRef?: string | null;
  /** Writes that must commit in the same transaction as the mail's outcome (the IMAP UID cursor, a replay's mark). */
  withinTransaction?: (tx: Tx, outcome: InboundOutcome) => Promise<void>;
  /**
   * When the mailbox received the mail (IMAP INTERNALDATE), if it may be processed later than that: an answer that
   * arrived within a pending or solved ticket's window counts as in time, whenever the daemon gets to it.
   */
  arrivedAt?: Date;
  /**
   * When the source had last been read in full before the read that found this mail (IMAP: the mailbox's last
   * drain; a replay: when the mail was quarantined). The SLA counts from the mail's arrival no earlier than this
   * (stages/apply.ts slaStartOf); absent, it counts from the reading.
   */
  readBefore?: Date;
}

/**
 * Mails above this are big: sources hand them over as streams (ingestStream), never as one Buffer, and they
 * are parsed from the blob store with their big attachments streamed back into it.
 */
export const BIG_MAIL_BYTES = 4 * 1024 * 1024;
/** In a big mail, attachments above this go straight to the blob store; smaller ones stay in memory. */
const IN_MEMORY_ATTACHMENT_BYTES = 1024 * 1024;

type Parsed = { mail: InboundMail } | { error: unknown };

/** A parse that never rejects: its failure is an outcome (the mail is quarantined). */
function settle(parsing: Promise<InboundMail>): Promise<Parsed> {
  return parsing.then((mail) => ({ mail }), (error: unknown) => ({ error }));
}

/**
 * The parser (mailparser and its charsets: ~0.1 s of CPU to load) is loaded when this thread first parses a mail:
 * the daemon's backlogs are parsed by the preparation worker, and most commands parse none. Loaded outside
 * `settle`: a module that fails to load is not the mail's fault (it would be quarantined).
 */
const parser = () => import('./parse.js');

export interface IngestResult {
  outcome: InboundOutcome;
  ticketNumber: number | null;
  dedupKey: string | null;
  rawSha256: string;
  detail: string | null;
}

/** What the preparation of mails needs: configuration only, no database. */
export type PreparationDeps = Pick<PipelineDeps, 'secret' | 'supportAddress' | 'ownAddresses' | 'maxAttachmentBytes' | 'access' | 'timeZone' | 'maxMessageBytes' | 'blobs' | 'log'>;

/**
 * The pipeline's mail preparer, made apart from the pipeline so that a daemon can start its worker before the
 * database is open (app.ts): the worker then loads its modules while this thread opens the database.
 */
export function mailPreparerFor(deps: PreparationDeps): MailPreparer {
  return new MailPreparer({ ...analysisSettings(deps), maxMessageBytes: deps.maxMessageBytes }, deps.blobs, deps.log);
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
  /** The desk's clock (BUSINESS_TIMEZONE): a Date header without a zone is read in it (desk-date.ts). */
  timeZone: string;
  /** Who may open tickets and which Authentication-Results are believed (default: accept, none). */
  access?: AccessSettings;
  /** The bulletin address's commands and bounce suppression (README "Bulletins"); absent: neither. */
  bulletins?: BulletinMailSettings;
  log: Logger;
  now: () => Date;
}

/**
 * Turns raw bytes into exactly one recorded outcome. Whatever the outcome, the raw mail is kept with it (in the
 * same transaction, or as the blob file a stream was stored in first), so a mail that fails anywhere is still
 * kept (quarantine) and can be replayed. Temporary failures (database locked) are thrown so the source retries
 * instead of acknowledging the mail.
 */
export class InboundPipeline {
  constructor(
    private readonly deps: PipelineDeps,
    private readonly preparer: MailPreparer = mailPreparerFor(deps),
  ) {}

  /** A mail held in memory (small mail: the fast path). Its raw bytes are kept with its outcome (store/raw-mails.ts). */
  async ingest(raw: Buffer, source: IngestSource): Promise<IngestResult> {
    const now = this.deps.now();
    const kept = { size: raw.length, sha256: sha256Of(raw), content: raw };
    if (raw.length > this.deps.maxMessageBytes) return this.recordTooLarge(await peekHeaders(raw), kept, source, now);
    return this.parseAndRecord(async () => settle((await parser()).parseMail(raw)), kept, source, now);
  }

  /**
   * A mail of any size as a stream (a big IMAP message, a file, stdin): stored raw while it streams in (hashed
   * on the way, never held whole), then parsed from the stored file with its big attachments streamed into
   * the store, so the mail's content is never in memory several times. A small one is read back and goes the
   * in-memory way.
   */
  async ingestStream(input: AsyncIterable<Buffer | string>, source: IngestSource): Promise<IngestResult> {
    const now = this.deps.now();
    const { blobs, maxMessageBytes, maxAttachmentBytes } = this.deps;
    const { sha256, size } = await blobs.putStream(input);
    // Kept as the blob file it streamed into: nothing more to store with the outcome.
    const kept = { size, sha256, content: null };
    if (size > maxMessageBytes) return this.recordTooLarge(await peekHeaders(await blobs.head(sha256, PEEK_BYTES)), kept, source, now);
    if (size <= BIG_MAIL_BYTES) {
      const raw = await blobs.get(sha256);
      return this.parseAndRecord(async () => settle((await parser()).parseMail(raw)), kept, source, now);
    }
    const head = await blobs.head(sha256, UTF7_SCAN_BYTES);
    // Old Mac mail (bare CR line ends, some LF lines or none) must be rewritten whole before parsing: rare, so read into
    // memory. Told on its lines as the parse reads them (a CR CR LF mail's are CRLFs: cr-cr-lf.ts, streamed so).
    const { parseMail, parseMailStream } = await parser();
    const parse = linesAsRead(head).bareCrs === 'line-ends'
      ? async () => settle(parseMail(await blobs.get(sha256)))
      : () => settle(parseMailStream(() => blobs.openRead(sha256), head, { blobs, inMemoryBytes: IN_MEMORY_ATTACHMENT_BYTES, maxBytes: maxAttachmentBytes }));
    return this.parseAndRecord(parse, kept, source, now);
  }

  /**
   * Several small mails (an IMAP batch), results in their order: prepared (parsed, analysed, attachments stored)
   * in the preparation worker, then recorded, each with its raw bytes, in as few transactions as possible.
   */
  async ingestMany(items: Array<{ raw: Buffer; source: IngestSource }>): Promise<IngestResult[]> {
    return this.recordMany(items, await this.prepareMany(items.map((item) => item.raw)));
  }

  /**
   * The database-free half of ingestMany (mail-preparer.ts): a source may prepare its next batch while
   * recordMany records the current one. Nothing is recorded here; a preparation that is never recorded leaves
   * at most unreferenced attachment blobs (those above 128 KiB: smaller ones are kept with the record).
   */
  prepareMany(raws: Buffer[]): Promise<PreparedRaw[]> {
    return this.preparer.prepare(raws);
  }

  /**
   * Records prepared mails in order, in as few transactions as possible (recordPrepared). The order holds across
   * everything: a mail that takes its own path (too large, unusable) first commits the ones before it, so a
   * cursor written with each mail never passes one that is not committed.
   */
  async recordMany(items: Array<{ raw: Buffer; source: IngestSource }>, prepared: PreparedRaw[]): Promise<IngestResult[]> {
    const results: IngestResult[] = [];
    let pending: PreparedMail[] = [];
    const flush = async () => {
      if (pending.length > 0) results.push(...(await this.recordTogether(pending)));
      pending = [];
    };
    for (const [i, { raw, source }] of items.entries()) {
      const now = this.deps.now();
      const mail = prepared[i];
      if (mail?.kind === 'analysed') {
        pending.push(preparedFrom(this.deps, mail.analysis, raw, source, now));
        continue;
      }
      await flush();
      if (!mail) throw new Error(`mail ${i + 1} of the batch was not prepared`);
      // An attachment could not be stored (disk full...): nothing of it may be recorded; the source keeps it and retries.
      if (mail.kind === 'failed') throw errorFrom(mail.error);
      const kept = { size: mail.size, sha256: mail.sha256, content: raw };
      if (mail.kind === 'too_large') results.push(await this.recordTooLarge(mail.peek, kept, source, now));
      else results.push(await this.recordQuarantine(kept, source, now, errorFrom(mail.error)));
    }
    await flush();
    return results;
  }

  /** Stops the preparation worker. */
  close(): Promise<void> {
    return this.preparer.close();
  }

  /** One transaction for them all; if it fails for another reason than a busy database, one each (the culprit is quarantined). */
  private async recordTogether(mails: PreparedMail[]): Promise<IngestResult[]> {
    if (mails.length > 1) {
      try {
        return await recordPrepared(this.deps, mails);
      } catch (error) {
        if (isTemporaryFailure(error)) throw error;
      }
    }
    const results: IngestResult[] = [];
    for (const mail of mails) {
      try {
        results.push(...(await recordPrepared(this.deps, [mail])));
      } catch (error) {
        if (isTemporaryFailure(error)) throw error;
        this.deps.log.error({ err: error, sha256: mail.sha256 }, 'pipeline failed; mail quarantined');
        results.push(await this.recordQuarantine({ size: mail.base.size, sha256: mail.sha256, content: mail.raw }, mail.source, mail.base.at, error));
      }
    }
    return results;
  }

  private async parseAndRecord(parse: () => Promise<Parsed>, raw: KeptRaw, source: IngestSource, now: Date): Promise<IngestResult> {
    const parsed = await parse();
    if ('error' in parsed) return this.recordQuarantine(raw, source, now, parsed.error);
    try {
      return await recordMail(this.deps, parsed.mail, raw, source, now);
    } catch (error) {
      if (isTemporaryFailure(error)) throw error;
      this.deps.log.error({ err: error, sha256: raw.sha256 }, 'pipeline failed; mail quarantined');
      return this.recordQuarantine(raw, source, now, error);
    }
  }

  private async recordTooLarge(peek: PeekedHeaders, raw: KeptRaw, source: IngestSource, now: Date): Promise<IngestResult> {
    const { size, sha256 } = raw;
    const dedupKey = await dedupKeyOf(peek.messageId, () => keptBytes(raw, this.deps.blobs));
    // What its copies are known by under a Message-ID another mail may have had too (stages/too-large.ts).
    const written = peek.messageId ? await writtenContentSha256(keptBytes(raw, this.deps.blobs)) : null;
    const result = await inTransaction(this.deps.db, async (tx) => {
      if (raw.content) keepRawMail(tx, sha256, raw.content, now);
      const recorded = await recordTooLarge(tx, this.deps, { peek, dedupKey, sha256, size, limit: this.deps.maxMessageBytes, written, now, slaFrom: slaStartOf(source.arrivedAt, source.readBefore, now), answeredAt: answeredAtOf(source.arrivedAt, now) });
      await logInbound(tx, { source: source.source, sourceRef: source.sourceRef ?? null, messageId: peek.messageId, fromAddress: peek.from, subject: peek.subject, size, rawSha256: sha256, at: now, ...recorded });
      await source.withinTransaction?.(tx, recorded.outcome);
      return recorded;
    });
    this.deps.log.warn({ sha256, size, from: peek.from, ticket: result.ticketNumber }, 'mail too large: kept raw, sender told');
    return { outcome: result.outcome, ticketNumber: result.ticketNumber, dedupKey: result.dedupKey, rawSha256: sha256, detail: result.detail };
  }

  private async recordQuarantine(raw: KeptRaw, source: IngestSource, now: Date, error: unknown): Promise<IngestResult> {
    const { size, sha256 } = raw;
    const code = error instanceof VentanillaError ? error.code : ErrorCode.PIPELINE_FAILED;
    const message = (error as Error)?.message ?? String(error);
    // What the header block says of it, for the operator's `ventanilla quarantine` (the parse failed or was refused).
    const head = raw.content ?? (await this.deps.blobs.head(sha256, PEEK_BYTES).catch(() => null));
    const peek = head ? await peekHeaders(head) : { messageId: null, from: null, fromName: null, subject: null };
    await inTransaction(this.deps.db, async (tx) => {
      if (raw.content) keepRawMail(tx, sha256, raw.content, now);
      await quarantine(tx, { rawSha256: sha256, size, source: source.source, sourceRef: source.sourceRef ?? null, errorCode: code, error: message, at: now, arrivedAt: source.arrivedAt });
      await logInbound(tx, { source: source.source, sourceRef: source.sourceRef ?? null, dedupKey: null, messageId: peek.messageId, fromAddress: peek.from, subject: peek.subject, size, rawSha256: sha256, outcome: 'quarantined', ticketNumber: null, detail: `${code}: ${message}`.slice(0, 1000), at: now });
      await source.withinTransaction?.(tx, 'quarantined');
      // A replay's operator reads its report; anything else quarantined waits for a person who may not know.
      if (source.source !== 'replay') await enqueueOperatorAlert(tx, this.deps.lifecycle.notices, quarantinedAlert({ code, from: peek.from, subject: peek.subject, sha256 }, now));
    });
    return { outcome: 'quarantined', ticketNumber: null, dedupKey: null, rawSha256: sha256, detail: message };
  }
}
