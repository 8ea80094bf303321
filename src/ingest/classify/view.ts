/**
 * What the classifiers read from a parsed mail, gathered once and bounded: header helpers, the notification
 * text, the machine-readable report parts, and the header blocks of any attached original message.
 *
 * Where mailparser puts report parts (checked on the sisimai corpus): a message/delivery-status part is merged
 * into `text` unless it is marked as an attachment; message/feedback-report, message/global-delivery-status,
 * message/rfc822 and text/rfc822-headers parts are attachments. An inline message/rfc822 part is reduced to
 * a few rendered header lines (From/To/Subject/Date) in `text`, so its Message-ID is lost.
 */
import type { InboundMail } from '../parse.js';
import { htmlToText } from '../visible-text/html-to-text.js';
import { addressIn, bounded, decodeBytes, findAddresses, MAX_SCAN_CHARS, parseHeaderBlock } from './text.js';

export interface MailView {
  mail: InboundMail;
  first(name: string): string | null;
  all(name: string): string[];
  /** Top-level Content-Type, lower-cased. */
  contentType: string;
  /** The report-type parameter of a top-level multipart/report, lower-cased. */
  reportType: string | null;
  fromAddress: string | null;
  /** The raw From header (display name included), for "Mail Delivery System" and the like. */
  fromRaw: string;
  /** Return-Path as given ("<>" for the null sender), or null when absent. */
  returnPath: string | null;
  subject: string;
  /** The human-readable text: text/plain (with inline delivery-status parts), else HTML as text, bounded. */
  body: string;
  /** Decoded message/delivery-status and message/global-delivery-status attachments. */
  statusParts: string[];
  /** Decoded message/feedback-report attachments. */
  feedbackParts: string[];
  /** Header blocks of attached originals (message/rfc822, text/rfc822-headers, ...), in order. */
  originals: Array<Map<string, string[]>>;
  /** The raw text of attached message/rfc822 parts (bounded): a relayed bounce can carry the real DSN. */
  attachedMessages: string[];
  /** Addresses of the notification itself (its From, To, Cc, Delivered-To, Return-Path): never a failed recipient. */
  own: Set<string>;
}

const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const FEEDBACK_TYPES = new Set(['message/feedback-report']);
const ORIGINAL_TYPES = new Set([
  'message/rfc822',
  'message/global',
  'text/rfc822-headers',
  'text/rfc822-header',
  'message/rfc822-headers',
  'message/global-headers',
  'message/partial',
]);
/** At most this many attachments are looked at. */
const MAX_PARTS = 20;

const bareType = (contentType: string) => contentType.split(/[;\s]/, 1)[0]?.toLowerCase() ?? '';

/**
 * Whether a text part may hold a header block (looksLikeHeaderBlock needs a Message-ID line in its first 2,000
 * characters, which lie within the first 8,000 bytes): read as Latin-1, a copy of bytes, instead of decoding
 * the whole part. Most text attachments are logs and notes, never read as text unless the mail's body is empty.
 */
function mayBeHeaderBlock(content: Buffer): boolean {
  return /^message-id:/im.test(content.toString('latin1', 0, 8_000));
}

function looksLikeHeaderBlock(text: string): boolean {
  const head = text.slice(0, 2_000);
  return /^(?:received|return-path|from|to|subject|message-id|date|mime-version|x-[\w-]+|dkim-signature):/im.test(head) && /^message-id:/im.test(head);
}

export function buildView(mail: InboundMail): MailView {
  const first = (name: string) => mail.headers.get(name)?.[0]?.trim() ?? null;
  const all = (name: string) => mail.headers.get(name) ?? [];
  const contentType = (first('content-type') ?? '').toLowerCase();
  const reportType = /^\s*multipart\/report\b/.test(contentType)
    ? (/report-type\s*=\s*"?([\w-]+)/.exec(contentType)?.[1] ?? null)
    : null;

  const statusParts: string[] = [];
  const feedbackParts: string[] = [];
  const originals: Array<Map<string, string[]>> = [];
  const attachedMessages: string[] = [];
  /** Decoded only if the body is too short to say anything (below). */
  const plainParts: Buffer[] = [];
  for (const attachment of mail.attachments.slice(0, MAX_PARTS)) {
    const type = bareType(attachment.contentType);
    if (STATUS_TYPES.has(type)) statusParts.push(decodeBytes(attachment.content));
    else if (FEEDBACK_TYPES.has(type)) feedbackParts.push(decodeBytes(attachment.content));
    else if (ORIGINAL_TYPES.has(type)) {
      const text = decodeBytes(attachment.content);
      originals.push(parseHeaderBlock(text));
      if (type === 'message/rfc822' || type === 'message/global') attachedMessages.push(text);
    }
    else if (type.startsWith('text/plain') && attachment.content.length <= MAX_SCAN_CHARS) {
      const text = mayBeHeaderBlock(attachment.content) ? decodeBytes(attachment.content) : null;
      if (text !== null && looksLikeHeaderBlock(text)) originals.push(parseHeaderBlock(text));
      else plainParts.push(attachment.content);
    }
  }

  let body = bounded(mail.text);
  if (body.trim() === '' && mail.html) body = bounded(htmlToText(bounded(mail.html, 4 * MAX_SCAN_CHARS)));
  // Some agents send the notification itself as a text/plain attachment ("deliveryproblems.txt").
  if (body.trim().length < 40 && plainParts.length > 0) body = bounded(`${body}\n${plainParts.map((part) => decodeBytes(part)).join('\n')}`);

  const returnPath = first('return-path');
  const own = new Set<string>();
  for (const a of [...mail.to, ...mail.cc]) own.add(a.address);
  if (mail.from) own.add(mail.from.address);
  const rp = addressIn(returnPath);
  if (rp) own.add(rp);
  // Delivered-To names the mailbox the notice landed in. (X-Original-To and Envelope-To are left out: some
  // agents copy the failed recipient into them.)
  for (const value of all('delivered-to')) for (const a of findAddresses(value, 5)) own.add(a.address);

  return {
    mail,
    first,
    all,
    contentType,
    reportType,
    fromAddress: mail.from?.address ?? addressIn(first('from')),
    fromRaw: first('from') ?? '',
    returnPath,
    subject: mail.subject,
    body,
    statusParts,
    feedbackParts,
    originals,
    attachedMessages,
    own,
  };
}
