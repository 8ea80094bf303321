import type { Logger } from 'pino';
import type { BusinessCalendar } from '../domain/business-clock.js';
import type { NoticeName } from '../domain/lifecycle.js';
import { createSignedMessageId, domainOf, plusAddressFor } from '../domain/thread-refs.js';
import type { Tx } from '../store/database.js';
import { automaticMailsTo, dueAtOnce, insertOutboxMail, outboxKeyExists } from '../store/outbox-repo.js';
import { addMessage, addTicketEvent } from '../store/tickets-repo.js';
import { addressedTo, addressedToOthers, lastMessageOf, noticeTicket, type NoticeTicket } from '../store/notice-queries.js';
import { pickLocale, type Locale, type TemplateRenderer } from './templates.js';
import { suppressedAmong } from '../store/suppression-repo.js';
import { insertDeferredNotice } from '../store/deferred-notice-repo.js';
import { hasHeldFor, holdEscalation } from '../store/held-escalation-repo.js';
import { noticeToJson } from './notice-json.js';
import type { KnowledgeDeps } from '../knowledge/for-notice.js';
import { noticeContext } from './notice-context.js';
import { acknowledgementTurn, withdrawHeldAcknowledgement } from './ack-throttle.js';
import { capAutomaticCopies } from './automatic-copies.js';

export interface NoticeDeps {
  /** At most `limit` automatic mails to one address per `windowMs`, whatever the headers say (loops). */
  automaticCap: { limit: number; windowMs: number };
  /** ACK_LIMIT: new tickets' acknowledgements to all senders together per automaticCap.windowMs (ack-throttle.ts); absent or 0: none. */
  ackLimit?: number;
  log?: Pick<Logger, 'warn'>;
  renderer: TemplateRenderer;
  calendar: BusinessCalendar;
  secret: string;
  supportAddress: string;
  supportName: string;
  /** False: Reply-To is the support address itself (a mail server without plus addressing); see replyToFor. */
  replyToPlusAddress?: boolean;
  /**
   * True while automatic notices are to be owed rather than written: the daemon's InboundFirst, during a backlog.
   * Such a notice is then one DeferredNotice row in the caller's transaction, rendered into the outbox once the
   * mailbox is caught up (deferred-notices.ts).
   */
  deferAutomatic?: () => boolean;
  /** ALERT_ADDRESS: the desk's administrators, mailed when the gateway needs a person (operator-alerts.ts); absent or empty: none. */
  alertAddresses?: string[];
  /** Articles suggested in the mail that opens a ticket; absent or empty: none. */
  knowledge?: KnowledgeDeps;
}

export interface NoticeRequest {
  ticketId: number;
  notice: NoticeName;
  /** Unique per effect: a second enqueue with the same key does nothing (idempotent jobs, retried actions). */
  idempotencyKey: string;
  /** RFC 3834: auto-replied for the acknowledgement, auto-generated for scheduled notices, null for people's answers. */
  autoSubmitted: 'auto-replied' | 'auto-generated' | null;
  now: Date;
  /**
   * The agent's words, or words per locale for notices the system writes: a function (a product release), or a
   * map, which a deferred notice can store (the size of a mail too large).
   */
  body?: string | ((locale: Locale) => string) | Readonly<Record<Locale, string>>;
  issueRef?: string;
  deadline?: Date;
  /** The business hours from now to the deadline (pending, solved): the mail says them ("5 días hábiles"). */
  windowHours?: number;
  escalation?: { level: number; kind: 'warning' | 'breach'; dueAt: Date; targetHours: number };
  /** Internal notices go to these people instead of the customer. */
  internalRecipients?: string[];
  /**
   * A notice about this person's own mail, which only they can act on (too_large): to them alone, greeted by their
   * name, in their language; not to the requester nor the copies (notice-queries.ts addressedTo).
   */
  onlyTo?: string;
  /**
   * The ticket's people but this one, who is told in a mail of her own (close_undone by a too_large notice): the
   * requester and the copies without her (notice-queries.ts addressedToOthers); nobody else, no mail.
   */
  notTo?: string;
  /** close_undone: the answer that undid the close could not be read (too large): the mail claims nothing of it. */
  answerUnread?: boolean;
  /** close_undone: the answer in time was not the requester's but this person's (name, else address): the mail names them. */
  answeredBy?: string;
  attachments?: Array<{ filename: string; contentType: string; sha256: string; size: number }>;
  actor?: string;
  /** Set when the notice was owed (deferred): the ticket's last message then, which it answers. */
  messagesUpTo?: number;
  /**
   * When the mail is written, when later than `now`, the instant it was owed: a notice owed during a backlog and
   * rendered once it is over (deferred-notices.ts). What it says of the answer-by time is as of then.
   */
  writtenAt?: Date;
  /** A reminder: when the pending period it is about began (ISO). Owed during a backlog, it lapses with the period. */
  pendingPeriod?: string;
  /**
   * closed by the lifecycle timer: the status whose window ran out, which the mail gives as the reason; close_undone:
   * the status whose window the customer's answer came in.
   */
  closedAfter?: 'pending' | 'solved';
}

/**
 * Where a customer's answer to a ticket's mail goes: the ticket's signed plus-address, so that it finds its
 * ticket even when the mail client drops In-Reply-To; or, where the server refuses plus addressing
 * (REPLY_TO_PLUS_ADDRESS=false), the support address, and the answer finds its ticket by its References or
 * the subject's [#n].
 */
export function replyToFor(deps: Pick<NoticeDeps, 'secret' | 'supportAddress' | 'replyToPlusAddress'>, ticketNumber: number): string {
  return deps.replyToPlusAddress === false ? deps.supportAddress : plusAddressFor(deps.secret, deps.supportAddress, ticketNumber);
}

/** The From of every mail the desk sends: its name (quotes and line breaks taken out) and address. */
export function supportFrom(deps: Pick<NoticeDeps, 'supportName' | 'supportAddress'>): string {
  return `"${deps.supportName.replace(/["\\\r\n]/g, '')}" <${deps.supportAddress}>`;
}

/** The thread a notice continues: the ticket's first mail as root, its latest mail as the direct parent. */
function threading(ticket: NoticeTicket): { inReplyTo: string | null; references: string[] } {
  const ids = ticket.messageIds;
  if (ids.length === 0) return { inReplyTo: null, references: [] };
  // Root + the most recent ones: enough for every client to thread, short enough for every server.
  const references = [...new Set([ids[0] as string, ...ids.slice(-9)])];
  return { inReplyTo: ids.at(-1) ?? null, references };
}

/**
 * Renders a notice and writes it to the outbox, with the ticket message that records it, in the caller's
 * transaction: the change that causes a mail and the mail commit together or not at all.
 */
export interface NoticeResult {
  queued: boolean;
  capped?: boolean;
  suppressed?: boolean;
  deferred?: boolean;
  /**
   * Why a capped or suppressed notice was not written, or (queued, suppressed) was written for the copies alone, as
   * the ticket's event says it (for the agent who caused it).
   */
  why?: string;
}

/**
 * What the per-address cap (AUTO_MAIL_LIMIT) counts and limits: an automatic answer to a mail that came in (an
 * acknowledgement, a reopening's receipt: `auto-replied`), the loop guard; and escalations, so that a burst of
 * breaches does not bury a lead under a mail each (the rest are on their tickets as `notice_capped`). A customer's
 * scheduled mails (a reminder, the close of a pending or solved ticket) answer no mail, so no machine can provoke
 * them: capped, they were lost (a customer's eleventh ticket closed without a word), and counted, they capped the
 * customer's next acknowledgement.
 */
function answersMail(req: Pick<NoticeRequest, 'autoSubmitted' | 'internalRecipients'>): boolean {
  return req.autoSubmitted === 'auto-replied' || req.internalRecipients !== undefined;
}

export async function enqueueNotice(tx: Tx, deps: NoticeDeps, req: NoticeRequest): Promise<NoticeResult> {
  // A person's answer is never deferred, nor words chosen per locale (a function: it cannot be stored).
  if (req.autoSubmitted && typeof req.body !== 'function' && deps.deferAutomatic?.()) {
    const owed = { ...req, messagesUpTo: lastMessageOf(tx, req.ticketId) };
    insertDeferredNotice(tx, { ticketId: req.ticketId, idempotencyKey: req.idempotencyKey, request: noticeToJson(owed), createdAt: req.now });
    return { queued: true, deferred: true };
  }
  if (await outboxKeyExists(tx, req.idempotencyKey)) return { queued: false };
  const stored = await noticeTicket(tx, req.ticketId, req.messagesUpTo);
  const others = req.notTo ? addressedToOthers(tx, stored, req.notTo) : stored;
  if (!others) return { queued: false };
  const ticket = req.onlyTo ? addressedTo(tx, others, req.onlyTo) : others;
  const internal = req.internalRecipients !== undefined;
  const primary = internal ? (req.internalRecipients?.[0] ?? '') : ticket.requester.email;
  const counted = answersMail(req);
  const inWindow = counted ? await automaticMailsTo(tx, primary, new Date(req.now.getTime() - deps.automaticCap.windowMs)) : 0;
  // Escalations held back for these people wait for their digest: a new one joins them. Mailed on its own, it
  // took the room the window had just made, and in an outage that goes on (breaches at every tick) the digest
  // never found any: the breaches held back reached nobody.
  const queued = counted && inWindow < deps.automaticCap.limit && req.escalation !== undefined && internal && hasHeldFor(tx, req.internalRecipients ?? []);
  if (counted && (inWindow >= deps.automaticCap.limit || queued)) {
    // Whatever the other side's headers claim, a machine cannot make us mail it without end.
    if (!queued) deps.log?.warn({ ticket: ticket.number, notice: req.notice, to: primary, limit: deps.automaticCap.limit }, 'automatic mail capped: possible mail loop');
    // A lead's later breaches are not mailed in this window: the agent reading the event is told where they all are.
    const more = internal ? '; every ticket past its SLA: ventanilla tickets list --breached' : '';
    const held = queued ? 'earlier escalations held back wait for their digest, this one joins them' : `${deps.automaticCap.limit} automatic mails already in the window`;
    const why = `${req.notice} to ${primary}: ${held}${more}`;
    await addTicketEvent(tx, { ticketId: ticket.id, type: 'notice_capped', actor: 'system', detail: why, at: req.now });
    // Listed in the lead's digest once the window has room (lifecycle/escalation-digest.ts), also when owed in a backlog.
    if (req.escalation && req.internalRecipients) holdEscalation(tx, { recipients: req.internalRecipients, ticketId: ticket.id, level: req.escalation.level, kind: req.escalation.kind, dueAt: req.escalation.dueAt, heldAt: req.now });
    return { queued: false, capped: true, why };
  }
  // Addresses that bounce hard (or keep bouncing) get no notices until the suppression ends (README "Bounces and suppression").
  const suppressed = internal ? new Set<string>() : await suppressedAmong(tx, [primary, ...ticket.ccs], req.now);
  const unsuppressed = internal ? [] : ticket.ccs.filter((address) => !suppressed.has(address.toLowerCase()));
  // An automatic answer's copies are chosen by whoever wrote the mail: each held to the per-address cap, and a few at most.
  const since = new Date(req.now.getTime() - deps.automaticCap.windowMs);
  const capped = counted && unsuppressed.length > 0 ? await capAutomaticCopies(tx, req.notice, unsuppressed, { limit: deps.automaticCap.limit, since }, (address) => automaticMailsTo(tx, address, since)) : null;
  if (capped?.why) {
    deps.log?.warn({ ticket: ticket.number, notice: req.notice, limit: deps.automaticCap.limit }, 'automatic mail: copies left out');
    await addTicketEvent(tx, { ticketId: ticket.id, type: 'notice_capped', actor: 'system', detail: capped.why, at: req.now });
  }
  const copies = capped?.kept ?? unsuppressed;
  // A requester whose address bounces does not silence the ticket for the colleagues in copy: they get it alone.
  const requesterSuppressed = suppressed.has(primary.toLowerCase());
  const why = requesterSuppressed ? suppressedWhy(req.notice, primary, copies) : undefined;
  if (why) {
    await addTicketEvent(tx, { ticketId: ticket.id, type: 'notice_suppressed', actor: 'system', detail: why, at: req.now });
    if (copies.length === 0) return { queued: false, suppressed: true, why };
  }
  const locale: Locale = internal ? 'es' : pickLocale(ticket.requester);
  const body = typeof req.body === 'function' ? req.body(locale) : typeof req.body === 'object' ? req.body[locale] : req.body;
  // The lead's last escalation in this window says so: the next breaches are only on their tickets.
  const capMinutes = internal && inWindow === deps.automaticCap.limit - 1 ? Math.round(deps.automaticCap.windowMs / 60_000) : undefined;
  const ctx = noticeContext(tx, deps, req, ticket, locale, body, capMinutes);
  const rendered = deps.renderer.render(req.notice, locale, ctx);
  const messageId = createSignedMessageId(deps.secret, ticket.number, domainOf(deps.supportAddress));
  const thread = threading(ticket);
  const to = internal ? (req.internalRecipients ?? []) : requesterSuppressed ? copies : [ticket.requester.email];
  const cc = internal || requesterSuppressed ? [] : copies;
  const extra: Record<string, string> = {
    'X-Auto-Response-Suppress': 'All',
    'X-Loop': deps.supportAddress,
    'X-Ventanilla-Ticket': String(ticket.number),
    ...(req.autoSubmitted ? { 'Auto-Submitted': req.autoSubmitted } : {}),
  };
  const from = supportFrom(deps);
  const attachments = req.attachments ?? [];
  // ACK_LIMIT: past it an acknowledgement is queued for later; a person's mail goes now, and an acknowledgement
  // still held back for its ticket would follow it, so it is cancelled (ack-throttle.ts).
  const turn = req.notice === 'acknowledgement' ? await acknowledgementTurn(tx, deps, ticket.id, to.join(', '), dueAtOnce(req.now), req.now) : null;
  if (req.autoSubmitted === null && !internal) await withdrawHeldAcknowledgement(tx, ticket.id, req.notice, req.now);
  await insertOutboxMail(tx, {
    idempotencyKey: req.idempotencyKey,
    ticketId: ticket.id,
    template: req.notice,
    fromAddress: from,
    to,
    cc,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId,
    headers: { ...thread, replyTo: replyToFor(deps, ticket.number), extra },
    attachments: attachments.map(({ filename, contentType, sha256 }) => ({ filename, contentType, sha256 })),
    automatic: counted,
    now: req.now,
    ...(turn ? { dueAt: turn.dueAt, note: turn.why } : {}),
  });
  await addMessage(tx, {
    ticketId: ticket.id,
    direction: 'out',
    internal,
    dedupKey: `out:${messageId}`,
    messageId,
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    fromAddress: deps.supportAddress,
    fromName: req.actor ?? deps.supportName,
    to,
    cc,
    subject: rendered.subject,
    sentAt: null,
    text: rendered.text,
    visibleText: body ?? rendered.text,
    html: rendered.html,
    rawSha256: null,
    createdAt: req.now,
    attachments: attachments.map((a) => ({ ...a, contentId: null, inline: false })),
  });
  return why ? { queued: true, suppressed: true, why } : { queued: true };
}

/**
 * What the ticket's event (and the agent) says of a notice its requester does not get: the address, how to lift
 * the suppression, and who got it instead (the copies), if anyone. Shared with the take-back of queued mails.
 */
export function suppressedWhy(notice: string, requester: string, copies: string[]): string {
  const why = `${notice} to ${requester}: the address is suppressed after bounces (ventanilla suppressions lift ${requester.toLowerCase()})`;
  return copies.length > 0 ? `${why}; sent to the copies only: ${copies.join(', ')}` : why;
}
