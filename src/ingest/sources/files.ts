import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BIG_MAIL_BYTES, type InboundPipeline, type IngestResult, type IngestSource } from '../pipeline.js';
import { mboxMailRanges, startsWithSeparator } from './mbox.js';
import { unescapedFrom, unescapeFrom } from './mbox-unescape.js';

/** The pieces a file is read in. */
const CHUNK_BYTES = 256 * 1024;

// Paths are kept as their bytes: a folder copied from a Windows share or unzipped from a Windows archive names its
// files in Latin-1, and such a name read as UTF-8 (Node's strings) is no longer the file's: each of its mails was
// "skipped: it vanished before it was read", and a folder of such a name stopped the import with ENOENT. A "/" byte
// is never part of a UTF-8 sequence, so the bytes split on it as the string would. Reports show the name as UTF-8.
type RawPath = Buffer;
const SLASH = 0x2f;
const joinRaw = (dir: RawPath, name: RawPath | string): RawPath => Buffer.concat([dir, Buffer.from('/'), typeof name === 'string' ? Buffer.from(name) : name]);
const dirnameRaw = (path: RawPath): RawPath => path.subarray(0, Math.max(1, path.lastIndexOf(SLASH)));
const basenameOf = (path: RawPath): string => path.subarray(path.lastIndexOf(SLASH) + 1).toString();
const listRaw = (dir: RawPath) => readdir(dir, { encoding: 'buffer' });
const byName = (a: RawPath, b: RawPath) => a.toString().localeCompare(b.toString());

/** A Maildir holds its messages in cur/ and new/ (tmp/ is for deliveries in progress and is skipped). */
async function isMaildir(dir: RawPath): Promise<boolean> {
  // Either folder may be missing (git keeps no empty folders; some tools create them lazily).
  const entries = new Set((await listRaw(dir)).map((name) => name.toString()));
  return entries.has('cur') || entries.has('new');
}

/** A file to import; `maildir`: a message in a Maildir's new/ or cur/ (its name tells when it was delivered). */
interface MailFile {
  path: RawPath;
  maildir: boolean;
}

async function* mailFiles(path: RawPath): AsyncGenerator<MailFile> {
  const info = await stat(path);
  if (info.isFile()) {
    const folder = basenameOf(dirnameRaw(path));
    yield { path, maildir: (folder === 'new' || folder === 'cur') && (await isMaildir(dirnameRaw(dirnameRaw(path)))) };
    return;
  }
  // A Maildir's own folder named alone (`ingest ~/Maildir/new`): its messages have no .eml ending, and tmp/
  // holds deliveries still being written.
  const folder = basenameOf(path);
  if (['new', 'cur', 'tmp'].includes(folder) && (await isMaildir(dirnameRaw(path)))) {
    if (folder === 'tmp') return;
    for (const name of (await listRaw(path)).sort(Buffer.compare)) if (name[0] !== 0x2e) yield { path: joinRaw(path, name), maildir: true };
    return;
  }
  if (await isMaildir(path)) {
    for (const sub of ['new', 'cur']) {
      const names = await listRaw(joinRaw(path, sub)).catch(() => [] as Buffer[]);
      for (const name of names.sort(Buffer.compare)) if (name[0] !== 0x2e) yield { path: joinRaw(joinRaw(path, sub), name), maildir: true };
    }
    // Maildir++ subfolders (".Sent", ".Archive") are mail folders too.
    for (const name of (await listRaw(path)).sort(Buffer.compare)) {
      const text = name.toString();
      if (text.startsWith('.') && text !== '.' && text !== '..' && (await stat(joinRaw(path, name))).isDirectory()) yield* mailFiles(joinRaw(path, name));
    }
    return;
  }
  for (const entry of (await readdir(path, { withFileTypes: true, encoding: 'buffer' })).sort((a, b) => byName(a.name, b.name))) {
    const full = joinRaw(path, entry.name);
    if (entry.isDirectory()) yield* mailFiles(full);
    else if (entry.isFile() && /\.(eml|msg|mbx|txt)$/i.test(entry.name.toString())) yield { path: full, maildir: false };
  }
}

/** 2000-01-01: a Maildir name's leading number before that is not a delivery time. */
const EARLIEST_DELIVERY_S = 946_684_800;

/**
 * When a Maildir message was delivered: the time its name starts with (the Maildir convention, "1732352400.M1P2.host"),
 * else the file's modification time. An answer delivered while the gateway was down is then judged in time or late
 * at its delivery, not at the import (DOMAIN.md rules 3 and 4), as the IMAP source does with INTERNALDATE. A
 * loose .eml file gets none: it was written when it was exported, not when it arrived.
 */
function deliveredAt(file: MailFile, modified: Date): Date | undefined {
  if (!file.maildir) return undefined;
  const seconds = Number(/^(\d{9,10})\./.exec(basenameOf(file.path))?.[1]);
  const named = seconds >= EARLIEST_DELIVERY_S ? new Date(seconds * 1000) : null;
  return named && named.getTime() <= Date.now() + 86_400_000 ? named : modified;
}

export interface FileIngestReport {
  results: Array<{ file: string } & IngestResult>;
  counts: Record<string, number>;
  /** Files listed that were gone when their turn came (moved or deleted by another program). */
  skipped: string[];
  /** Files of 0 bytes: no mail, so not ingested (no quarantine entry "without a sender"), as an empty stdin. */
  empty: string[];
}

/**
 * The file, open; null when it vanished since it was listed: in a live Maildir a mail client moves a message from
 * new/ to cur/ (it is then found there, as cur/ is read after new/) or deletes it. Once open, it can be read
 * whole whatever happens to its name.
 */
async function openListed(file: RawPath): Promise<FileHandle | null> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Imports .eml files and Maildir folders, one pipeline call per message, in a stable order. A message that
 * vanishes between the listing and its reading is skipped (onSkipped) rather than ending the import; an empty file
 * is left too (onEmpty): 0 bytes hold no mail, and quarantined it was one "without a sender", again at each import.
 */
export async function ingestPaths(
  pipeline: InboundPipeline,
  paths: string[],
  onResult?: (r: { file: string } & IngestResult) => void,
  onSkipped?: (file: string) => void,
  onEmpty?: (file: string) => void,
): Promise<FileIngestReport> {
  const report: FileIngestReport = { results: [], counts: {}, skipped: [], empty: [] };
  for (const path of paths) {
    for await (const listed of mailFiles(Buffer.from(resolve(path)))) {
      const file = listed.path.toString();
      const handle = await openListed(listed.path);
      if (!handle) {
        report.skipped.push(file);
        onSkipped?.(file);
        continue;
      }
      const done = (result: { file: string } & IngestResult) => {
        report.results.push(result);
        report.counts[result.outcome] = (report.counts[result.outcome] ?? 0) + 1;
        onResult?.(result);
      };
      try {
        const info = await handle.stat();
        if (info.size === 0) {
          report.empty.push(file);
          onEmpty?.(file);
          continue;
        }
        // A mailbox of several mails (mbox): each is a mail of its own, `<file>#<n>`. One mail behind a "From " line
        // goes the usual way, as it did.
        if (!listed.maildir && (await ingestedAsMbox(pipeline, handle, file, done))) continue;
        const source = { source: 'file', sourceRef: file, arrivedAt: deliveredAt(listed, info.mtime) } as const;
        // A big file is streamed (never held whole in memory); a small one is read at once, the faster way.
        const big = info.size > BIG_MAIL_BYTES;
        done({ file, ...(big ? await pipeline.ingestStream(handle.createReadStream({ start: 0, highWaterMark: CHUNK_BYTES, autoClose: false }), source) : await pipeline.ingest(await handle.readFile(), source)) });
      } finally {
        await handle.close();
      }
    }
  }
  return report;
}

/**
 * Ingests the mails of an mbox file one by one (mbox.ts); false, having ingested nothing, when the file is not one
 * or holds one mail only (it then goes the usual way, streamed when big). The file is scanned once for where its
 * mails are, then each is read from its byte range: a small one into memory, a big one streamed, never held whole.
 */
async function ingestedAsMbox(pipeline: InboundPipeline, handle: FileHandle, file: string, done: (r: { file: string } & IngestResult) => void): Promise<boolean> {
  const head = Buffer.alloc(512);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  if (!startsWithSeparator(head.subarray(0, bytesRead))) return false;
  const ranges = await mboxMailRanges(handle.createReadStream({ start: 0, highWaterMark: CHUNK_BYTES, autoClose: false }));
  if (ranges.length < 2) return false;
  for (const [i, { start, end }] of ranges.entries()) {
    const source: IngestSource = { source: 'file', sourceRef: `${file}#${i + 1}` };
    const size = end - start;
    let outcome: IngestResult;
    if (size > BIG_MAIL_BYTES) {
      outcome = await pipeline.ingestStream(unescapedFrom(handle.createReadStream({ start, end: end - 1, highWaterMark: CHUNK_BYTES, autoClose: false })), source);
    } else {
      const raw = Buffer.alloc(size);
      let read = 0;
      while (read < size) {
        const { bytesRead: n } = await handle.read(raw, read, size - read, start + read);
        if (n === 0) break;
        read += n;
      }
      outcome = await pipeline.ingest(unescapeFrom(raw.subarray(0, read)), source);
    }
    done({ file: source.sourceRef as string, ...outcome });
  }
  return true;
}
