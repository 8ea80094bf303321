// What is read of a raw mail's bytes before it is parsed. Apart from the parser (parse.ts): the recording
// thread reads a big mail's head (pipeline.ts) without loading mailparser.

/** How far into a mail a `charset=utf-7` is looked for. */
export const UTF7_SCAN_BYTES = 1024 * 1024;

/** Bare CRs are most of the line ends (a stray CR inside a CRLF mail is left alone). */
export function endsLinesWithBareCr(raw: Buffer): boolean {
  // Counted on the bytes: every mail passes here, and a copy of it as text with two regex scans (an array of
  // every line end) showed in the preparation worker's profile.
  let bareCrs = 0;
  for (let at = raw.indexOf(0x0d); at !== -1; at = raw.indexOf(0x0d, at + 1)) if (raw[at + 1] !== 0x0a) bareCrs++;
  if (bareCrs === 0) return false;
  let lineFeeds = 0;
  for (let at = raw.indexOf(0x0a); at !== -1 && lineFeeds < bareCrs; at = raw.indexOf(0x0a, at + 1)) lineFeeds++;
  return bareCrs > lineFeeds;
}

/**
 * Whether the mail is read with its bare CRs as line ends (parse.ts): an old Mac mail, whose line ends are bare CRs,
 * also when a relay added LF or CRLF lines to it (its trace fields on top, a body rewritten in LF lines, a stray LF):
 * counted, its LFs were as many as its bare CRs, and mailparser read the whole Mac part as one header line (no
 * sender: quarantined, or a sender and subject taken from the wrong text). Such a mail is told by its header block as
 * a reader of LF lines reads it: it holds a field line ended by a bare CR (`To: b\rSubject:`), or an empty bare-CR
 * line (`\r\r`; not the `\r\r\n` a broken mailer ends its lines with). A mail of LF or CRLF lines with a stray CR
 * (in its text; `From: a\r\n\rFrom: b`, `From\r: b`) is read as before, so a mail read today reads the same.
 */
export function bareCrsEndLines(raw: Buffer): boolean {
  return bareCrsIn(raw) === 'line-ends';
}

/**
 * Both questions parse.ts asks of a mail in one pass over its header block: its bare CRs are its line ends
 * (bareCrsEndLines), or its header block holds a bare CR all the same (headerHasBareCr); null for neither.
 */
export function bareCrsIn(raw: Buffer): 'line-ends' | 'in-header' | null {
  if (endsLinesWithBareCr(raw)) return 'line-ends';
  // Every mail passes here: a header block without a bare CR (nearly all) is not copied as text, and only the bytes a
  // header block may take are searched for its end (an LF mail has no "\n\r\n": its whole body was searched).
  const head = lfHeaderEnd(raw.subarray(0, BARE_CR_HEADER_BYTES));
  if (!hasBareCr(head)) return null;
  const block = head.toString('latin1');
  return BARE_CR_FIELD_LINE.test(block) || /\r\r(?!\n)/.test(block) ? 'line-ends' : 'in-header';
}

/**
 * Whether the header block, as a reader of LF lines ends it, holds a bare CR: where a field may be read otherwise
 * than the servers read it (`\rFrom:` is a From field to the parser; fields-relays-saw.ts). On the bytes: every
 * mail passes here.
 */
export function headerHasBareCr(raw: Buffer): boolean {
  return hasBareCr(lfHeaderEnd(raw.subarray(0, BARE_CR_HEADER_BYTES)));
}

function hasBareCr(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(0x0d); at !== -1; at = bytes.indexOf(0x0d, at + 1)) if (bytes[at + 1] !== 0x0a) return true;
  return false;
}

/** How much of a header block of LF lines is looked at for bare-CR lines: as much as the parser takes. */
const BARE_CR_HEADER_BYTES = UTF7_SCAN_BYTES;
/** A field line ended by a bare CR, the next field's name and colon after it (one way to match: linear). */
const BARE_CR_FIELD_LINE = /[^\r\n]\r[!-9;-~]+[ \t]*:/;

/** The header block as mailsplit ends it: at the first LF-ended line that is empty or a lone CR (header-end.ts). */
function lfHeaderEnd(raw: Buffer): Buffer {
  if (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a)) return raw.subarray(0, 0);
  // A CRLF mail's empty line first, then an LF one before it: a CRLF mail is not scanned whole for "\n\n".
  const crlf = raw.indexOf('\n\r\n');
  const lf = (crlf === -1 ? raw : raw.subarray(0, crlf + 1)).indexOf('\n\n');
  // The last field's line end stays with it: cut before its LF, every CRLF mail's last field kept a bare CR.
  return raw.subarray(0, lf !== -1 ? lf + 1 : crlf !== -1 ? crlf + 1 : raw.length);
}
