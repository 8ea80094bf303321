import type { ImapFlow, SearchObject } from 'imapflow';
import { BIG_MAIL_BYTES } from '../pipeline.js';
import { uidSet } from './uid-set.js';

// What is new in the mailbox, and in which batches it is processed. Small messages travel in batches with their
// sources in memory; a big one (above BIG_MAIL_BYTES) is alone in its batch and streamed (imap.ts, ingestBig).

const BATCH_MAX_MESSAGES = 100;
/** With BATCHES_AHEAD (imap.ts), at most 64 MiB of sources in memory at once. */
const BATCH_MAX_BYTES = 16 * 1024 * 1024;
/** Fetched with the UIDs and sizes when few mails are new: most mails fit, so a pushed mail needs one FETCH. */
const INLINE_SOURCE_BYTES = 128 * 1024;
/** UIDs whose sizes one FETCH asks for. */
const SIZES_PER_FETCH = 1000;

export interface Pending {
  uid: number;
  /** Its size; for a mail found below INLINE_SOURCE_BYTES by a SEARCH (a long mailbox), that bound. */
  size: number;
  /** The whole message, when it came with the FETCH that found it (or once fetched for its batch). */
  source?: Buffer;
  /** When the server received it (INTERNALDATE), once a FETCH brought it. */
  arrivedAt?: Date;
}

/** INTERNALDATE as imapflow gives it (a Date, or the server's text when it could not read it). */
export function arrivalOf(m: { internalDate?: Date | string }): Date | undefined {
  const at = m.internalDate instanceof Date ? m.internalDate : m.internalDate ? new Date(m.internalDate) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

/**
 * The messages above `lastUid`, in UID order, with their sizes.
 *
 * A few (the mailbox is short, or a SEARCH found few: a pushed mail in a mailbox that keeps what was processed):
 * one UID FETCH of their UIDs, sizes and first INLINE_SOURCE_BYTES, the whole of a small message, so that it
 * needs no other FETCH.
 *
 * Many (a backlog): a FETCH of every size kept the first batch waiting for the whole answer (0.4 s for 5,000
 * mails here, parsed one untagged response at a time), so a second SEARCH instead, answered in one line too:
 * the messages of INLINE_SOURCE_BYTES or more, whose sizes are then fetched (a batch of 100 smaller ones is
 * 12.5 MiB at most, within BATCH_MAX_BYTES).
 */
export async function fetchPending(client: ImapFlow, lastUid: bigint): Promise<Pending[]> {
  // `n:*` also names the last message when none is above n: filtered out below.
  const range = `${lastUid + 1n}:*`;
  const above = (uid: number) => BigInt(uid) > lastUid;
  const short = (client.mailbox ? client.mailbox.exists : Number.POSITIVE_INFINITY) <= BATCH_MAX_MESSAGES;
  if (short) return fetchWithSources(client, range, above);
  const all = (await searchUids(client, { uid: range })).filter(above);
  if (all.length === 0) return [];
  if (all.length <= BATCH_MAX_MESSAGES) return fetchWithSources(client, uidSet(all), above);
  const large = (await searchUids(client, { uid: range, larger: INLINE_SOURCE_BYTES - 1 })).filter(above);
  const sizes = new Map<number, { size: number; arrivedAt: Date | undefined }>();
  // In slices: a command line of thousands of scattered UIDs would pass the server's limit (Dovecot's is 64 KiB).
  for (let i = 0; i < large.length; i += SIZES_PER_FETCH) {
    const slice = uidSet(large.slice(i, i + SIZES_PER_FETCH));
    for (const m of await client.fetchAll(slice, { uid: true, size: true, internalDate: true }, { uid: true })) sizes.set(m.uid, { size: m.size ?? 0, arrivedAt: arrivalOf(m) });
  }
  // A message expunged between the SEARCHes keeps the bound; its FETCH then brings nothing ("gone").
  return all.sort((a, b) => a - b).map((uid) => ({ uid, size: sizes.get(uid)?.size ?? INLINE_SOURCE_BYTES, arrivedAt: sizes.get(uid)?.arrivedAt }));
}

/** The messages above `lastUid` by a SEARCH alone, sizes unknown: one that cannot be read is only found by reading. */
export async function listPending(client: ImapFlow, lastUid: bigint): Promise<Pending[]> {
  const uids = (await searchUids(client, { uid: `${lastUid + 1n}:*` })).filter((uid) => BigInt(uid) > lastUid);
  return uids.sort((a, b) => a - b).map((uid) => ({ uid, size: 0 }));
}

/** UIDs, sizes and the first INLINE_SOURCE_BYTES of the messages of `uids` (a UID set) that pass `keep`. */
async function fetchWithSources(client: ImapFlow, uids: string, keep: (uid: number) => boolean): Promise<Pending[]> {
  const found = await client.fetchAll(uids, { uid: true, size: true, internalDate: true, source: { start: 0, maxLength: INLINE_SOURCE_BYTES } }, { uid: true });
  return found
    // A row without UID or size is no answer to this FETCH: a flag another client changed, told unasked (Dovecot
    // writes it after the FETCH's rows, without UID; imapflow hands it over as one of them).
    .filter((m) => typeof m.uid === 'number' && m.size !== undefined && keep(m.uid))
    .sort((a, b) => a.uid - b.uid)
    .map((m) => {
      const size = m.size ?? 0;
      // A partial answer is the whole message when it is shorter than asked for, or as long as the message.
      const whole = m.source && (m.source.length < INLINE_SOURCE_BYTES || m.source.length === size) ? m.source : undefined;
      return { uid: m.uid, size: Math.max(size, whole?.length ?? 0), source: whole, arrivedAt: arrivalOf(m) };
    });
}

/** UIDs matching a SEARCH; a refused SEARCH is an error (the session reconnects), not an empty mailbox. */
async function searchUids(client: ImapFlow, query: SearchObject): Promise<number[]> {
  const uids = await client.search(query, { uid: true });
  if (!uids) throw new Error(`IMAP SEARCH ${JSON.stringify(query)} failed`);
  return uids;
}

/**
 * Takes the next batch off the front of `pending`: one big message alone (it is streamed), or small ones in
 * UID order up to a count and a total size (their sources are in memory together).
 */
export function takeBatch(pending: Pending[], maxMessages = BATCH_MAX_MESSAGES): Pending[] {
  const first = pending[0] as Pending;
  if (first.size > BIG_MAIL_BYTES) return pending.splice(0, 1);
  let count = 0;
  let bytes = 0;
  for (const m of pending) {
    if (m.size > BIG_MAIL_BYTES || count >= maxMessages || (count > 0 && bytes + m.size > BATCH_MAX_BYTES)) break;
    count++;
    bytes += m.size;
  }
  return pending.splice(0, count);
}
