import { normaliseMessageId } from '../domain/thread-refs.js';

/** How far into a mail enclosed messages are looked for (a bounce returns the original near its start). */
const SCAN_BYTES = 256 * 1024;
const ENCLOSED_PART = /^content-type:[ \t]*message\/(?:rfc822|global)\b/gim;
const BLANK_LINE = /\r?\n[ \t]*\r?\n/;
const MESSAGE_ID = /^message-id:\s*<([^<>\s]{1,900})>/im;

/**
 * The Message-IDs of the messages a mail encloses as message/rfc822 (or message/global) parts, read from its raw
 * bytes. mailparser renders an inline one as a few header lines of text (From, To, Subject, Date) and drops the
 * rest, its Message-ID with it: a bounce that returns our notice so (MailFoundry, SendGrid, Google and others)
 * reached no ticket.
 */
export function enclosedMessageIds(raw: Buffer): string[] {
  const bytes = raw.subarray(0, SCAN_BYTES);
  // Most mail encloses nothing: a byte search decides before any text is made of the mail.
  if (bytes.indexOf('/rfc822') < 0 && bytes.indexOf('/RFC822') < 0 && bytes.indexOf('essage/global') < 0) return [];
  const text = bytes.toString('latin1');
  const ids: string[] = [];
  for (const part of text.matchAll(ENCLOSED_PART)) {
    // The part's own header lines end at a blank line; the enclosed message's header block follows it.
    const rest = text.slice(part.index, part.index + 64 * 1024);
    const partHeaders = BLANK_LINE.exec(rest);
    if (!partHeaders) continue;
    const enclosed = rest.slice(partHeaders.index + partHeaders[0].length);
    const end = BLANK_LINE.exec(enclosed);
    const id = normaliseMessageId(MESSAGE_ID.exec(end ? enclosed.slice(0, end.index) : enclosed)?.[1]);
    if (id) ids.push(id);
  }
  return ids;
}
