import type { ImapFlow } from 'imapflow';
import { BIG_MAIL_BYTES } from '../pipeline.js';

// What is new in the mailbox, and in which batches it is processed. Small messages travel in batches with their
// sources in memory; a big one (above BIG_MAIL_BYTES) is alone in its batch and streamed (imap.ts, ingestBig).

const BATCH_MAX_MESSAGES = 100;
/** With BATCHES_AHEAD (imap.ts), at most 64 MiB of sources in memory at once. */
const BATCH_MAX_BYTES = 16 * 1024 * 1024;
/** Fetched with the UIDs and sizes when the mailbox is short: most mails fit, so a pushed mail needs one FETCH. */
const INLINE_SOURCE_BYTES = 128 * 1024;

export interface Pending {
  uid: number;
  size: number;
  /** The whole message, when it came with the FETCH that found it (or once fetched for its batch). */
  source?: Buffer;
}

/**
 * The messages above `lastUid`, in UID order, with their sizes, in one UID FETCH (it replaces a SEARCH and a
 * FETCH of sizes). When the mailbox is short (its message count then bounds the answer) the same FETCH brings
 * the first INLINE_SOURCE_BYTES of each message: the whole of a small one, so a pushed mail needs no more.
 */
export async function fetchPending(client: ImapFlow, lastUid: bigint): Promise<Pending[]> {
  const short = (client.mailbox ? client.mailbox.exists : Number.POSITIVE_INFINITY) <= BATCH_MAX_MESSAGES;
  const query = short ? { uid: true, size: true, source: { start: 0, maxLength: INLINE_SOURCE_BYTES } } : { uid: true, size: true };
  // `n:*` also names the last message when none is above n: filtered out below.
  const found = await client.fetchAll(`${lastUid + 1n}:*`, query, { uid: true });
  return found
    .filter((m) => BigInt(m.uid) > lastUid)
    .sort((a, b) => a.uid - b.uid)
    .map((m) => {
      const size = m.size ?? 0;
      // A partial answer is the whole message when it is shorter than asked for, or as long as the message.
      const whole = m.source && (m.source.length < INLINE_SOURCE_BYTES || m.source.length === size) ? m.source : undefined;
      return { uid: m.uid, size: Math.max(size, whole?.length ?? 0), source: whole };
    });
}

/**
 * Takes the next batch off the front of `pending`: one big message alone (it is streamed), or small ones in
 * UID order up to a count and a total size (their sources are in memory together).
 */
export function takeBatch(pending: Pending[]): Pending[] {
  const first = pending[0] as Pending;
  if (first.size > BIG_MAIL_BYTES) return pending.splice(0, 1);
  let count = 0;
  let bytes = 0;
  for (const m of pending) {
    if (m.size > BIG_MAIL_BYTES || count >= BATCH_MAX_MESSAGES || (count > 0 && bytes + m.size > BATCH_MAX_BYTES)) break;
    count++;
    bytes += m.size;
  }
  return pending.splice(0, count);
}
