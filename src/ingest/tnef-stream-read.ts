// A big mail's winmail.dat (a customer's 5 MB PDF or screenshots in Outlook's "Rich Text" mode) went to the blob
// store as the mail was parsed. Read back whole, it would be held in memory with its files, up to
// MAX_ATTACHMENT_BYTES a mail; so it is walked as a stream from the store instead, attribute by attribute: the
// files' bytes (attAttachData) flow back into the store as big mail parts do (takeContent), and only the few
// attributes the files' names and the message's body are read from are held, each up to a bound. Whatever the
// order of the attributes (MS-OXTNEF puts the message's before the attachments', a writer of its own may not).

import type { MailBody } from './tnef-body.js';
import { BODY_ATTRIBUTES, tnefBodyOf } from './tnef-body.js';
import { takeContent, type AttachmentSpill } from './mail-parser-run.js';
import {
  ATT_ATTACH_DATA, ATT_OEM_CODEPAGE, FILE_ATTRIBUTES, FileGatherer, isTnef, LEVEL_ATTACHMENT, LEVEL_MESSAGE, Malformed, TNEF_HEAD_BYTES,
  type FileData, type TnefAttribute, type TnefContents,
} from './tnef.js';

/**
 * An attribute held to be read (the message's properties, with its body; a file's name and properties) is at most
 * this long: as long as a whole mail read in memory (pipeline.ts's BIG_MAIL_BYTES), so every body a small mail's
 * winmail.dat can carry is read from a big one too. A longer one is skipped (its body, or that file, then not
 * read: a file left so keeps winmail.dat next to the others). The body's compressed RTF has its own, smaller bound
 * (rtf-body.ts: one above 1 MiB is not decompressed, as its decompressor's output is ~8 times as big, as an array).
 */
export const MAX_HELD_ATTRIBUTE_BYTES = 4 * 1024 * 1024;
const ATTRIBUTE_HEAD_BYTES = 9; // level, id, length
const CHECKSUM_BYTES = 2;
const NONE = Buffer.alloc(0);

/** Bytes read from a stream as they are asked for: what one attribute's header or held data needs, no more. */
class StreamReader {
  private pending: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** Whether `n` bytes are there, reading on until they are or the stream ends. */
  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) this.ended = true;
      else if (next.value.length > 0) {
        this.pending.push(next.value);
        this.buffered += next.value.length;
      }
    }
    return this.buffered >= n;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }

  /** The next `n` bytes, in memory (only for short reads: a header, an attribute held). */
  async take(n: number): Promise<Buffer> {
    if (!(await this.fill(n))) throw new Malformed('truncated');
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.buffered);
    this.pending = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }

  /** The next `n` bytes in the pieces they were read in, never gathered (a file's bytes, or bytes skipped). */
  async *pass(n: number): AsyncGenerator<Buffer> {
    for (let left = n; left > 0; ) {
      if (!(await this.fill(1))) throw new Malformed('truncated');
      const chunk = this.pending[0]!;
      const piece = chunk.subarray(0, Math.min(left, chunk.length));
      if (piece.length === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(piece.length);
      this.buffered -= piece.length;
      left -= piece.length;
      yield piece;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const piece of this.pass(n)) void piece;
  }
}

export interface StreamedTnef {
  /** Its files, as tnefFiles reads them; null when their properties are malformed (winmail.dat stays as it came). */
  contents: TnefContents | null;
  /** The message's body, as tnefBody reads it, when asked for and there is one (also beside malformed files). */
  body: MailBody | null;
}

/**
 * The files of the TNEF stream `chunks` (each above `spill.inMemoryBytes` stored as it is read, as a big mail's
 * parts are) and, when `withBody`, its message's body: as the in-memory readers read them. Null when it is not
 * TNEF or is cut short: the caller keeps winmail.dat as it came (a file stored before the cut is left
 * unreferenced, as after a crash, for the blob sweep: store/blob-sweep.ts).
 */
export async function readStreamedTnef(chunks: AsyncIterable<Buffer>, spill: AttachmentSpill, withBody: boolean): Promise<StreamedTnef | null> {
  const source = chunks[Symbol.asyncIterator]();
  const r = new StreamReader(source);
  try {
    if (!isTnef(await r.take(TNEF_HEAD_BYTES))) return null;
    let files: FileGatherer | null = new FileGatherer();
    const gather = (attribute: TnefAttribute, data?: FileData) => {
      try {
        files?.add(attribute, data);
      } catch (error) {
        // Malformed properties spoil the files alone, as they do tnefFiles: the walk goes on for the body.
        if (!(error instanceof Malformed)) throw error;
        files = null;
      }
    };
    const message: TnefAttribute[] = [];
    let codepage = 1252;
    while (!(await r.atEnd())) {
      const head = await r.take(ATTRIBUTE_HEAD_BYTES);
      const level = head[0]!;
      const id = head.readUInt32LE(1);
      const length = head.readUInt32LE(5);
      const onFiles = files !== null && level === LEVEL_ATTACHMENT && (FILE_ATTRIBUTES.has(id) || (id === ATT_ATTACH_DATA && files.expectsData));
      const held = id === ATT_OEM_CODEPAGE || (level === LEVEL_MESSAGE && withBody && BODY_ATTRIBUTES.has(id)) || (onFiles && id !== ATT_ATTACH_DATA);
      if (onFiles && id === ATT_ATTACH_DATA) {
        const taken = await takeContent(r.pass(length), spill);
        if (taken) gather({ level, id, data: NONE, codepage }, taken);
      } else if (held && length <= MAX_HELD_ATTRIBUTE_BYTES) {
        // A copy: the piece read may be a view on a chunk of 256 KiB, which the message's attributes would keep.
        const data = Buffer.from(await r.take(length));
        if (id === ATT_OEM_CODEPAGE && data.length >= 4) codepage = data.readUInt32LE(0);
        if (level === LEVEL_MESSAGE) message.push({ level, id, data, codepage });
        else gather({ level, id, data, codepage });
      } else {
        await r.skip(length);
        // Too long to hold, a file's attribute leaves that file unread: winmail.dat stays next to the others.
        if (onFiles) files?.skipped(id);
      }
      await r.take(CHECKSUM_BYTES); // not checked: Outlook's own are sometimes wrong (tnef.ts)
    }
    return { contents: files?.contents() ?? null, body: withBody ? await tnefBodyOf(message) : null };
  } catch (error) {
    if (error instanceof Malformed) return null;
    throw error;
  } finally {
    await source.return?.(); // a file stream from the store is closed, also when it was not read to its end
  }
}
