import iconv from 'iconv-lite';
import { isUtf8 } from 'node:buffer';

// Headers are ASCII by RFC 5322, but old clients write Latin-1 bytes raw, even inside encoded words
// ("=?iso-8859-1?Q?Fr\xF6sche?="), and Outlook 2000 wrote UTF-7 encoded words. mailparser reads header bytes as
// UTF-8 (the Latin-1 letters become U+FFFD, and inside an encoded word its UTF-8 bytes, "ï¿½") and leaves UTF-7
// undecoded. For such a header only, this reads the value again from the mail's own bytes: each encoded word in
// its declared charset, the text around them as Windows-1252 (the usual legacy charset of the desk's customers).

/** How much of the mail's start is searched for its header block. */
const HEADER_SCAN_BYTES = 256 * 1024;
const ENCODED_WORD = /=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=/g;
/** A UTF-7 encoded word: mailparser leaves it as written; Outlook also named the charset "unicode-1-1-utf-7". */
const UTF7_WORD = /=\?(?:unicode-1-1-)?utf-7(?:\*[^?]*)?\?/i;

/** Did mailparser lose letters of this header line (or leave UTF-7 in it)? A cheap check on its own output. */
export function lostLetters(line: string): boolean {
  return line.includes('\uFFFD') || line.includes('ï¿½') || UTF7_WORD.test(line);
}

/** The raw bytes of the first `name` header of the block at the start of `head`, unfolded; null if absent. */
function rawHeader(head: Buffer, name: string): Buffer | null {
  const text = head.subarray(0, HEADER_SCAN_BYTES).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const block = end === -1 ? text : text.slice(0, end);
  const match = new RegExp(`(?:^|\\n)${name}[ \\t]*:([^\\n]*(?:\\r?\\n[ \\t][^\\n]*)*)`, 'i').exec(block);
  return match ? Buffer.from((match[1] as string).replace(/\r?\n(?=[ \t])/g, '').replace(/\r$/, '').trim(), 'latin1') : null;
}

function decodeBytes(bytes: Buffer, charset: string): string {
  const name = charset.split('*')[0]?.toLowerCase() ?? '';
  return iconv.decode(bytes, iconv.encodingExists(name) ? name : 'windows-1252');
}

/** One encoded word's payload as bytes: Q keeps raw 8-bit bytes as they are, B is base64. */
function payloadBytes(kind: string, payload: string): Buffer {
  if (kind.toUpperCase() === 'B') return Buffer.from(payload, 'base64');
  const latin1 = payload.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(latin1, 'latin1');
}

/**
 * The header's value read from the mail's bytes, when they are not UTF-8 or hold UTF-7 encoded words; null when
 * mailparser's reading stands (the header is absent, or its bytes are valid UTF-8 without UTF-7).
 */
export function legacyHeaderValue(head: Buffer, name: string): string | null {
  const raw = rawHeader(head, name);
  if (!raw) return null;
  const text = raw.toString('latin1');
  if (isUtf8(raw) && !UTF7_WORD.test(text)) return null;
  // Text around the encoded words: UTF-8 if the bytes are (a UTF-7 word in a UTF-8 header), else Windows-1252.
  const plain = isUtf8(raw) ? 'utf-8' : 'windows-1252';
  let out = '';
  let last = 0;
  let previousWordEnd = -1;
  for (const match of text.matchAll(ENCODED_WORD)) {
    const between = text.slice(last, match.index);
    // Whitespace between two encoded words is not part of the text (RFC 2047 section 6.2).
    if (!(previousWordEnd === last && /^[ \t]*$/.test(between))) out += decodeBytes(Buffer.from(between, 'latin1'), plain);
    out += decodeBytes(payloadBytes(match[2] as string, match[3] as string), match[1] as string);
    last = match.index + match[0].length;
    previousWordEnd = last;
  }
  out += decodeBytes(Buffer.from(text.slice(last), 'latin1'), plain);
  return out.replace(/[\r\n]+/g, ' ').trim();
}

/** The display name of an address header ("José Muñoz" of `=?iso-8859-1?Q?Jos=E9?= Mu\xF1oz <jose@x>`), read the same way. */
export function legacyDisplayName(head: Buffer, name: string): string | null {
  const value = legacyHeaderValue(head, name);
  const match = value === null ? null : /^\s*"?([^"<]*?)"?\s*<[^>]*>\s*$/.exec(value);
  return match?.[1]?.trim() || null;
}

/**
 * The subject as decoded from its header line (`line`, read as UTF-8 the way mailparser reads it), or read again
 * from the mail's bytes when that lost letters: what the full parse and the peek at a too-large mail both show.
 */
export function subjectWithLetters(head: Buffer, line: string, decoded: string): string {
  return (lostLetters(line) || lostLetters(decoded) ? legacyHeaderValue(head, 'subject') : null) ?? rawUtf7(head, decoded) ?? decoded;
}

/**
 * A character UTF-7 decoding gives only from a run that was not UTF-7: U+FFFD, a control character, half of a
 * surrogate pair alone ("+34600123456" gave U+DF8E and two CJK letters; SQLite and JSON keep no such half).
 */
const NOT_UTF7 = /[\uFFFD\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SHIFTED = /\+([A-Za-z0-9+/]*)(-?)/g;
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Whether every "+" starts a UTF-7 run: "+-", or base64 of whole UTF-16 units (fewer than 6 bits left over, and
 * those zero: RFC 2152's encoder pads with zero bits). iconv-lite reads any "+" as one, and "C++ y a+b" would
 * become "C y a".
 */
function shiftsAreUtf7(text: string): boolean {
  for (const [, run = '', dash] of text.matchAll(SHIFTED)) {
    const bits = run.length * 6;
    if (run === '' ? dash !== '-' : bits < 16 || bits % 16 >= 6) return false;
    if (run !== '' && (BASE64.indexOf(run.slice(-1)) & ((1 << bits % 16) - 1)) !== 0) return false;
  }
  return true;
}

/**
 * A subject or display name written in UTF-7 without an encoded word ("Subject: +AOE-rbol"), in a mail whose own
 * Content-Type declares charset=utf-7 (old Outlook and webmail did so): decoded as the body is (parse.ts), since the
 * sender declared it. Only a 7-bit value whose "+" runs are all UTF-7, and only when the result reads as text (a
 * "C++" in a mislabelled mail keeps its bytes); null otherwise.
 */
function rawUtf7(head: Buffer, decoded: string): string | null {
  const type = rawHeader(head, 'content-type')?.toString('latin1') ?? '';
  if (!/;\s*charset\s*=\s*"?(?:unicode-1-1-)?utf-7"?\s*(?:;|$)/i.test(type)) return null;
  return readAsUtf7(decoded);
}

/**
 * 7-bit text read as UTF-7, when it reads as such: every "+" run UTF-7 and the result text (no half of a surrogate
 * pair, no control character); null otherwise. Also the body's text (parse.ts): a Content-Type declaring UTF-7 may
 * be another part's (a forwarded mail's, a header line pasted in the text), not the text's own.
 */
export function readAsUtf7(text: string): string | null {
  if (!text.includes('+') || /[^\x00-\x7f]/.test(text) || !shiftsAreUtf7(text)) return null;
  const out = iconv.decode(Buffer.from(text, 'ascii'), 'utf7');
  return out !== text && !NOT_UTF7.test(out) ? out : null;
}

/** The From display name as decoded, or read again from the mail's bytes when that lost letters, or raw UTF-7 decoded. */
export function fromNameWithLetters(head: Buffer, name: string): string {
  return lostLetters(name) ? (legacyDisplayName(head, 'from') ?? name) : (rawUtf7(head, name) ?? name);
}
