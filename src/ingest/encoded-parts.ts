import libmime from 'libmime';
import { BINHEX_TYPE, BinHexDecoder, binHexBodyStart, decodeBinHex } from './binhex.js';
import { takeContent, type AttachmentSpill, type TakenAttachment } from './mail-parser-run.js';
import { beginName, decodeLine, uudecodePart, UUENCODE_TRANSFER } from './uuencode.js';

// Parts mailparser passes on as they were encoded: Content-Transfer-Encoding x-uuencode (uuencode.ts) and BinHex 4.0
// (binhex.ts). A part in memory is decoded whole; a big part of a big mail went to the blob store as it came (its
// first bytes in memory), and is read back from the store as a stream and decoded on the way, its file taken as the
// mail's own parts are (takeContent: in memory up to the spill's bound, else streamed into the store), never held
// whole. One that holds no file, or a damaged one, stays as it came either way. The encoded blob of one decoded
// from the store is left unreferenced, as a big winmail.dat's is once its files are taken (tnef-stream-read.ts), for
// the blob sweep to remove a day later (store/blob-sweep.ts). One
// above MAX_ATTACHMENT_BYTES as it came was not stored (mail-parser-run.ts): it cannot be read back, and stays out.

const isUuencoded = (a: TakenAttachment) => UUENCODE_TRANSFER.test(a.transferEncoding ?? '');
const isBinHex = (a: TakenAttachment) => BINHEX_TYPE.test((a.contentType ?? '').split(';')[0]?.trim() ?? '');

/** The part as the file it holds: under the part's name or the file's; no longer marked as encoded. */
function asUudecoded(a: TakenAttachment, file: { name: string } & Pick<TakenAttachment, 'content' | 'streamed'>): TakenAttachment {
  const { streamed: _encoded, transferEncoding: _uuencode, ...part } = a;
  return { ...part, filename: a.filename ?? file.name, content: file.content, ...(file.streamed ? { streamed: file.streamed } : {}) };
}

/** The part as the file it holds, typed by its name (the part's or the file's). */
function asBinHexDecoded(a: TakenAttachment, file: { name: string } & Pick<TakenAttachment, 'content' | 'streamed'>): TakenAttachment {
  const { streamed: _encoded, ...part } = a;
  const filename = a.filename ?? file.name;
  const contentType = libmime.detectMimeType(filename) || 'application/octet-stream';
  return { ...part, filename, contentType, content: file.content, ...(file.streamed ? { streamed: file.streamed } : {}) };
}

/**
 * A part in memory sent x-uuencode or BinHex: the file it holds (a BinHex text uuencoded: the file in that); the part
 * itself when it holds none, or is streamed.
 */
export function withEncodedPartDecoded(a: TakenAttachment): TakenAttachment {
  if (a.streamed) return a;
  const uudecoded = isUuencoded(a) ? uudecodePart(a.content) : null;
  const part = uudecoded ? asUudecoded(a, uudecoded) : a;
  const binHex = isBinHex(part) ? decodeBinHex(part.content) : null;
  return binHex ? asBinHexDecoded(part, binHex) : part;
}

/** Its hash when it is a big part of a big mail, stored as it came, sent x-uuencode or BinHex. */
const storedEncoded = (a: TakenAttachment) => (a.streamed?.sha256 && (isUuencoded(a) || isBinHex(a)) ? a.streamed.sha256 : null);

/** The big parts of a big mail sent x-uuencode or BinHex, read back from the store: each as the file it holds. */
export async function withStreamedPartsDecoded(attachments: TakenAttachment[], spill: AttachmentSpill): Promise<TakenAttachment[]> {
  if (!attachments.some(storedEncoded)) return attachments;
  const out: TakenAttachment[] = [];
  for (const a of attachments) out.push(await decodedFromStore(a, spill));
  return out;
}

/** withEncodedPartDecoded for a part in the store, in the same order: uudecoded, then a BinHex text read. */
async function decodedFromStore(a: TakenAttachment, spill: AttachmentSpill): Promise<TakenAttachment> {
  let part = a;
  const uuencoded = isUuencoded(part) ? storedEncoded(part) : null;
  const uudecoded = uuencoded ? await uudecodedFromStore(spill.blobs.openRead(uuencoded), spill) : null;
  if (uudecoded) part = asUudecoded(part, uudecoded);
  const binHex = isBinHex(part) ? storedEncoded(part) : null;
  const file = binHex ? await binHexFromStore(part.content, () => spill.blobs.openRead(binHex), spill) : null;
  return file ? asBinHexDecoded(part, file) : part;
}

/** What the stream read so far holds no file: thrown into the store's writer, which drops its temporary file. */
class NoFile extends Error {
  /** The line that ended a uuencoded block: it may begin another. */
  constructor(readonly line: string | null = null) {
    super('no file');
  }
}

type Decoded = { name: string } & Pick<TakenAttachment, 'content' | 'streamed'>;
const OUT_CHUNK_BYTES = 64 * 1024;

/**
 * uudecodePart's file, its lines read from the stream as they come: the first "begin" line that starts a whole
 * block, as uudecodePart takes it; a block that breaks off is dropped, and the line it broke at looked at again.
 */
async function uudecodedFromStore(chunks: AsyncIterable<Buffer>, spill: AttachmentSpill): Promise<Decoded | null> {
  const lines = new Lines(chunks);
  try {
    for (let line = await lines.next(); line !== null; ) {
      const name = line.startsWith('begin ') ? beginName(line) : null;
      if (!name) {
        line = await lines.next();
        continue;
      }
      try {
        const taken = await takeContent(blockBytes(lines), spill);
        return taken && { name, ...taken };
      } catch (error) {
        if (!(error instanceof NoFile)) throw error;
        line = error.line;
      }
    }
    return null;
  } finally {
    await lines.close();
  }
}

/** The bytes of the block after its "begin" line, up to its "end" line, gathered in chunks; NoFile when it breaks off. */
async function* blockBytes(lines: Lines): AsyncGenerator<Buffer> {
  let gathered: Buffer[] = [];
  let size = 0;
  for (;;) {
    const written = await lines.next();
    // A "\r" more dropped, as uuencode.ts's fileAt reads a block's lines.
    const line = written?.replace(/\r$/, '') ?? null;
    if (line?.trimEnd() === 'end') break;
    const bytes = line ? decodeLine(line) : null;
    if (!bytes) throw new NoFile(written);
    gathered.push(bytes);
    size += bytes.length;
    if (size >= OUT_CHUNK_BYTES) {
      yield Buffer.concat(gathered, size);
      [gathered, size] = [[], 0];
    }
  }
  if (size > 0) yield Buffer.concat(gathered, size);
}

/** A line longer than this is no uuencoded line (those are 61 characters): it is not held, only known to be long. */
const MAX_LINE_CHARS = 64 * 1024;
/** What a long line reads as: no line split at "\n" can be it, and it is neither a "begin", an "end" nor a uuencoded line. */
const LONG_LINE = '\n';

/** The lines of a stream (latin1), split as uudecodePart splits them (at "\n", a "\r" before it dropped). */
class Lines {
  private text = '';
  private at = 0;
  private ended = false;
  private long = false;
  private readonly source: AsyncIterator<Buffer>;

  constructor(chunks: AsyncIterable<Buffer>) {
    this.source = chunks[Symbol.asyncIterator]();
  }

  /** The next line; null after the last (the text after the last "\n", "" when it ends with one). */
  async next(): Promise<string | null> {
    for (;;) {
      const end = this.text.indexOf('\n', this.at);
      if (end >= 0 || this.ended) {
        if (end < 0 && this.at > this.text.length) return null;
        const line = this.text.slice(this.at, end >= 0 ? end : undefined);
        const long = this.long || line.length > MAX_LINE_CHARS;
        this.at = end >= 0 ? end + 1 : this.text.length + 1;
        this.long = false;
        return long ? LONG_LINE : end >= 0 && line.endsWith('\r') ? line.slice(0, -1) : line;
      }
      const rest = this.text.slice(this.at);
      this.long ||= rest.length > MAX_LINE_CHARS;
      this.text = this.long ? '' : rest;
      this.at = 0;
      const next = await this.source.next();
      if (next.done) this.ended = true;
      else this.text += next.value.toString('latin1');
    }
  }

  async close(): Promise<void> {
    await this.source.return?.();
  }
}

/**
 * decodeBinHex's file, decoded as the stream `open` gives comes. Its body's start is found in `head`, the part's
 * first bytes (in memory: what classifiers read); one that starts further in is kept as it came (not read).
 */
async function binHexFromStore(head: Buffer, open: () => AsyncIterable<Buffer>, spill: AttachmentSpill): Promise<Decoded | null> {
  const start = binHexBodyStart(head);
  if (start < 0) return null;
  const chunks = open();
  const decoder = new BinHexDecoder();
  const data = async function* (): AsyncGenerator<Buffer> {
    let skip = start;
    for await (const chunk of chunks) {
      const body = chunk.subarray(Math.min(skip, chunk.length));
      skip -= chunk.length - body.length;
      const decoded: Buffer[] = [];
      const more = decoder.add(body, (bytes) => decoded.push(bytes));
      yield* decoded;
      if (!more) break;
    }
    if (!decoder.end()) throw new NoFile();
  };
  try {
    const taken = await takeContent(data(), spill);
    return taken && decoder.name !== null ? { name: decoder.name, ...taken } : null;
  } catch (error) {
    if (error instanceof NoFile) return null;
    throw error;
  }
}
