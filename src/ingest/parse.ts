import libmime from 'libmime';
import type { Readable } from 'node:stream';
import type { AddressObject } from 'mailparser';
import { oneLine } from '../domain/one-line.js';
import { personName } from '../domain/display-name.js';
import { normaliseMessageId, parseIdList } from '../domain/thread-refs.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { withTextCharsetsNamed } from './charset-repair.js';
import { charsetsToName, withTextCharsetsNamedStream } from './charset-repair-stream.js';
import { enclosedMessageIds } from './enclosed-ids.js';
import { fromCountOf, fromFieldCount, type FromCount } from './from-fields.js';
import { withParameterLinesFolded, withParameterLinesFoldedStream, withParameterLinesSeen } from './parameter-lines.js';
import { safeFilename, storedContentType } from './attachment-names.js';
import { takeUuencodedFiles } from './uuencode.js';
import { withEncodedPartDecoded, withStreamedPartsDecoded } from './encoded-parts.js';
import { bareCrsIn, headerHasBareCr, UTF7_SCAN_BYTES } from './raw-head.js';
import { withBareCrsAsCrlf } from './bare-cr-lines.js';
import { withFieldsRelaysSaw } from './fields-relays-saw.js';
import { fromNameWithLetters, readAsUtf7, subjectWithLetters } from './legacy-headers.js';
import { withStreamedTnefRead, withTnefRead } from './tnef-attachments.js';
import { runMailParser, type AttachmentSpill, type ParserOutput, type TakenAttachment } from './mail-parser-run.js';

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

const PARSE_TIMEOUT_MS = 60_000;

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


const parseTimeout = () => new VentanillaError(ErrorCode.PARSE_FAILED, 'Parsing the mail took too long');

/** No text, no HTML, no attachment: perhaps a part's parameters lost their fold (parameter-lines.ts). */
const readNothing = (mail: InboundMail) => mail.text === '' && mail.html === null && mail.attachments.length === 0;

/** A mail in memory; its attachments are kept in memory too. */
export async function parseMail(input: Buffer): Promise<InboundMail> {
  // Old Mac mail (bare CR line ends, also with LF lines a relay added) read whole as one header line by mailparser
  // (bare-cr-lines.ts); its trust fields read as the servers read them too, as those of any header with a bare CR
  // (the parser trims a field's name: `\rFrom:` is a From to it, not to a server).
  const bareCrs = bareCrsIn(input);
  const read = await parseLines(bareCrs === 'line-ends' ? withBareCrsAsCrlf(input) : input, input);
  return bareCrs !== null ? withFieldsRelaysSaw(read, input) : read;
}

async function parseLines(raw: Buffer, input: Buffer): Promise<InboundMail> {
  // Its From fields counted on the bytes as they came: an old Mac mail's made line ends read one way only (from-fields.ts).
  const counted = { fromFields: fromFieldCount(input) };
  const mail = await toInboundMail(() => runMailParser(raw, undefined, PARSE_TIMEOUT_MS, parseTimeout), raw, undefined, counted);
  // Nothing read at all: perhaps a part's parameters lost their fold. Only then (the repair could touch a
  // body line), the mail is read again with them folded back.
  const repaired = readNothing(mail) ? withParameterLinesFolded(raw) : null;
  const read = repaired ? await toInboundMail(() => runMailParser(repaired, undefined, PARSE_TIMEOUT_MS, parseTimeout), repaired, undefined, counted) : mail;
  const kept = repaired ?? raw;
  return withLettersKept(read, async () => {
    const named = withTextCharsetsNamed(kept);
    return named ? toInboundMail(() => runMailParser(named, undefined, PARSE_TIMEOUT_MS, parseTimeout), named, undefined, counted) : null;
  });
}

const REPLACEMENT = /\uFFFD/g;
const replacements = (s: string | null) => s?.match(REPLACEMENT)?.length ?? 0;
const hasReplacementChar = (s: string | null) => s?.includes('\uFFFD') ?? false;

/**
 * Letters mailparser could not read (U+FFFD: Latin-1 bytes in a part without a charset, or declared UTF-8, or an
 * HTML part whose charset is only in its <meta>): the mail read again with those parts' charsets named
 * (`readNamed`: charset-repair.ts; null when no part's is), and its text and HTML taken from that reading where it
 * lost fewer letters. Big and small mails alike: the same mail must read the same whatever its attachment's size.
 */
async function withLettersKept(mail: InboundMail, readNamed: () => Promise<InboundMail | null>): Promise<InboundMail> {
  // Every mail passes here: a search for the character, not a count of them.
  if (!hasReplacementChar(mail.text) && !hasReplacementChar(mail.html)) return mail;
  const again = await readNamed();
  if (!again) return mail;
  return {
    ...mail,
    text: replacements(again.text) < replacements(mail.text) ? again.text : mail.text,
    html: again.html !== null && replacements(again.html) < replacements(mail.html) ? again.html : mail.html,
  };
}

/**
 * A big mail read as a stream (`open`: from the blob store), its attachments above `spill.inMemoryBytes` written to
 * the store as they are decoded. `head` is the mail's first bytes (UTF-7 detection, headers written in Latin-1);
 * bare-CR mail is not streamed. As parseMail does, a mail that read as nothing is streamed again with its
 * parameter lines folded back, and that reading taken (its attachments stored: the first found none); only when
 * the first reading saw such a line. When it lost letters, it is walked for the charsets of its text parts
 * (charset-repair-stream.ts) and, if one is to be named, read once more, streamed again with it named, for its
 * text alone (its attachments read through and dropped: they were taken already). Its big parts sent x-uuencode or
 * BinHex are decoded from the store (encoded-parts.ts); a big winmail.dat is then read from the store as a stream:
 * its files, and its body for a mail with no text of its own (tnef-attachments.ts).
 */
export async function parseMailStream(open: () => Readable, head: Buffer, spill: AttachmentSpill): Promise<InboundMail> {
  // Looked at on the way for a line to fold back: a mail read as nothing without one is not streamed again for nothing.
  const firstRead = withParameterLinesSeen(open());
  const first = await toInboundMail(() => runMailParser(firstRead.stream, spill, PARSE_TIMEOUT_MS, parseTimeout), head, spill);
  const refold = () => withParameterLinesFoldedStream(open());
  const refolded = readNothing(first) && firstRead.found() ? await readChanged(refold(), spill, head) : null;
  const reopen = refolded ? () => refold().stream : open;
  const read = await withLettersKept(refolded ?? first, async () => {
    // Walked for its text parts' charsets first (cheap: no parser, no attachment decoded), parsed again only if one is named.
    const toName = await charsetsToName(reopen());
    return toName ? toInboundMail(() => runMailParser(withTextCharsetsNamedStream(reopen(), toName), 'drop', PARSE_TIMEOUT_MS, parseTimeout), head) : null;
  });
  const mail = { ...read, ...(await withStreamedTnefRead({ text: read.text, html: read.html }, read.attachments, spill)) };
  // Its trust fields as the servers read them too, when its header holds a bare CR (parseMail).
  return headerHasBareCr(head) ? withFieldsRelaysSaw(mail, head) : mail;
}

/** The mail read from a repairing stream, or null when the repair changed nothing (the reading is the first's). */
async function readChanged(repairing: { stream: Readable; changed: () => boolean }, spill: AttachmentSpill, head: Buffer): Promise<InboundMail | null> {
  const again = await toInboundMail(() => runMailParser(repairing.stream, spill, PARSE_TIMEOUT_MS, parseTimeout), head, spill);
  return repairing.changed() ? again : null;
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
async function toInboundMail(run: () => Promise<ParserOutput>, head: Buffer, spill?: AttachmentSpill, counted?: { fromFields: FromCount }): Promise<InboundMail> {
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
