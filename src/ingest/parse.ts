import type { Readable } from 'node:stream';
import { ErrorCode, VentanillaError } from '../errors.js';
import { withTextCharsetsNamed } from './charset-repair.js';
import { charsetsToName, withTextCharsetsNamedStream } from './charset-repair-stream.js';
import { fromFieldCount } from './from-fields.js';
import { withParameterLinesFolded, withParameterLinesFoldedStream, withParameterLinesSeen } from './parameter-lines.js';
import { headerHasBareCr } from './raw-head.js';
import { withBareCrsAsCrlf } from './bare-cr-lines.js';
import { crCrLfAsCrlfStream, hasCrCrLf, linesAsRead, withCrCrLfAsCrlf } from './cr-cr-lf.js';
import { withFieldsRelaysSaw } from './fields-relays-saw.js';
import { withStreamedTnefRead } from './tnef-attachments.js';
import { runMailParser, type AttachmentSpill } from './mail-parser-run.js';
import { toInboundMail, type InboundMail } from './inbound-mail.js';

export type { Address, InboundAttachment, InboundMail } from './inbound-mail.js';

// How a mail's bytes are given to mailparser (in memory, or streamed from the blob store), with the lines the servers
// read (cr-cr-lf.ts, bare-cr-lines.ts), and read again when that reading lost something (a part's folded parameters,
// letters of an unnamed charset). What is taken of the parser's output is inbound-mail.ts's.

const PARSE_TIMEOUT_MS = 60_000;

const parseTimeout = () => new VentanillaError(ErrorCode.PARSE_FAILED, 'Parsing the mail took too long');

/** No text, no HTML, no attachment: perhaps a part's parameters lost their fold (parameter-lines.ts). */
const readNothing = (mail: InboundMail) => mail.text === '' && mail.html === null && mail.attachments.length === 0;

/** A mail in memory; its attachments are kept in memory too. */
export async function parseMail(input: Buffer): Promise<InboundMail> {
  // CR CR LF line ends read as the servers read them, CRLFs (cr-cr-lf.ts): everything below reads those lines.
  // Old Mac mail (bare CR line ends, also with LF lines a relay added) read whole as one header line by mailparser
  // (bare-cr-lines.ts); its trust fields read as the servers read them too, as those of any header with a bare CR
  // (the parser trims a field's name: `\rFrom:` is a From to it, not to a server).
  const { lines, bareCrs } = linesAsRead(input);
  const read = await parseLines(bareCrs === 'line-ends' ? withBareCrsAsCrlf(lines) : lines, lines);
  return bareCrs !== null ? withFieldsRelaysSaw(read, lines) : read;
}

async function parseLines(raw: Buffer, lines: Buffer): Promise<InboundMail> {
  // Its From fields counted on its lines as the servers got them: an old Mac mail's made line ends read one way only (from-fields.ts).
  const counted = { fromFields: fromFieldCount(lines) };
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
 * the store as they are decoded. `start` is the mail's first bytes (UTF-7 detection, headers written in Latin-1);
 * bare-CR mail is not streamed. As parseMail does, a mail that read as nothing is streamed again with its
 * parameter lines folded back, and that reading taken (its attachments stored: the first found none); only when
 * the first reading saw such a line. When it lost letters, it is walked for the charsets of its text parts
 * (charset-repair-stream.ts) and, if one is to be named, read once more, streamed again with it named, for its
 * text alone (its attachments read through and dropped: they were taken already). Its big parts sent x-uuencode or
 * BinHex are decoded from the store (encoded-parts.ts); a big winmail.dat is then read from the store as a stream:
 * its files, and its body for a mail with no text of its own (tnef-attachments.ts).
 */
export async function parseMailStream(opened: () => Readable, start: Buffer, spill: AttachmentSpill): Promise<InboundMail> {
  // A mail in CR CR LF lines is read in CRLF lines, as parseMail reads it: told by its first MiB, its header's lines.
  const crCrLf = hasCrCrLf(start);
  const open = crCrLf ? () => crCrLfAsCrlfStream(opened()) : opened;
  const head = crCrLf ? withCrCrLfAsCrlf(start) : start;
  // Looked at on the way for a line to fold back: a mail read as nothing without one is not streamed again for nothing.
  const firstRead = withParameterLinesSeen(open());
  const once = await toInboundMail(() => runMailParser(firstRead.stream, spill, PARSE_TIMEOUT_MS, parseTimeout), head, spill);
  const refold = () => withParameterLinesFoldedStream(open());
  const refolded = readNothing(once) && firstRead.found() ? await readChanged(refold(), spill, head) : null;
  const reopen = refolded ? () => refold().stream : open;
  const read = await withLettersKept(refolded ?? once, async () => {
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

