import type { Readable, Writable } from 'node:stream';
import libmime from 'libmime';
import { MailParser, type AddressObject, type AttachmentStream, type HeaderLines, type Headers } from 'mailparser';
import type { BlobStore } from '../store/blobs.js';
import { MAX_HTML_CHARS } from './visible-text/limits.js';
import { htmlToText } from './visible-text/html-to-text.js';
import { unescapedPathName, type RawHeaderLine } from './raw-filename.js';

// mailparser's simpleParser buffers every attachment whole (and then some: +240 MB on a 34 MiB mail). This runs
// its streaming MailParser the same way simpleParser does, but lets big attachments flow straight into the blob
// store, so a big mail's content is never held in memory.

/** What simpleParser returns, minus what we never read. */
export interface ParserOutput {
  headers: Headers;
  headerLines: HeaderLines;
  subject?: string;
  from?: AddressObject;
  to?: AddressObject | AddressObject[];
  cc?: AddressObject | AddressObject[];
  messageId?: string;
  inReplyTo?: string;
  references?: string | string[];
  date?: Date;
  text?: string;
  html?: string | false;
  attachments: TakenAttachment[];
}

export interface TakenAttachment {
  filename?: string;
  contentType: string;
  contentId?: string;
  contentDisposition?: string;
  related?: boolean;
  /** The part's Content-Transfer-Encoding, lower-cased: mailparser leaves x-uuencode undecoded (uuencode.ts). */
  transferEncoding?: string;
  /** The decoded bytes; for a part streamed to the store only its first `inMemoryBytes` (what classifiers read). */
  content: Buffer;
  /** Set when the part went to the blob store: its hash (null when above `maxBytes`: not kept) and its size. */
  streamed?: { sha256: string | null; size: number };
}

/** Where attachments above `inMemoryBytes` go; without it every attachment is kept in memory (small mails). */
export interface AttachmentSpill {
  blobs: BlobStore;
  inMemoryBytes: number;
  /** MAX_ATTACHMENT_BYTES: a bigger part is read through but not stored (it stays in the raw mail). */
  maxBytes: number;
}

/**
 * How a parse takes attachments: all in memory (undefined: a small mail), the big ones into the blob store (a big
 * mail), or none, read through and dropped ('drop': a big mail read again for its text alone).
 */
export type AttachmentTaking = AttachmentSpill | 'drop' | undefined;

const PARSER_OPTIONS = { skipImageLinks: true, skipTextToHtml: true, keepCidLinks: true, checksumAlgo: false } as const;

/** A part's node as mailparser's internal createNode makes it: its decoder, its headers and raw header lines. */
type PartNode = { decoder?: Writable; headers?: object; headerLines?: RawHeaderLine[] | false };

/**
 * Shows `see` each part's node as mailparser makes it (createNode, its internal method: left alone if it is renamed,
 * and the parse goes on as mailparser does it). One wrapper for every use: it runs for every part of every mail.
 */
function onEachPart(parser: MailParser, see: (node: PartNode) => void): void {
  const internal = parser as unknown as { createNode?: (data: unknown) => PartNode };
  const createNode = internal.createNode;
  if (typeof createNode !== 'function') return;
  internal.createNode = function (this: unknown, data: unknown) {
    const node = createNode.call(this, data);
    see(node);
    return node;
  };
}

/**
 * mailparser ends a part's decoder again at the boundary after it and at the end of the mail (about once a mail).
 * Node then builds an ERR_STREAM_ALREADY_FINISHED error, with a full stack trace, that nobody reads: 2% of a
 * backlog's preparation in its profile. A second end() without arguments does nothing else, so it is skipped.
 */
function endDecoderOnce(node: PartNode): void {
  const decoder = node.decoder;
  if (!decoder) return;
  const end = decoder.end;
  decoder.end = function (this: Writable, ...args: unknown[]) {
    return args.length === 0 && this.writableEnded ? this : (end as (...a: unknown[]) => Writable).apply(this, args);
  } as Writable['end'];
}

/**
 * The name of a part whose header wrote a Windows path unescaped (raw-filename.ts), by the part's headers, which
 * mailparser hands on as the attachment's: only createNode sees a part's raw header lines.
 */
function keepPathName(names: WeakMap<object, string>, node: PartNode): void {
  const name = unescapedPathName(node.headerLines);
  if (name !== null && node.headers) names.set(node.headers, name);
}

/**
 * Reads one attachment: whole into memory, or, past `spill.inMemoryBytes`, into the blob store; null: dropped.
 * (A big winmail.dat's files are taken the same way: tnef-stream-read.ts.)
 */
export async function takeContent(stream: AsyncIterable<Buffer>, spill: AttachmentTaking): Promise<Pick<TakenAttachment, 'content' | 'streamed'> | null> {
  if (spill === 'drop') {
    for await (const chunk of stream) void chunk;
    return null;
  }
  const chunks: Buffer[] = [];
  let length = 0;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { content: Buffer.concat(chunks, length) };
    chunks.push(next.value);
    length += next.value.length;
    if (spill && length > spill.inMemoryBytes) {
      const head = Buffer.concat(chunks, length).subarray(0, spill.inMemoryBytes);
      const rest = async function* (): AsyncGenerator<Buffer> {
        let done = false;
        try {
          while (chunks.length > 0) yield chunks.shift() as Buffer;
          for (let item = await iterator.next(); !item.done; item = await iterator.next()) yield item.value;
          done = true;
        } finally {
          // The store gave up (a write failed): the source is closed too, not left open (a blob's file handle).
          if (!done) await iterator.return?.();
        }
      };
      return { content: Buffer.from(head), streamed: await spill.blobs.putStream(rest(), spill.maxBytes) };
    }
  }
}

/**
 * Parses a mail given whole (a Buffer) or as a stream (read with backpressure: the parser waits for each
 * attachment to be taken before it reads on). Rejects on the first parser or input error, or after `timeoutMs`.
 */
export function runMailParser(input: Buffer | Readable, spill: AttachmentTaking, timeoutMs: number, timeoutError: () => Error): Promise<ParserOutput> {
  return new Promise<ParserOutput>((resolve, reject) => {
    const parser = new MailParser(PARSER_OPTIONS);
    const pathNames = new WeakMap<object, string>();
    onEachPart(parser, (node) => {
      endDecoderOnce(node);
      keepPathName(pathNames, node);
    });
    const mail: Partial<ParserOutput> & { attachments: TakenAttachment[] } = { attachments: [] };
    let settled = false;
    /** The attachment being taken: on a failure it is ended too, so its blob writer drops its temporary file. */
    let taking: Readable | null = null;
    const settle = (error: unknown, result?: ParserOutput) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        if (!Buffer.isBuffer(input)) input.destroy();
        taking?.destroy(error instanceof Error ? error : new Error(String(error)));
        parser.destroy();
        reject(error);
      } else resolve(result as ParserOutput);
    };
    const timer = setTimeout(() => settle(timeoutError()), timeoutMs);
    parser.on('error', (error) => settle(error));
    parser.on('headers', (headers: Headers) => {
      mail.headers = headers;
      mail.headerLines = parser.headerLines || [];
    });
    let reading = false;
    const reader = (): void => {
      reading = true;
      for (;;) {
        const data = parser.read() as ({ type: 'text'; text?: string; html?: string | false } | (AttachmentStream & { type: 'attachment' })) | null;
        if (data === null) {
          reading = false;
          return;
        }
        if (data.type === 'text') {
          if ('text' in data) mail.text = data.text;
          if ('html' in data) mail.html = data.html;
          continue;
        }
        // An attachment: the parser goes on only once it is released, so take it, then read on.
        const attachment = data;
        taking = attachment.content;
        takeContent(attachment.content, spill).then(
          (taken) => {
            taking = null;
            if (taken) {
              mail.attachments.push({
                filename: pathNames.get(attachment.headers) ?? attachment.filename, contentType: typeOf(attachment), contentId: attachment.contentId,
                contentDisposition: attachment.contentDisposition, related: attachment.related, ...taken,
                transferEncoding: transferEncodingOf(attachment),
              });
            }
            attachment.release?.();
            reader();
          },
          (error: unknown) => settle(error),
        );
        return;
      }
    };
    parser.on('readable', () => {
      if (!reading) reader();
    });
    parser.on('end', () => {
      const headers = mail.headers ?? (new Map() as Headers);
      const get = <T>(key: string) => (headers.has(key) ? (headers.get(key) as T) : undefined);
      settle(null, {
        ...mail,
        text: textOfHtmlOnly(parser, mail.html) ?? mail.text,
        headers,
        headerLines: mail.headerLines ?? [],
        subject: get('subject'), from: get('from'), to: get('to'), cc: get('cc'), messageId: get('message-id'),
        inReplyTo: get('in-reply-to'), references: get('references'), date: get('date'),
      });
    });
    if (Buffer.isBuffer(input)) parser.end(input);
    else input.once('error', (error) => settle(error)).pipe(parser);
  });
}

/**
 * The text of a mail written in HTML alone, by the scanner the visible text uses (it keeps a table's cells and rows
 * apart, and a blockquote as "> " lines). mailparser's own conversion glued a table's cells and rows into one word
 * ("Impacto:AltoUrgencia:Alta"): the agent read that, and the severity stated in it was lost. Undefined for a mail
 * with a text/plain part (its text is what was written) and for HTML past the scanner's bound (mailparser's stays).
 */
function textOfHtmlOnly(parser: MailParser, html: string | false | undefined): string | undefined {
  if ((parser as unknown as { hasText?: boolean }).hasText !== false || typeof html !== 'string' || html.length > MAX_HTML_CHARS) return undefined;
  return htmlToText(html);
}

/**
 * A part's declared type; for "Content-Type:" with no value (mailparser says `false`), the type its name tells, as
 * mailparser does for application/octet-stream. Parsing failed on it, and the mail went to the quarantine.
 */
function typeOf(attachment: AttachmentStream): string {
  const declared: unknown = attachment.contentType;
  if (typeof declared === 'string' && declared !== '') return declared;
  return attachment.filename ? libmime.detectMimeType(attachment.filename) || 'application/octet-stream' : 'application/octet-stream';
}

function transferEncodingOf(attachment: AttachmentStream): string | undefined {
  const value = (attachment as { headers?: Map<string, unknown> }).headers?.get('content-transfer-encoding');
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}
