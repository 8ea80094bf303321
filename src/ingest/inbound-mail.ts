import libmime from 'libmime';
import type { AddressObject } from 'mailparser';
import { oneLine } from '../domain/one-line.js';
import { personName } from '../domain/display-name.js';
import { normaliseMessageId, parseIdList } from '../domain/thread-refs.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { enclosedMessageIds } from './enclosed-ids.js';
import { fromCountOf, fromFieldCount, type FromCount } from './from-fields.js';
import { safeFilename, storedContentType } from './attachment-names.js';
import { takeUuencodedFiles } from './uuencode.js';
import { withEncodedPartDecoded, withStreamedPartsDecoded } from './encoded-parts.js';
import { UTF7_SCAN_BYTES } from './raw-head.js';
import { fromNameWithLetters, readAsUtf7, subjectWithLetters } from './legacy-headers.js';
import { withTnefRead } from './tnef-attachments.js';
import type { AttachmentSpill, ParserOutput, TakenAttachment } from './mail-parser-run.js';

// What the pipeline reads of a mail: mailparser's output made an InboundMail (its addresses, header fields,
// attachments, its text with uuencoded files taken out and UTF-7 decoded). How the mail's bytes are given to the
// parser, and read again when that reading lost something, is parse.ts's.

export interface Address {
  address: string;
  name: string | null;
}

export interface InboundAttachment {
  filename: string;
  contentType: string;
  /** The decoded bytes; of a part streamed to the blob store (`streamed`), only its first bytes. */
  content: Buffer;
  contentId: string | null;
  inline: boolean;
  /**
   * Only for a big part of a big mail, written to the blob store while the mail was parsed: its hash (null
   * when above MAX_ATTACHMENT_BYTES, then not stored) and its size. Absent: `content` is the whole part.
   */
  streamed?: { sha256: string | null; size: number };
}

/** The parts of a mail the pipeline reads; headers are lower-cased names with their raw (unfolded) values. */
export interface InboundMail {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  from: Address | null;
  /**
   * How many addresses the From header names: more than one is a forgery's trick, or at least unverifiable. UNENDED
   * (from-fields.ts): the header block does not end within the bytes read, believed from no one as well.
   */
  fromCount: FromCount;
  to: Address[];
  cc: Address[];
  /** The Reply-To addresses (a web form's customer: stages/web-form.ts); absent in mails built by hand. */
  replyTo?: Address[];
  /** Its From is read only past a bare CR, not by the servers (fields-relays-saw.ts, stages/unseen-from.ts). */
  fromUnseenByServers?: true;
  /** Every address the mail was delivered to: To, Cc, Delivered-To, X-Original-To, Envelope-To. */
  recipients: string[];
  subject: string;
  date: Date | null;
  text: string;
  html: string | null;
  attachments: InboundAttachment[];
  headers: Map<string, string[]>;
  /** Message-IDs of the messages it encloses (message/rfc822 parts), from the raw bytes: a bounce's original. */
  enclosedMessageIds: string[];
}

function addresses(value: AddressObject | AddressObject[] | undefined): Address[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const out: Address[] = [];
  const walk = (entries: AddressObject['value']) => {
    for (const entry of entries) {
      if (entry.group) walk(entry.group);
      else if (entry.address && entry.address.includes('@')) {
        out.push({ address: entry.address.trim().toLowerCase(), name: personName(entry.name, entry.address) });
      }
    }
  };
  for (const item of list) walk(item.value);
  return out;
}

function rawHeaders(lines: ReadonlyArray<{ key: string; line: string }>): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const { key, line } of lines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    const name = key.toLowerCase();
    const values = headers.get(name);
    if (values) values.push(value);
    else headers.set(name, [value]);
  }
  return headers;
}

/**
 * The extension an unnamed attachment gets from its type: a forwarded mail (message/rfc822) or a pasted
 * screenshot without a name were "attachment-2", which the agent's computer does not know how to open.
 */
const EXTENSION_OF_TYPE: Record<string, string> = {
  'message/rfc822': '.eml', 'message/global': '.eml', 'text/calendar': '.ics', 'text/plain': '.txt', 'text/csv': '.csv',
  'application/pdf': '.pdf', 'application/zip': '.zip', 'application/xml': '.xml', 'text/xml': '.xml',
  'image/png': '.png', 'image/jpeg': '.jpg', 'image/gif': '.gif', 'image/webp': '.webp',
};

function toAttachment(taken: TakenAttachment, index: number): InboundAttachment {
  const a = withEncodedPartDecoded(taken);
  const type = (a.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const filename = safeFilename(a.filename, `attachment-${index + 1}${EXTENSION_OF_TYPE[type] ?? ''}`);
  return {
    filename,
    contentType: storedContentType(a.contentType, filename),
    content: a.content,
    contentId: normaliseMessageId(a.contentId ?? null),
    // Part of the body: shown by the HTML (multipart/related, or a Content-ID it can name). Apple Mail marks every
    // file the customer attaches "inline" (it shows them in the text), with no Content-ID: those are attachments.
    inline: Boolean(a.related) || (a.contentDisposition === 'inline' && Boolean(a.contentId)),
    ...(a.streamed ? { streamed: a.streamed } : {}),
  };
}

/** Files uuencoded in the text itself: taken out of it (the agent read their lines as the message) and attached. */
function withUuencodedFilesTaken(text: string, attachments: InboundAttachment[]): { text: string; attachments: InboundAttachment[] } {
  const taken = takeUuencodedFiles(text);
  if (taken.files.length === 0) return { text, attachments };
  const files = taken.files.map((file, i): InboundAttachment => {
    const filename = safeFilename(file.name, `attachment-${attachments.length + i + 1}`);
    return { filename, contentType: storedContentType(libmime.detectMimeType(filename), filename), content: file.content, contentId: null, inline: false };
  });
  return { text: taken.text, attachments: [...attachments, ...files] };
}


/** A Content-Type field at a line's start, with its folded lines (one way to match: linear). */
const CONTENT_TYPE_FIELD = /^content-type:([^\n]*(?:\n[ \t][^\n]*)*)/gim;
const UTF7_CHARSET = /charset\s*=\s*"?(?:unicode-1-1-)?utf-7/i;

/**
 * Whether a Content-Type (the mail's or a part's) declares UTF-7: not the words "charset=utf-7" anywhere (a body
 * that mentions them, a quoted header block), which had the whole text read as UTF-7 ("C++" became "C").
 */
function declaresUtf7(text: string): boolean {
  for (const [, value = ''] of text.matchAll(CONTENT_TYPE_FIELD)) if (UTF7_CHARSET.test(value)) return true;
  return false;
}

/**
 * mailparser refuses to decode UTF-7 (it can smuggle "<script>" past HTML filters). Plain text is safe to
 * decode: it is only ever shown escaped. HTML parts stay undecoded.
 */
function decodeUtf7Text(head: Buffer, text: string): string {
  // The declaration found may be another part's (a forwarded mail's): the text is decoded only when it reads as UTF-7.
  if (text.includes('+') && !/[^\x00-\x7f]/.test(text) && declaresUtf7(head.subarray(0, UTF7_SCAN_BYTES).toString('latin1'))) {
    return readAsUtf7(text) ?? text;
  }
  return text;
}


/**
 * The Date header's instant, or null without one that can be read. mailparser gives a Date it cannot read
 * ("Lun, 19 Ene 2026": a mailer's Spanish names) the instant it parses the mail, so two copies of one mail had two
 * dates, and the second was taken for another mail under the same Message-ID (stages/reused-message-id.ts).
 */
function writtenDate(parsed: Date | undefined, written: string | undefined): Date | null {
  if (!parsed || Number.isNaN(parsed.getTime())) return null;
  return written !== undefined && Number.isNaN(new Date(written).getTime()) ? null : parsed;
}

/**
 * `spill`: where a big mail's big parts went, for those sent x-uuencode or BinHex to be decoded from (encoded-parts.ts).
 * `counted`: its From fields counted on its whole bytes as they came (parseMail); without it, `head` is only a streamed
 * mail's first bytes (parseMailStream), in which its header block must end (from-fields.ts UNENDED).
 */
export async function toInboundMail(run: () => Promise<ParserOutput>, head: Buffer, spill?: AttachmentSpill, counted?: { fromFields: FromCount }): Promise<InboundMail> {
  try {
    const parsed = await run();
    const taken = spill ? await withStreamedPartsDecoded(parsed.attachments, spill) : parsed.attachments;
    const headers = rawHeaders(parsed.headerLines ?? []);
    const to = addresses(parsed.to);
    const cc = addresses(parsed.cc);
    const delivered = ['delivered-to', 'x-original-to', 'envelope-to']
      .flatMap((name) => headers.get(name) ?? [])
      .map((v) => v.replace(/[<>]/g, '').trim().toLowerCase());
    const fromAddresses = addresses(parsed.from);
    const parsedFrom = fromAddresses[0] ?? null;
    const from = parsedFrom?.name ? { ...parsedFrom, name: personName(fromNameWithLetters(head, parsedFrom.name), parsedFrom.address) } : parsedFrom;
    const subjectLine = parsed.headerLines?.find((l) => l.key === 'subject')?.line ?? '';
    const uuTaken = withUuencodedFilesTaken(decodeUtf7Text(head, parsed.text ?? ''), taken.map(toAttachment));
    const subject = subjectWithLetters(head, subjectLine, parsed.subject ?? '');
    return {
      messageId: normaliseMessageId(parsed.messageId),
      inReplyTo: parseIdList(parsed.inReplyTo).at(-1) ?? null,
      references: parseIdList(parsed.references),
      from,
      // A second From field (from-fields.ts) is a second sender: the mail is believed from no one (analyse-mail.ts).
      // Without `counted`, `head` is a streamed mail's first MiB: its block must end within it.
      fromCount: fromCountOf(fromAddresses.length, counted?.fromFields ?? fromFieldCount(head, 'start')),
      to,
      cc,
      replyTo: addresses(parsed.headers.get('reply-to') as AddressObject | undefined),
      recipients: [...new Set([...to, ...cc].map((a) => a.address).concat(delivered))],
      subject: oneLine(subject),
      date: writtenDate(parsed.date, headers.get('date')?.[0]),
      ...(await withTnefRead({ text: uuTaken.text, html: typeof parsed.html === 'string' ? parsed.html : null }, uuTaken.attachments)),
      headers,
      enclosedMessageIds: enclosedMessageIds(head),
    };
  } catch (error) {
    if (error instanceof VentanillaError) throw error;
    throw new VentanillaError(ErrorCode.PARSE_FAILED, `The mail could not be parsed: ${(error as Error).message}`, {}, { cause: error });
  }
}
