/**
 * Bounded text helpers shared by the bounce / complaint / auto-reply classifiers.
 *
 * Every scan here is linear in its (capped) input: addresses are found by expanding around '@' rather than
 * with a regex that could backtrack over long runs of address characters, and lines are cut to a fixed length.
 */

/** At most this many characters of any one text (body, report part, attached headers) are looked at. */
export const MAX_SCAN_CHARS = 64 * 1024;
/** At most this many lines of one text. */
export const MAX_LINES = 1_500;
/** Lines are cut to this length before any regex sees them. */
export const MAX_LINE_CHARS = 1_000;
/** Per-recipient diagnostics are cut to this length. */
export const MAX_DIAGNOSTIC_CHARS = 500;

export function bounded(text: string | null | undefined, max = MAX_SCAN_CHARS): string {
  if (!text) return '';
  return text.length > max ? text.slice(0, max) : text;
}

export function toLines(text: string): string[] {
  const lines = bounded(text).split(/\r\n|\r|\n/, MAX_LINES);
  return lines.map((l) => (l.length > MAX_LINE_CHARS ? l.slice(0, MAX_LINE_CHARS) : l));
}

/** Bytes of a report part or attached message as text: UTF-8 when it decodes cleanly, Latin-1 otherwise. */
export function decodeBytes(content: Buffer, max = MAX_SCAN_CHARS): string {
  const slice = content.subarray(0, max);
  const utf8 = slice.toString('utf8');
  return utf8.includes('\uFFFD') ? slice.toString('latin1') : utf8;
}

export const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

// ---------------------------------------------------------------------------------------------------------------
// Addresses

const LOCAL_CHAR = /[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]/;
const DOMAIN_CHAR = /[A-Za-z0-9.-]/;

export interface FoundAddress {
  address: string;
  /** Index of the first character of the address in the scanned string. */
  start: number;
  end: number;
}

/** The plausible addresses in a string, in order, lower-cased. Linear: expands around each '@'. */
export function findAddresses(s: string, limit = 50): FoundAddress[] {
  const out: FoundAddress[] = [];
  let from = 0;
  while (out.length < limit) {
    const at = s.indexOf('@', from);
    if (at < 0) break;
    from = at + 1;
    let start = at;
    while (start > 0 && at - start < 128 && LOCAL_CHAR.test(s.charAt(start - 1))) start--;
    let end = at + 1;
    while (end < s.length && end - at < 256 && DOMAIN_CHAR.test(s.charAt(end))) end++;
    let local = s.slice(start, at);
    let domain = s.slice(at + 1, end);
    // Trim punctuation that belongs to the sentence, not to the address.
    while (local.startsWith('.')) {
      local = local.slice(1);
      start++;
    }
    while (/[.-]$/.test(domain)) {
      domain = domain.slice(0, -1);
      end--;
    }
    if (!isPlausible(local, domain)) continue;
    out.push({ address: `${local}@${domain}`.toLowerCase(), start, end });
    from = end;
  }
  return out;
}

function isPlausible(local: string, domain: string): boolean {
  if (local.length === 0 || local.length > 64 || local.endsWith('.') || local.includes('..')) return false;
  if (domain.length < 3 || domain.length > 253 || domain.includes('..')) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  const tld = labels[labels.length - 1] ?? '';
  // A TLD is letters (or an IDN "xn--" label); an all-digit one means an IP literal or a message id.
  if (!/^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/i.test(tld)) return false;
  return labels.every((l) => l.length > 0 && l.length <= 63 && !l.startsWith('-') && !l.endsWith('-'));
}

/** One address from a field value such as "rfc822; <a@b.example>" or "a@b.example", or null. */
export function addressIn(value: string | null | undefined): string | null {
  if (!value) return null;
  return findAddresses(bounded(value, 2_000), 1)[0]?.address ?? null;
}

const DAEMON_LOCAL = /^(?:mailer-?daemon|mail-?daemon|postmaster|post_master|mail\.delivery\.system|mailerdaemon|bounces?|mdaemon|double-bounce)$/i;

/** The local part names a delivery agent (MAILER-DAEMON, postmaster...). */
export function isDaemonAddress(address: string): boolean {
  const local = address.slice(0, address.lastIndexOf('@'));
  return DAEMON_LOCAL.test(local);
}

// ---------------------------------------------------------------------------------------------------------------
// SMTP status codes

/** An RFC 3463 enhanced status code ("5.1.1"), not part of a dotted IP address or version number. */
const STATUS_RE = /(?<![\w.\-/])([245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)/;
/** An SMTP reply code: three digits standing alone (not in an IP, a time, a date or a longer number). */
const REPLY_RE = /(?<![\w.\-+/#=@%$]|\d:)([245][0-5]\d)(?![\w.:/@%]|-\d{3,})/;
/** A reply code directly followed by an enhanced status code: the strongest evidence for both. */
const REPLY_WITH_STATUS_RE = /(?<![\w.\-+/#=@%$]|\d:)([245][0-5]\d)[ \t-]+#?([245]\.\d{1,3}\.\d{1,3})(?![\d]|\.\d)/;

export function findStatus(s: string): string | null {
  const paired = REPLY_WITH_STATUS_RE.exec(s);
  if (paired) return paired[2] ?? null;
  const m = STATUS_RE.exec(s);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : null;
}

export function findReplyCode(s: string): string | null {
  const paired = REPLY_WITH_STATUS_RE.exec(s);
  if (paired) return paired[1] ?? null;
  return REPLY_RE.exec(s)?.[1] ?? null;
}

/** "5.1.1 (user unknown)" -> "5.1.1"; anything that is not a status code -> null. */
export function normaliseStatus(value: string | null | undefined): string | null {
  if (!value) return null;
  const m = /^\s*([245])\.(\d{1,3})\.(\d{1,3})(?!\d)/.exec(value);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Header blocks (attached original messages, text/rfc822-headers parts, headers quoted in a bounce body)

/** The header fields at the top of a text, unfolded, lower-cased names; stops at the first empty line. */
export function parseHeaderBlock(text: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  let lastName: string | null = null;
  for (const line of toLines(text)) {
    if (line.trim() === '') {
      if (headers.size > 0) break;
      continue;
    }
    if (/^[ \t]/.test(line) && lastName) {
      const values = headers.get(lastName);
      if (values && values.length > 0) values[values.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const m = /^([!-9;-~]{1,76}):[ \t]*(.*)$/.exec(line);
    if (!m) {
      // Leading noise (an mbox "From " line) or a header folded without indentation: skip it.
      lastName = null;
      continue;
    }
    lastName = (m[1] as string).toLowerCase();
    headers.set(lastName, [...(headers.get(lastName) ?? []), (m[2] as string).trim()]);
  }
  return headers;
}

/** The Message-ID in a header value, without angle brackets: "<id>", or a bare token with an "@". */
export function messageIdIn(value: string | null | undefined): string | null {
  if (!value) return null;
  const bracketed = /<([^<>\s]{1,900})>/.exec(value)?.[1];
  if (bracketed) return bracketed;
  const bare = /^\s*([^<>\s]{3,900})\s*$/.exec(value)?.[1];
  return bare?.includes('@') ? bare : null;
}
