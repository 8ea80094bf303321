import type { ImapFlow } from 'imapflow';
import { advanceCursor } from '../../store/cursor-repo.js';
import { BIG_MAIL_BYTES, type InboundPipeline, type IngestResult, type IngestSource } from '../pipeline.js';
import { arrivalOf, type Pending } from './imap-pending.js';
import { uidSet } from './uid-set.js';

// One IMAP batch from its UIDs to its commit: the sources fetched, the mails prepared, then recorded with the
// cursor moved in the same transactions (the ImapSource in imap.ts fetches several ahead of the one it records).

/** A big message is downloaded in partial FETCHes of this size (imapflow's default, 64 KiB, is many round trips). */
const DOWNLOAD_CHUNK_BYTES = 1024 * 1024;

export interface BatchContext {
  mailbox: string;
  account: string;
  pipeline: InboundPipeline;
  onResult?: (r: IngestResult & { uid: number }) => void;
  /** When the mailbox had last been read, caught up, before this drain (pipeline.ts IngestSource readBefore). */
  readBefore?: Date;
}

/**
 * One batch in UID order, made ready to record: small ones have their sources fetched (if the FETCH that
 * found them did not bring them) and are prepared (pipeline.prepareMany); a big message is streamed alone
 * when it is recorded. record() then commits the batch (few transactions) and says which UIDs are done.
 * `handedOver` is called once the batch is with the preparation worker (or needs no preparation).
 */
export async function stageBatch(ctx: BatchContext, client: ImapFlow, uidValidity: bigint, batch: Pending[], handedOver?: () => void): Promise<{ record: () => Promise<number[]> }> {
  const mailbox = ctx.mailbox;
  const sourceOf = ({ uid, arrivedAt }: Pending): IngestSource => ({
    source: 'imap',
    sourceRef: `${mailbox};UIDVALIDITY=${uidValidity};UID=${uid}`,
    withinTransaction: (tx) => advanceCursor(tx, ctx.account, mailbox, uidValidity, BigInt(uid)),
    arrivedAt,
    readBefore: ctx.readBefore,
  });
  const done: number[] = [];
  const report = (uid: number, result: IngestResult | null) => {
    if (!result) return; // gone from the server meanwhile
    done.push(uid);
    ctx.onResult?.({ ...result, uid });
  };
  const first = batch[0] as Pending;
  if (batch.length === 1 && first.size > BIG_MAIL_BYTES) {
    handedOver?.();
    return { record: async () => (report(first.uid, await ingestBig(ctx, client, first.uid, sourceOf(first))), done) };
  }
  const missing = batch.filter((m) => !m.source).map((m) => m.uid);
  if (missing.length > 0) {
    // Rows without a source are flags another client changed, told unasked: one taken for the message's answer
    // would make it look expunged, and the mails after it would move the cursor past it.
    const rows = await client.fetchAll(uidSet(missing), { uid: true, source: true, internalDate: true }, { uid: true });
    const fetched = new Map(rows.filter((m) => m.source).map((m) => [m.uid, m]));
    for (const m of batch) {
      m.source ??= fetched.get(m.uid)?.source;
      m.arrivedAt ??= arrivalOf(fetched.get(m.uid) ?? {});
    }
  }
  const items = batch.flatMap((m) => (m.source ? [{ uid: m.uid, raw: m.source, source: sourceOf(m) }] : []));
  const [only] = items;
  // One mail (the push path) takes ingest(), which parses in this thread while the raw mail is written.
  if (items.length === 1 && only) {
    handedOver?.();
    return { record: async () => (report(only.uid, await ctx.pipeline.ingest(only.raw, only.source)), done) };
  }
  const preparing = ctx.pipeline.prepareMany(items.map((item) => item.raw));
  handedOver?.();
  const prepared = await preparing;
  return {
    record: async () => {
      const results = await ctx.pipeline.recordMany(items, prepared);
      items.forEach((item, i) => report(item.uid, results[i] ?? null));
      return done;
    },
  };
}

/** A big message is streamed from the server into the blob store, never held whole (pipeline.ingestStream). */
async function ingestBig(ctx: BatchContext, client: ImapFlow, uid: number, source: IngestSource): Promise<IngestResult | null> {
  const download = await client.download(String(uid), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK_BYTES });
  if (!download.content) {
    // imapflow answers nothing alike for a message expunged meanwhile and for a connection closed before the call
    // (no mailbox selected any more). Taken for gone, the mail was skipped: the batches fetched ahead of it then
    // moved the cursor past it, and the next sweep moved it to the processed folder unrecorded.
    if (!client.usable || !client.mailbox) throw new Error(`the IMAP connection closed before message ${uid} (a big mail) could be downloaded`);
    return null;
  }
  return ctx.pipeline.ingestStream(download.content as AsyncIterable<Buffer>, source);
}
