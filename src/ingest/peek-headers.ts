import addressparser from 'nodemailer/lib/addressparser';
import { oneLine } from '../domain/one-line.js';
import { personName } from '../domain/display-name.js';
import { normaliseMessageId } from '../domain/thread-refs.js';
import { fromCountOf, fromFieldCount, type FromCount } from './from-fields.js';
import { lfReadFields, withRelaysReading } from './fields-relays-saw.js';
import { headerEnd } from './header-end.js';
import { linesAsRead } from './cr-cr-lf.js';
import { fromNameWithLetters, subjectWithLetters } from './legacy-headers.js';
import { UTF7_SCAN_BYTES } from './raw-head.js';

type Libmime = (typeof import('libmime'))['default'];
let libmime: Promise<Libmime> | undefined;
/**
 * libmime (mailparser's decoder), loaded with the first peek: this module comes with the pipeline, which every
 * command loads, and the mail parser's code waits for the first mail parsed (test/integration/bundle.test.ts).
 */
const loadLibmime = () => (libmime ??= import('libmime').then((m) => m.default));

/**
 * How much of a mail's start holds the headers read: a MiB, the head a big mail's parse reads (pipeline.ts), as the
 * header block must end within it and the log says so (from-fields.ts UNENDED). A legitimate block can pass 64 KiB
 * (a years-old thread's References, a hundred Received and ARC/DKIM sets: Postfix takes 100 KiB of header, Exchange
 * Online 256 KiB); read only for a mail too large to parse or quarantined, and linearly.
 */
export const PEEK_BYTES = UTF7_SCAN_BYTES;

export interface PeekedHeaders {
  messageId: string | null;
  /** The sender's address, lower-cased. */
  from: string | null;
  fromName: string | null;
  subject: string | null;
  /**
   * Every field of the header block, by lower-case name (values on one line, as read): what the screening of a new
   * mail reads (stages/too-large-screen.ts: Authentication-Results, Auto-Submitted, the spam filter's verdict...).
   */
  headers?: Map<string, string[]>;
  /** The From addresses, in every From field (from-fields.ts): more than one, or a block not ended in the peek, is believed from no one. */
  fromCount?: FromCount;
  /** Its From field is read only with bare CRs as line ends, not by the servers (fields-relays-saw.ts, stages/unseen-from.ts). */
  fromUnseenByServers?: true;
}

/**
 * Reads Message-ID, From and Subject from the header block without parsing the body: used for mail too large to
 * parse, whose ticket and notice to the sender come from it. Subject and display name are decoded as the full parse
 * decodes them (encoded words with libmime as mailparser does, a legacy client's raw 8-bit bytes repaired), so the
 * ticket reads "Factura número 90", not "=?utf-8?Q?Factura_n=C3=BAmero_90?=", and on one line.
 */
export async function peekHeaders(raw: Buffer): Promise<PeekedHeaders> {
  const decoder = await loadLibmime();
  const decodeWords = (text: string) => decodedWords(decoder, text);
  // Its lines as the parse reads them: a CR CR LF line end is one CRLF, as the servers read it (cr-cr-lf.ts).
  const bytes = linesAsRead(raw.subarray(0, PEEK_BYTES)).lines;
  const head = bytes.toString('latin1');
  const block = head.slice(0, headerEnd(head)?.head ?? head.length).replace(/(\r\n|\r|\n)[ \t]+/g, ' ').replace(/\r\n?/g, '\n');
  const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(block)?.[1]?.trim() ?? null;
  // The value's bytes read as UTF-8, as mailparser reads a header (bytes that are not become U+FFFD, repaired below).
  const text = (name: string) => {
    const value = header(name);
    return value === null ? null : Buffer.from(value, 'latin1').toString('utf8');
  };
  const sender = senderOf(text('From'));
  const subject = text('Subject');
  const headers = new Map<string, string[]>();
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  // The peek takes every bare CR for a line end: the fields that decide trust also as the servers read them.
  const lf = lfReadFields(bytes);
  const trust = lf.size > 0 ? withRelaysReading(headers, lf) : null;
  const fromLine = text('From');
  const firstFieldAddresses = fromLine ? addressparser(fromLine, { flatten: true }).filter((a) => a.address.includes('@')).length : 0;
  return {
    headers: trust?.headers ?? headers,
    ...(trust?.unseen('from') ? { fromUnseenByServers: true as const } : {}),
    // A mail the peek does not hold whole (a too-large one always): its block must end within the peek.
    fromCount: fromCountOf(firstFieldAddresses, fromFieldCount(bytes, raw.length >= PEEK_BYTES ? 'start' : 'whole')),
    messageId: normaliseMessageId(header('Message-ID')),
    from: sender?.address ?? null,
    fromName: sender?.name ? personName(fromNameWithLetters(bytes, decodeWords(sender.name)), sender.address) : null,
    subject: subject === null ? null : oneLine(subjectWithLetters(bytes, subject, decodeWords(subject))),
  };
}

/** The first address of a From line, as mailparser finds it: not an address written in the display name. */
function senderOf(line: string | null): { address: string; name: string } | null {
  if (!line) return null;
  const first = addressparser(line, { flatten: true }).find((a) => a.address.includes('@'));
  return first ? { address: first.address.trim().toLowerCase(), name: first.name.trim() } : null;
}

/** RFC 2047 encoded words decoded; text libmime cannot decode is kept as written (as mailparser keeps it). */
function decodedWords(decoder: Libmime, text: string): string {
  try {
    return decoder.decodeWords(text);
  } catch {
    return text;
  }
}
