import { withoutGatewayTags } from '../../domain/thread-refs.js';
import { isDaemonAddress } from '../classify/text.js';
import { hasAwayNote, isAutoReplySubject, marksAutoReply } from '../classify/vacation.js';
import type { InboundMail } from '../parse.js';
import { listServerNotice } from './list-notices.js';

// RFC 3834 and the de-facto headers of the big mail systems: mail written by a machine must never get a
// machine's answer (that is how two helpdesks end up mailing each other forever).

export type AutomaticKind = 'auto-replied' | 'auto-generated' | 'bulk' | 'mailer-daemon';

export interface AutomaticVerdict {
  kind: AutomaticKind;
  /** The evidence, for the log and the ticket note. */
  reason: string;
  /** A list server's own notice (list-notices.ts): like an auto-reply, it opens no ticket. */
  listNotice?: true;
}

const first = (mail: Pick<InboundMail, 'headers'>, name: string) => mail.headers.get(name)?.[0]?.trim() ?? null;

/** A no-reply sender: a notification system that reads no answers (an acknowledgement to it is wasted, or bounces). */
const NO_REPLY_LOCAL = /^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply)(?:[-_.+].*)?$/i;
/** RFC 3834 section 2: a list's owner and request addresses are never auto-answered. */
const LIST_ROBOT_LOCAL = /^owner-|-request$/i;
/** Mailing-list servers' own marks (RFC 2369 and 2919, and those of fml, ezmlm, Mailman before them). */
const LIST_HEADERS = ['list-id', 'list-unsubscribe', 'list-subscribe', 'list-post', 'x-mlserver', 'x-ml-name', 'mailing-list', 'x-mailing-list'];
/**
 * Another helpdesk's marks: X-Loop (ours is a loop, stages/loop.ts; another's says a robot handled the mail)
 * and Zendesk's and Freshdesk's own headers. Their acknowledgements often carry nothing else, and their agents
 * write through the same software: so not machine-written, but never acknowledged (as Zendesk does itself).
 */
const HELPDESK_HEADER = /^(?:x-loop|x-zendesk-.+|x-freshdesk-.+)$/;
/**
 * A helpdesk product's own headers (X-Zendesk-From-Account-Id, X-Zendesk-Email-Id...). Zendesk sends every
 * mail with Auto-Submitted: auto-generated, its agents' answers too: on such a mail the mark tells nothing
 * about who wrote it, and asksNoAutoReply keeps it unanswered.
 */
const HELPDESK_PRODUCT_HEADER = /^x-(?:zendesk|freshdesk)-.+$/;

/**
 * An address no person reads answers at: a delivery agent (MAILER-DAEMON, postmaster), a no-reply sender, a list's
 * owner- or -request robot. Mail from it is machine-written (classifyAutomatic); mail that asks its reader something
 * (a survey) must not go to it either (surveys/suppression.ts).
 */
export function readsNoAnswers(address: string): boolean {
  const local = address.slice(0, address.lastIndexOf('@'));
  return isDaemonAddress(address) || NO_REPLY_LOCAL.test(local) || LIST_ROBOT_LOCAL.test(local);
}

const fromHelpdeskProduct = (mail: Pick<InboundMail, 'headers'>) => [...mail.headers.keys()].some((name) => HELPDESK_PRODUCT_HEADER.test(name));
/** What the screening reads of a mail: also of one too large to parse, from its header block (too-large-screen.ts). */
export type ScreenedFields = Pick<InboundMail, 'headers' | 'from' | 'subject' | 'text'>;

/**
 * Subjects that start with ordinary words of an away note ("Ausencia de complemento de pago..." is a request a
 * fiscal desk gets every day): they count only together with an away note in the body. A responder's own prefix
 * ("Automatic reply:", "Respuesta automática:", with its colon) is enough alone (classify/vacation.ts).
 */
const AWAY_WORDS_SUBJECT = /^\s*(?:out of (?:the )?office|fuera de (?:la )?oficina|ausente|ausencia|f[ée]rias|abwesend|vacation|on vacation|estoy de vacaciones|de vacaciones|respuesta autom[aá]tica|resposta autom[aá]tica|auto(?:matic)?[ -]?reply)\b/i;

export function classifyAutomatic(mail: ScreenedFields): AutomaticVerdict | null {
  // First: a list server's notice carries Precedence: bulk or Auto-Submitted too, and would be taken for an ERP's
  // notification (a ticket opened by machine) rather than recorded as the list's own mail.
  const notice = listServerNotice(mail);
  if (notice) return { kind: 'auto-generated', reason: notice, listNotice: true };
  const autoSubmitted = first(mail, 'auto-submitted');
  if (autoSubmitted && !/^no\b/i.test(autoSubmitted)) {
    const kind = /auto-replied/i.test(autoSubmitted) ? 'auto-replied' : 'auto-generated';
    if (kind === 'auto-replied' || !fromHelpdeskProduct(mail)) return { kind, reason: `Auto-Submitted: ${autoSubmitted}` };
  }
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder']) {
    const value = first(mail, name);
    if (marksAutoReply(value)) return { kind: 'auto-replied', reason: `${name}: ${value}` };
  }
  if (/vacation|autoreply/i.test(first(mail, 'x-apple-action') ?? '')) return { kind: 'auto-replied', reason: 'X-Apple-Action: VACATION' };
  const precedence = first(mail, 'precedence');
  if (precedence && /^auto[_-]?reply$/i.test(precedence)) return { kind: 'auto-replied', reason: `Precedence: ${precedence}` };
  if (precedence && /^(bulk|junk)$/i.test(precedence)) return { kind: 'bulk', reason: `Precedence: ${precedence}` };
  const returnPath = first(mail, 'return-path');
  if (returnPath !== null && /^<\s*>$/.test(returnPath)) return { kind: 'mailer-daemon', reason: 'Return-Path: <>' };
  const from = mail.from?.address ?? first(mail, 'from')?.replace(/^.*</, '').replace(/>.*$/, '') ?? '';
  if (isDaemonAddress(from)) return { kind: 'mailer-daemon', reason: `From: ${from}` };
  if (readsNoAnswers(from)) return { kind: 'auto-generated', reason: `From: ${from} (an address that reads no answers)` };
  if (isAutoReplySubject(mail.subject) || (AWAY_WORDS_SUBJECT.test(withoutGatewayTags(mail.subject)) && hasAwayNote(mail.text))) {
    return { kind: 'auto-replied', reason: `Subject: ${mail.subject.slice(0, 80)}` };
  }
  return null;
}

/**
 * The receiving server's spam filter says spam: SpamAssassin's X-Spam-Flag / X-Spam-Status, rspamd's X-Spam,
 * Exchange's spam confidence level (5 and above go to the junk folder). Most spam carries a forged From, so an
 * answer (an acknowledgement, a refusal) would go to an innocent address: backscatter, which gets the desk's own
 * server listed. Only the "spam" verdict is read: a sender who writes it into their own mail only loses our answer.
 */
export function spamVerdict(mail: Pick<InboundMail, 'headers'>): string | null {
  for (const name of ['x-spam-flag', 'x-spam-status', 'x-spam']) {
    const value = first(mail, name);
    if (value && /^yes\b/i.test(value)) return `${name}: ${value.slice(0, 40)}`;
  }
  const scl = Number(first(mail, 'x-ms-exchange-organization-scl') ?? NaN);
  return scl >= 5 ? `X-MS-Exchange-Organization-SCL: ${scl}` : null;
}

/**
 * Why a person's mail must get no machine's answer, or null. Exchange's X-Auto-Response-Suppress (All, or
 * AutoReply; OOF only stops out-of-office notes, which we never send): Outlook puts it on people's mail too.
 * And mail that came through a mailing list (Google Groups, a shared "facturacion@" list): a customer's reply
 * through the list is theirs, but an acknowledgement would go to the whole list. Such a mail is recorded like
 * any other (a reply to a pending ticket opens it again), only without our automatic answer.
 */
export function asksNoAutoReply(mail: Pick<InboundMail, 'headers'>): string | null {
  const spam = spamVerdict(mail);
  if (spam) return `marked as spam (${spam})`;
  const suppress = first(mail, 'x-auto-response-suppress');
  if (suppress && /\b(?:all|autoreply)\b/i.test(suppress)) return `X-Auto-Response-Suppress: ${suppress}`;
  const list = throughMailingList(mail);
  if (list) return list;
  return fromAnotherHelpdesk(mail);
}

/** Why the mail came from another helpdesk (X-Loop, its product's headers), or null. */
export function fromAnotherHelpdesk(mail: Pick<InboundMail, 'headers'>): string | null {
  const helpdeskHeader = [...mail.headers.keys()].find((name) => HELPDESK_HEADER.test(name));
  return helpdeskHeader ? `from another helpdesk (${helpdeskHeader})` : null;
}

/** Why the mail came through a mailing list (its server's marks), or null. */
export function throughMailingList(mail: Pick<InboundMail, 'headers'>): string | null {
  if (/^list$/i.test(first(mail, 'precedence') ?? '')) return 'through a mailing list (Precedence: list)';
  const listHeader = LIST_HEADERS.find((name) => first(mail, name) !== null);
  return listHeader ? `through a mailing list (${listHeader})` : null;
}
