/**
 * Classifies an inbound mail as a delivery failure notice (bounce), an abuse complaint (ARF feedback report),
 * a vacation auto-reply, or a normal mail. Pure and bounded: it reads the parsed mail only, scans at most a
 * fixed amount of text, and never throws (anything unexpected yields "normal").
 *
 * Evidence, strongest first:
 *   - Amazon SES event notifications (JSON from SNS)                                        ses.ts
 *   - RFC 5965 feedback reports                                                             arf.ts
 *   - RFC 3464 delivery status fields (report part or body)                                 dsn.ts
 *   - X-Failed-Recipients, then the recipients a human-readable notice names                heuristics.ts
 *   - RFC 3834 and de-facto auto-reply markers                                              vacation.ts
 * A delay warning (the agent is still trying: delay.ts) names its recipients as delayed, never hard.
 * A body is only read as a bounce notice when the mail comes from a mail system (evidence.ts).
 * Hard vs soft follows sisimai (reason.ts): permanent AND the address itself is dead.
 */
import { isForwardSubject } from '../../domain/thread-refs.js';
import type { InboundMail } from '../parse.js';
import { detectComplaint } from './arf.js';
import { isDelayWarning } from './delay.js';
import { isFailure, parseDsnFields, type DsnRecipient } from './dsn.js';
import { BOUNCE_PHRASE, BOUNCE_SUBJECT, machineEvidence } from './evidence.js';
import { noticeRecipients, originalRecipients, splitNotice, type HeuristicRecipient, type Notice } from './heuristics.js';
import { failureClass, isHard, preferStatus, reasonOf } from './reason.js';
import { detectSesEvent } from './ses.js';
import { addressIn, collapse, findAddresses, findReplyCode, findStatus, isDaemonAddress, MAX_DIAGNOSTIC_CHARS, messageIdIn, parseHeaderBlock } from './text.js';
import { isAutoReplySubject, isVacation } from './vacation.js';
import { buildView, type MailView } from './view.js';

export interface BounceRecipient {
  address: string;
  /** Enhanced status code, e.g. "5.1.1". */
  status: string | null;
  /** SMTP reply code, e.g. "550". */
  replyCode: string | null;
  /** Permanent and the address itself is dead (unknown user or domain, moved, domain accepts no mail). */
  hard: boolean;
  /** A delay warning: the agent is still trying to deliver (DSN Action: delayed, or its words say so). */
  delayed: boolean;
  diagnostic: string | null;
}

export type MailKind =
  | { kind: 'bounce'; recipients: BounceRecipient[]; originalMessageId: string | null }
  | { kind: 'complaint'; recipients: Array<{ address: string }>; feedbackType: string | null; originalMessageId: string | null }
  | { kind: 'vacation' }
  /** A report that a mail was delivered (DSN Action: delivered/relayed/expanded only, SES's Delivery event). */
  | { kind: 'delivered' }
  | { kind: 'normal' };

const MAX_RECIPIENTS = 100;

/** Phrases of notices that only report a delay: the agent is still trying. */
const TEMPORARY_NOTICE =
  /\b(?:delayed|has been delayed|not yet been delivered|will (?:continue|keep) (?:trying|to try)|will (?:be )?retr(?:y|ied)|still trying|temporar(?:y|ily)|deferred|warning: could not send|no need to resend|transient)\b/i;

/** Words of mail delivery (as opposed to, say, parcel delivery). */
const MAIL_SYSTEM_WORDS = /\bsmtp\b|mail ?server|mail ?box|mail system|\brcpt\b|\b[245]\.\d{1,3}\.\d{1,3}\b|\b[45][0-5]\d[ -]|メールボックス|メールサーバ/i;

export function classifyMail(mail: InboundMail): MailKind {
  try {
    return classify(buildView(mail));
  } catch {
    return { kind: 'normal' };
  }
}

function classify(view: MailView): MailKind {
  const ses = detectSesEvent(view);
  if (ses?.type === 'bounce') {
    return {
      kind: 'bounce',
      recipients: ses.recipients.slice(0, MAX_RECIPIENTS).map((r) => recipient(r.address, { status: r.status, diagnostic: r.diagnostic, diagnosticType: 'smtp' }, '', ses.permanent ? '5' : '4', ses.delayed)),
      originalMessageId: ses.originalMessageId,
    };
  }
  if (ses?.type === 'complaint') {
    return { kind: 'complaint', recipients: ses.recipients.map((address) => ({ address })), feedbackType: ses.feedbackType, originalMessageId: ses.originalMessageId };
  }
  if (ses?.type === 'delivery') return { kind: 'delivered' };

  const complaint = detectComplaint(view);
  if (complaint) {
    return {
      kind: 'complaint',
      recipients: complaint.recipients.slice(0, MAX_RECIPIENTS).map((address) => ({ address })),
      feedbackType: complaint.feedbackType,
      originalMessageId: originalMessageId(view, splitNotice(view.body)),
    };
  }

  const bounce = detectBounce(view);
  if (bounce) return bounce;

  const from = view.fromAddress;
  if (!(from && /^(?:mailer-?daemon|postmaster)@/i.test(from)) && isVacation(view)) return { kind: 'vacation' };
  return { kind: 'normal' };
}

// ---------------------------------------------------------------------------------------------------------------

function detectBounce(view: MailView): MailKind | null {
  const machine = machineEvidence(view);
  // A delivery-status part alone is not enough: a person can forward a bounce with its parts.
  const isReport = view.reportType === 'delivery-status';
  if (!machine.any && !isReport) return null;
  // A forward ("Fwd:", "RV:") passes a notice on: a customer asking about a bounce, from a system-like address
  // (admin@, mail@). A delivery agent's own notice is never one.
  if (!machine.daemon && isForwardSubject(view.subject)) return null;

  const notice = splitNotice(view.body);
  const noticeText = notice.lines.join('\n');
  const senders = originalSenders(view, notice);

  let dsn: DsnRecipient[] = [];
  for (const part of view.statusParts) dsn.push(...parseDsnFields(part));
  if (dsn.length === 0) dsn = parseDsnFields(view.body);
  const failures = dsn.filter(isFailure);

  // A success notice ("delivered", "relayed", "expanded" only) is not a bounce.
  if (dsn.length > 0 && failures.length === 0 && dsn.some((r) => r.action !== null)) return { kind: 'delivered' };

  const temporaryNotice = TEMPORARY_NOTICE.test(view.subject) || TEMPORARY_NOTICE.test(noticeText.slice(0, 4_000));
  const noticeClass = (): '4' | '5' => (temporaryNotice && !/permanent|fatal|failed permanently|given up|giving up/i.test(noticeText.slice(0, 4_000)) ? '4' : '5');
  const heuristic = () => noticeRecipients(notice, view.own, senders, MAX_RECIPIENTS);
  const delayWarning = isDelayWarning(view.subject, noticeText.slice(0, 8_000));

  if (failures.length > 0) {
    const blocks = heuristic();
    const recipients: BounceRecipient[] = [];
    const seen = new Set<string>();
    for (const r of failures) {
      const address = preferredAddress(r);
      if (!address || seen.has(address)) continue;
      seen.add(address);
      const block = blockFor(blocks, [address, r.finalRecipient, r.originalRecipient]);
      const fallbackClass = r.action === 'delayed' ? '4' : noticeClass();
      const delayed = r.action === 'delayed' || (r.action === null && delayWarning);
      recipients.push(recipient(address, r, block ?? (failures.length === 1 ? noticeText : ''), fallbackClass, delayed));
      if (recipients.length >= MAX_RECIPIENTS) break;
    }
    if (recipients.length > 0) return { kind: 'bounce', recipients, originalMessageId: originalMessageId(view, notice) };
  }

  const failedHeader = view.first('x-failed-recipients') !== null;
  const says = BOUNCE_SUBJECT.test(view.subject) || BOUNCE_PHRASE.test(noticeText.slice(0, 8_000));
  if (!says && !isReport && !failedHeader) return null;
  // An out-of-office reply (sent, as RFC 3834 asks, with a null Return-Path) that mentions a failure.
  if (isAutoReplySubject(view.subject) && !isReport && !failedHeader) return null;

  const blocks = heuristic();
  const failed = view.all('x-failed-recipients').flatMap((v) => findAddresses(v, MAX_RECIPIENTS).map((f) => f.address));
  let found: HeuristicRecipient[];
  if (failed.length > 0) {
    found = [...new Set(failed)].map((address) => ({ address, tier: 1, block: blockFor(blocks, [address]) ?? (failed.length === 1 ? noticeText : '') }));
  } else if (blocks.length > 0) {
    found = blocks;
  } else {
    // A notice that names nobody but attaches a whole bounce (a relay passing on the DSN it got).
    const nested = machine.daemon ? nestedFailures(view) : [];
    if (nested.length > 0) return { kind: 'bounce', recipients: nested, originalMessageId: originalMessageId(view, notice) };
    // Last resort: whom the returned original was addressed to.
    const quoted = parseHeaderBlock(notice.original.join('\n'));
    const fromOriginal = [...view.originals, quoted].map((h) => originalRecipients(h, view.own, senders)).find((list) => list.length > 0) ?? [];
    found = fromOriginal.slice(0, MAX_RECIPIENTS).map((address) => ({ address, tier: 3, block: noticeText }));
  }
  if (!machine.daemon) {
    // Only machine-written (Auto-Submitted, a no-reply sender): a notification of some other kind unless the
    // subject and the text both say a delivery failed and a line names the failed recipient.
    const named = found.length > 0 && found.every((r) => r.tier !== 3);
    const head = noticeText.slice(0, 8_000);
    if (!named || !BOUNCE_SUBJECT.test(view.subject) || !BOUNCE_PHRASE.test(head) || !MAIL_SYSTEM_WORDS.test(head)) return null;
  }
  // Nobody named: still a bounce (for threading and for not answering it) when it is unmistakably one.
  if (found.length === 0 && !(isReport || (says && view.fromAddress !== null && isDaemonAddress(view.fromAddress)))) return null;

  const fallbackClass = noticeClass();
  return {
    kind: 'bounce',
    recipients: found.slice(0, MAX_RECIPIENTS).map((r) => recipient(r.address, null, found.length === 1 ? noticeText : r.block || noticeText, fallbackClass, delayWarning)),
    originalMessageId: originalMessageId(view, notice),
  };
}

function nestedFailures(view: MailView): BounceRecipient[] {
  for (const text of view.attachedMessages) {
    const failures = parseDsnFields(text).filter(isFailure);
    const recipients: BounceRecipient[] = [];
    for (const r of failures) {
      const address = preferredAddress(r);
      if (address && !recipients.some((x) => x.address === address)) recipients.push(recipient(address, r, '', r.action === 'delayed' ? '4' : '5', r.action === 'delayed'));
      if (recipients.length >= MAX_RECIPIENTS) break;
    }
    if (recipients.length > 0) return recipients;
  }
  return [];
}

/** The address the desk sent to: the Original-Recipient when it is a plain address, else the Final-Recipient. */
function preferredAddress(r: DsnRecipient): string | null {
  const original = r.originalRecipient;
  if (original && !/^imceaex-|=/i.test(original)) return original;
  return r.finalRecipient ?? original;
}

function blockFor(blocks: HeuristicRecipient[], addresses: Array<string | null>): string | null {
  for (const address of addresses) {
    if (!address) continue;
    const hit = blocks.find((b) => b.address === address);
    if (hit) return hit.block;
  }
  return null;
}

/**
 * One failed recipient from whatever is known about it: the status and diagnostic a DSN gave, and the notice
 * text about it (for the code, the reason and the SMTP command when the DSN has none).
 */
function recipient(
  address: string,
  dsn: Pick<DsnRecipient, 'status' | 'diagnostic' | 'diagnosticType'> | null,
  context: string,
  fallbackClass: '4' | '5',
  delayed: boolean,
): BounceRecipient {
  const ctx = collapse(context.slice(0, 4_000));
  const dsnDiagnostic = dsn?.diagnostic ?? null;
  const replyCode = findReplyCode(dsnDiagnostic ?? '') ?? (dsnDiagnostic ? null : findReplyCode(ctx));
  const status = dsn?.status
    ? preferStatus(dsn.status, findStatus(dsnDiagnostic ?? '') ?? findStatus(ctx), replyCode)
    : (findStatus(dsnDiagnostic ?? '') ?? findStatus(ctx));
  const diagnostic = dsnDiagnostic ?? (ctx ? diagnosticFrom(ctx, address) : null);
  const cls = failureClass(status, replyCode) ?? fallbackClass;
  const reason = reasonOf({
    status,
    replyCode,
    text: dsnDiagnostic ?? ctx,
    commandText: [dsnDiagnostic, ctx].filter(Boolean).join(' '),
    localMailer: dsn?.diagnosticType === 'x-unix',
  });
  // A warning is never hard: the agent is still trying that very address.
  return { address, status, replyCode, hard: !delayed && isHard(cls === '5', reason), delayed, diagnostic };
}

/** A short diagnostic from a notice block: from the first reply code or status on, else the block itself. */
function diagnosticFrom(block: string, address: string): string | null {
  const at = block.search(/(?<![\w.])[245]\d\d[ -]|(?<![\w.])[245]\.\d{1,3}\.\d{1,3}/);
  let text = at >= 0 ? block.slice(at) : block;
  if (at < 0 && text.toLowerCase().startsWith(address)) text = text.slice(address.length).replace(/^[\s:>)]+/, '');
  text = text.trim();
  return text ? text.slice(0, MAX_DIAGNOSTIC_CHARS) : null;
}

/** Addresses that sent the original (its From, Sender, Return-Path): never a failed recipient. */
function originalSenders(view: MailView, notice: Notice): Set<string> {
  const out = new Set<string>();
  const quoted = parseHeaderBlock(notice.original.join('\n'));
  for (const headers of [...view.originals, quoted]) {
    for (const name of ['from', 'sender', 'return-path', 'reply-to']) {
      for (const value of headers.get(name) ?? []) {
        const address = addressIn(value);
        if (address) out.add(address);
      }
    }
  }
  for (const name of ['x-postfix-sender', 'original-mail-from']) {
    const m = new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(view.body.slice(0, 16_000));
    const address = addressIn(m?.[1]);
    if (address) out.add(address);
  }
  return out;
}

/** The Message-ID of the mail that bounced: attached original, quoted headers, an inline original, then the notice's In-Reply-To. */
function originalMessageId(view: MailView, notice: Notice): string | null {
  for (const headers of view.originals) {
    const id = messageIdIn(headers.get('message-id')?.[0]);
    if (id) return id;
  }
  const quoted = messageIdIn(parseHeaderBlock(notice.original.join('\n')).get('message-id')?.[0]);
  if (quoted) return quoted;
  const anywhere = /^[ \t]*Message-ID:[ \t]*(<[^<>\s]{1,900}>)/im.exec(notice.original.join('\n').slice(0, 32_000));
  if (anywhere) return messageIdIn(anywhere[1]);
  // An original returned inline, whose headers mailparser dropped: read from the raw mail (parse.ts).
  return view.mail.enclosedMessageIds[0] ?? view.mail.inReplyTo;
}
