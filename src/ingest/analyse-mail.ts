import { ErrorCode, VentanillaError } from '../errors.js';
import { ATTACHMENT_IN_DATABASE_BYTES } from '../store/attachment-contents.js';
import { sha256Of, type BlobStore } from '../store/blobs.js';
import type { NewMessage } from '../store/tickets-repo.js';
import type { Address, InboundMail } from './parse.js';
import { classifyMail, type MailKind } from './classify/bounce.js';
import { asksNoAutoReply, classifyAutomatic, type AutomaticVerdict } from './stages/automatic.js';
import { assessSender, type SenderAuthenticity } from './stages/authenticity.js';
import { believedIfSeen } from './stages/unseen-from.js';
import { writtenDateOnDeskClock } from './desk-date.js';
import { severalFromsReason } from './from-fields.js';
import { copiesOf } from './stages/mail-copies.js';
import { formRequester } from './stages/web-form.js';
import { detectLoop, stripReservedHeaders, type LoopVerdict } from './stages/loop.js';
import { extractVisibleText } from './visible-text/index.js';
import { plainWithSymbols } from './visible-text/plain-symbols.js';

// What can be known of a mail without the database: who sent it, what kind of mail it is, its visible text,
// its attachments stored. Plain data only, so it can be worked out in another thread (prepare-worker.ts) and
// handed back to the one that records it (record-mail.ts).

/** What the analysis needs from the configuration (plain values: they are copied to the worker). */
export interface AnalysisSettings {
  secret: string;
  supportAddress: string;
  ownAddresses: string[];
  trustedAuthservIds: string[];
  /** FORM_SENDERS (stages/web-form.ts); absent: none. */
  formSenders?: string[];
  maxAttachmentBytes: number;
  /** The desk's clock (BUSINESS_TIMEZONE): a Date header without a zone is read in it (desk-date.ts). */
  timeZone: string;
}

export interface MailAnalysis {
  /** The parsed mail, reserved headers removed; attachment bytes are dropped once stored (only `message` refers to them). */
  mail: InboundMail;
  sender: Address;
  dedupKey: string;
  size: number;
  sha256: string;
  report: MailKind;
  loop: LoopVerdict | null;
  automatic: AutomaticVerdict | null;
  /** Why a person's mail gets no automatic answer (X-Auto-Response-Suppress, a mailing list), or null. */
  noAutoReply: string | null;
  authenticity: SenderAuthenticity;
  /** Notes on attachments above MAX_ATTACHMENT_BYTES, for the end of the visible text (visibleTextOf). */
  omitted: string[];
  /** To and Cc addresses other than the sender and us, to copy; none when the desk is named in neither (stages/mail-copies.ts). */
  ccs: string[];
  /** The To and Cc addresses left out so, for the ticket's event. */
  ccsWithheld: string[];
  /** The Message row but its visible text, which the recording thread works out (visibleTextOf). */
  message: Omit<NewMessage, 'ticketId' | 'createdAt' | 'direction' | 'visibleText'>;
}

/**
 * Screens a parsed mail and stores its attachments; `dedupKey` is the caller's (stages/identify.ts), who has the
 * raw bytes. Throws PIPELINE_FAILED for a mail with no sender at all.
 */
export async function analyseMail(settings: AnalysisSettings, blobs: Pick<BlobStore, 'put'>, parsed: InboundMail, raw: { size: number; sha256: string; dedupKey: string }): Promise<MailAnalysis> {
  const { size, sha256, dedupKey } = raw;
  // A web form's mail is its customer's, whom its Reply-To names (stages/web-form.ts).
  const screened = { ...stripReservedHeaders(parsed), date: writtenDateOnDeskClock(parsed.date, parsed.headers.get('date')?.[0], settings.timeZone) };
  const form = formRequester(screened, settings.formSenders ?? [], settings.ownAddresses);
  const mail = form ? { ...screened, from: form.requester, fromCount: 1 } : screened;
  // Delivery reports first: a bounce often has no usable sender ("MAILER-DAEMON", "<>"), and is never a ticket.
  const report = classifyMail(mail);
  const isReport = report.kind === 'bounce' || report.kind === 'complaint';
  const sender = mail.from ?? senderFromHeaders(mail) ?? (isReport ? { address: 'mailer-daemon', name: null } : null);
  if (!sender) throw new VentanillaError(ErrorCode.PIPELINE_FAILED, 'The mail has no sender address (no From, Sender or Return-Path).');
  const loop = detectLoop(mail, settings);
  // An out-of-office note (classify/vacation.ts weighs its headers and its wording) is one whatever else its
  // headers say: Exchange's carry Return-Path: <> too, and must not open a ticket.
  const byHeaders = classifyAutomatic(mail);
  // A report that our mail was delivered answers nothing either (SES's event publishing carries no machine's mark).
  const automatic: AutomaticVerdict | null =
    report.kind === 'vacation' && byHeaders?.kind !== 'auto-replied'
      ? { kind: 'auto-replied', reason: `an out-of-office reply (${byHeaders?.reason ?? 'by its wording'})` }
      : report.kind === 'delivered'
        ? { kind: 'auto-replied', reason: 'a report that a mail was delivered' }
        : byHeaders;
  // Is the From address forged? Only the Authentication-Results of our own servers tell (stages/authenticity.ts).
  // Only a single From address can be authenticated (DMARC checks that one): a mail with none (its sender taken
  // from Sender or Reply-To) or with several is not believed to be from anyone in particular.
  const authenticity: SenderAuthenticity = form
    ? { trusted: false, verdict: 'none', reason: `it came through the web form ${form.form}, whose Reply-To gives the customer's address: nothing authenticates it` }
    : mail.from && mail.fromCount === 1
      ? believedIfSeen(mail, assessSender(mail.headers.get('authentication-results') ?? [], sender.address, settings.trustedAuthservIds), sender.address, settings.trustedAuthservIds)
      : { trusted: false, verdict: 'none', reason: mail.from ? severalFromsReason(mail.fromCount) : 'no From address' };
  const attachments: NewMessage['attachments'] = [];
  const omitted: string[] = [];
  for (const a of mail.attachments) {
    const size = a.streamed?.size ?? a.content.length;
    if (size > settings.maxAttachmentBytes) {
      omitted.push(`[${a.filename}: ${(size / 1048576).toFixed(1)} MB, above MAX_ATTACHMENT_BYTES; kept only in the raw mail ${sha256} (ventanilla raw-mail ${sha256})]`);
      continue;
    }
    // A big mail's big parts were stored while it was parsed (parse.ts): only their hash is here. A small
    // attachment goes to the database with its message (store/attachment-contents.ts), a bigger one to a file.
    // Its bytes are copied into memory of their own: a small Buffer is a view on a shared 8 KiB pool, which
    // the worker's reply to the recorder would otherwise copy whole.
    const stored = a.streamed?.sha256
      ? { sha256: a.streamed.sha256, size }
      : size <= ATTACHMENT_IN_DATABASE_BYTES
        ? { sha256: sha256Of(a.content), size, content: new Uint8Array(a.content) }
        : await blobs.put(a.content);
    attachments.push({ filename: a.filename, contentType: a.contentType, contentId: a.contentId, inline: a.inline, ...stored });
  }
  const { ccs, withheld: ccsWithheld } = copiesOf(mail, sender.address, settings.ownAddresses);
  const message = {
    dedupKey, messageId: mail.messageId, inReplyTo: mail.inReplyTo, references: mail.references, fromAddress: sender.address, fromName: sender.name,
    to: mail.to.map((a) => a.address), cc: mail.cc.map((a) => a.address), subject: mail.subject, sentAt: mail.date, text: mail.text,
    html: mail.html, rawSha256: sha256, attachments,
  };
  const stripped = { ...mail, attachments: mail.attachments.map((a) => ({ ...a, content: EMPTY })) };
  return { mail: stripped, sender, dedupKey, size, sha256, report, loop, automatic, noAutoReply: asksNoAutoReply(mail), authenticity, omitted, ccs, ccsWithheld, message };
}

const EMPTY = Buffer.alloc(0);

/**
 * What the sender wrote, without the quotation and signature (visible-text/), and the notes on attachments not
 * kept. Worked out by the thread that records the mail, not in the analysis: the preparation worker is the
 * slower of the two threads during a backlog, and the recorder waits for it (test/bench/HISTORY.md).
 */
export function visibleTextOf(analysis: Pick<MailAnalysis, 'mail' | 'omitted'>): string {
  const { text, html, subject } = analysis.mail;
  // Outlook's text/plain part has the letters its HTML part shows in a symbol font ("gracias J" for "gracias ☺"):
  // the agent reads what the sender saw (visible-text/plain-symbols.ts). The stored text stays the part as written.
  return [extractVisibleText(plainWithSymbols(text, html), html, subject), ...analysis.omitted].filter(Boolean).join('\n\n');
}

function senderFromHeaders(mail: InboundMail): Address | null {
  for (const name of ['sender', 'reply-to', 'return-path']) {
    const value = mail.headers.get(name)?.[0]?.split(/[\r\n]/)[0];
    const match = value ? /([^\s<>"]+@[^\s<>"]+)/.exec(value) : null;
    if (match) return { address: (match[1] as string).toLowerCase(), name: null };
  }
  return null;
}
