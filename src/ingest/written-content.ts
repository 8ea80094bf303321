import { createHash } from 'node:crypto';
import { anyLineEndHeaderEnd as headerEnd } from './header-end.js';
import { crCrLfAsCrlfChunks } from './cr-cr-lf.js';

// A hash of what a mail's sender wrote, the same for every copy of the mail whatever way it came: the key of a
// mail without Message-ID (stages/identify.ts). Two copies of one mail differ in what servers added on the
// way: trace fields (Received, Return-Path, Delivered-To, X-Original-To, Envelope-To), a receiver's
// DKIM-Signature, ARC-* and Authentication-Results, spam scores, the lines Dovecot keeps in an mbox (X-UID,
// Status, X-Keywords, Content-Length), an mbox "From " line, and line ends (an MTA pipes LF, IMAP serves CRLF).
// Hence only the fields the sender writes count, with the body's bytes, line ends made one and trailing
// empty lines dropped (a mailbox may add one).

/**
 * RFC 5322 3.6: originator, destination, identification, informational and resent fields; RFC 2045's MIME
 * fields. Not Bcc: the sender's own server removes it, or not, from each copy.
 */
const WRITTEN_FIELDS = new Set([
  'date', 'from', 'sender', 'reply-to', 'to', 'cc', 'in-reply-to', 'references', 'subject', 'comments', 'keywords',
  'resent-date', 'resent-from', 'resent-sender', 'resent-to', 'resent-cc',
  'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition', 'content-language',
]);

/** A header block longer than this is not one: what follows is hashed as body, so the memory used stays bounded. */
const MAX_HEADER_BYTES = 1024 * 1024;

/** `sha256` of the fields the sender wrote (sorted by name, values unfolded) and of the body. */
export async function writtenContentSha256(raw: Iterable<Buffer | string> | AsyncIterable<Buffer | string>): Promise<string> {
  const hash = createHash('sha256');
  const body = new BodyLines(hash);
  let head = '';
  let inBody = false;
  // Its CR CR LF line ends read as one line end each, as the servers read them (cr-cr-lf.ts): the copy Dovecot serves
  // in CRLF lines is the same mail. Other mail is hashed as before.
  for await (const chunk of crCrLfAsCrlfChunks(raw)) {
    const text = chunk.toString('latin1');
    if (inBody) {
      body.add(text);
      continue;
    }
    head += text;
    const end = headerEnd(head);
    if (end === null && head.length < MAX_HEADER_BYTES) continue;
    const split = end ?? { head: head.length, body: head.length };
    hash.update(writtenFields(head.slice(0, split.head)), 'latin1');
    body.add(head.slice(split.body));
    head = '';
    inBody = true;
  }
  if (!inBody) hash.update(writtenFields(head), 'latin1');
  return hash.digest('hex');
}

/** One line per written field, `name:value`, sorted by name (a server may reorder fields, never one name's values); then an empty line. */
function writtenFields(block: string): string {
  const lines = block.replace(/\r\n?/g, '\n').split('\n');
  const fields: Array<{ name: string; value: string }> = [];
  let current: { name: string; value: string } | null = null;
  for (const [i, line] of lines.entries()) {
    if (/^[ \t]/.test(line)) {
      if (current) current.value += line;
      continue;
    }
    const colon = /^([^\s:]+)[ \t]*:/.exec(line);
    // An mbox's "From sender date" separator, not a field ("From:" is one).
    if (i === 0 && !colon && line.startsWith('From ')) continue;
    // A line that is no field (nor a folded part of one) is not a server's: kept, whole.
    current = colon ? { name: (colon[1] as string).toLowerCase(), value: line.slice(colon[0].length) } : { name: '', value: line };
    fields.push(current);
  }
  const written = fields
    .filter((f) => f.name === '' ? f.value !== '' : WRITTEN_FIELDS.has(f.name))
    .map((f) => ({ name: f.name, value: f.value.replace(/[ \t]+/g, ' ').trim() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `${written.map((f) => `${f.name}:${f.value}\n`).join('')}\n`;
}

/** Feeds the body to the hash with LF line ends, holding back line ends until more text follows them. */
class BodyLines {
  private carriedCr = false;
  private heldLineEnds = 0;

  constructor(private readonly hash: ReturnType<typeof createHash>) {}

  add(text: string): void {
    let chunk = (this.carriedCr ? '\r' : '') + text;
    // A CR at the end may be the first half of a CRLF split between two chunks.
    this.carriedCr = chunk.endsWith('\r');
    if (this.carriedCr) chunk = chunk.slice(0, -1);
    const lines = chunk.replace(/\r\n?/g, '\n');
    const content = lines.replace(/\n+$/, '');
    if (content.length === 0) {
      this.heldLineEnds += lines.length;
      return;
    }
    this.hash.update('\n'.repeat(this.heldLineEnds) + content, 'latin1');
    this.heldLineEnds = lines.length - content.length;
  }
}
