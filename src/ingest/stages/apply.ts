import { effectOfReply } from '../../domain/ticket-status.js';
import { mentionableName } from '../../domain/display-name.js';
import { isOnlyThanks } from '../../domain/thanks.js';
import { ticketSubject } from '../../domain/thread-refs.js';
import { priorityOf, readSeverity, type Level } from '../../domain/priority.js';
import { HELD_FORGED } from '../../store/access-repo.js';
import type { Tx } from '../../store/database.js';
import {
  addCcs,
  addMessage,
  addTicketEvent,
  contactName,
  createTicket,
  setTicketStatus,
  touchTicket,
  type NewMessage,
  type StoredTicket,
} from '../../store/tickets-repo.js';
import { withdrawClosingMail } from '../../lifecycle/close-undone.js';
import { joinHeldFollowUps } from '../../lifecycle/held-follow-up-join.js';
import { closedByTimerBefore, closeIfWindowOver, type TimerClose } from '../../lifecycle/jobs.js';
import { applyChange, startTicket, type LifecycleDeps } from '../../lifecycle/transitions.js';
import { loadTicketState, type TicketState } from '../../store/lifecycle-repo.js';
import { noteCcsWithheld, type WithheldWhy } from './mail-copies.js';
import type { ResolvedThread } from './thread.js';

export type AppliedOutcome = 'created' | 'comment' | 'reopened' | 'followup';

export interface ApplyInput {
  thread: ResolvedThread;
  requester: { id: number; email: string };
  subject: string;
  /** Visible text: where the customer states impact and urgency. */
  visibleText: string;
  /** Other people the mail was addressed to (support addresses already removed). */
  ccs: string[];
  /** Those it was addressed to but not copied: the desk was in neither To nor Cc (stages/mail-copies.ts). */
  ccsWithheld?: string[];
  /** Why they were left out (stages/mail-copies.ts): a Bcc by default. */
  ccsWithheldWhy?: WithheldWhy;
  message: Omit<NewMessage, 'ticketId' | 'createdAt' | 'direction'>;
  now: Date;
  /** When the mailbox received the mail, if before `now` (pipeline.ts IngestSource): its window is judged then. */
  arrivedAt?: Date;
  /** When the mailbox had last been read before (pipeline.ts IngestSource): the SLA counts from no earlier. */
  readBefore?: Date;
  /** Machine-written mail (RFC 3834), or a person's that asks for no automatic answer: recorded, never answered by a machine. */
  silent?: boolean;
  /** Machine-written mail (automatic.ts classifyAutomatic): the evidence. A ticket it opens gets no survey. */
  machineWritten?: string | null;
  /**
   * A new ticket from a sender not yet authorised (UNKNOWN_SENDER_POLICY=hold): no acknowledgement, no SLA clock.
   * 'forged': its From address failed authentication, and no authorisation releases it.
   */
  hold?: boolean | 'forged';
}

/** Writes the mail's one effect: a new ticket, a comment (maybe reopening), or a follow-up ticket. */
export async function applyInbound(tx: Tx, deps: LifecycleDeps, input: ApplyInput): Promise<{ outcome: AppliedOutcome; ticketNumber: number }> {
  const { thread, now } = input;
  const actor = input.requester.email;
  if (thread.kind === 'existing' && thread.ticket) {
    // Past its window the ticket is closed already, whether or not a tick has closed it yet; an answer is in time
    // if it reached the mailbox within the window, though read later (the daemon down, a backlog).
    const waiting = thread.ticket.status === 'pending' || thread.ticket.status === 'solved';
    // A stranger's answer past the window never comes here: it is their own new mail (stages/thread.ts).
    const answeredAt = answeredAtOf(input.arrivedAt, now);
    const expired = waiting && (await closeIfWindowOver(tx, deps, thread.ticket.id, now, answeredAt));
    const ticket = expired ? { ...thread.ticket, status: 'closed' as const } : thread.ticket;
    // And the other way round: closed by a tick while this answer, in time, waited unread. It does what it would
    // have done if read before the tick (a thanks to a solution still closes nothing: the window ran out anyway).
    const beaten = ticket.status === 'closed' && answeredAt < now ? await closedByTimerBefore(tx, deps, ticket.id, answeredAt) : null;
    const status = beaten?.from ?? ticket.status;
    if ((status === 'solved' || status === 'closed') && onlyThanks({ ...input, sender: actor })) return keepThanks(tx, input, ticket, thread.via);
    const effect = effectOfReply(status);
    if (effect.kind === 'comment') {
      // A stranger's words are for the agents: an internal note. Public, their Message-ID threaded the customer's
      // next mail (its In-Reply-To) under a mail she never saw, naming the stranger's mail server.
      await addMessage(tx, { ...input.message, ticketId: ticket.id, direction: 'in', internal: thread.takesPart === false, createdAt: now });
      // Only the ticket's own people add copies: a stranger's (a customer's notice forwarded and answered) would
      // have every later mail about the customer's case go to addresses the stranger chose.
      if (thread.takesPart) await addCcs(tx, ticket.id, input.ccs.filter((cc) => cc !== ticket.requester));
      if (effect.newStatus && effect.newStatus !== ticket.status) {
        // The customer's answer moves the ticket back to support: timers stop, the SLA clock runs again.
        const state = await loadTicketState(tx, { id: ticket.id });
        if (state) {
          const closeRead = beaten ? await withdrawClosingMail(tx, ticket.id, beaten, answeredAt, now) : false;
          await applyChange(tx, deps, state, {
            to: effect.newStatus,
            now,
            clockAt: clockResumesAt(state, beaten?.from ?? state.status, slaStartOf(input.arrivedAt, input.readBefore, now)),
            actor,
            event: effect.event,
            detail: `via ${thread.via}`,
            notice: input.silent ? undefined : replyNotice(effect.event, closeRead ? beaten : null, input.message.dedupKey, answeredBy(tx, input, ticket)),
          });
        }
      } else {
        await touchTicket(tx, ticket.id, now);
        await addTicketEvent(tx, { ticketId: ticket.id, type: effect.event, actor, fromStatus: ticket.status, toStatus: ticket.status, detail: `via ${thread.via}`, at: now });
      }
      if (thread.takesPart) await noteCcsWithheld(tx, ticket.id, input.ccsWithheld ?? [], now, input.ccsWithheldWhy);
      return { outcome: effect.event === 'reopened' ? 'reopened' : 'comment', ticketNumber: ticket.number };
    }
    return createFollowUp(tx, deps, input, ticket);
  }
  return createNewTicket(tx, deps, input);
}

/** When an answer counts as given: when it reached the mailbox, if before `now` (pipeline.ts IngestSource arrivedAt). */
export function answeredAtOf(arrivedAt: Date | undefined, now: Date): Date {
  return arrivedAt && arrivedAt < now ? arrivedAt : now;
}

/**
 * When a mail's SLA clock starts (or runs again): when it reached the mailbox if the mailbox had been read before
 * that (`readBefore`: it waited unread, the daemon down or the server unreachable), else when it is read. A mail
 * older than the mailbox's last read was put there since (moved in from another folder, restored, migrated with
 * its date), or came from a file: counted from its arrival, such a ticket was due before it existed and escalated
 * at once. So it counts from that last read at the earliest.
 */
export function slaStartOf(arrivedAt: Date | undefined, readBefore: Date | undefined, now: Date): Date {
  if (!arrivedAt || !readBefore) return now;
  const start = arrivedAt > readBefore ? arrivedAt : readBefore;
  return start < now ? start : now;
}

/**
 * When the SLA clock, paused while the ticket waited for the customer, runs again: when their answer's clock starts
 * (slaStartOf), but never before the pause began (a mail that came just before support asked: that stretch was
 * counted already).
 */
export function clockResumesAt(state: TicketState, waited: string, start: Date): Date {
  const pausedAt = waited === 'pending' ? state.pendingSince : waited === 'solved' ? state.solvedAt : null;
  if (!pausedAt) return start;
  return start < pausedAt ? pausedAt : start;
}

/**
 * The receipt of a reply that moves the ticket back to support: a solved ticket's reopening. Where the customer may
 * have read the timer's closing mail (`closeRead`: it was sent before the close was undone), the mail says plainly
 * that the close was a mistake and the ticket stays open, their answer having come in time; a closing mail cancelled
 * unsent leaves what an answer read before the tick gets (a complement: nothing until the agent's next answer).
 * `answeredBy`: the answer was another's than the requester's (answeredBy below), whom close_undone names.
 */
export function replyNotice(event: string, closeRead: TimerClose | null, dedupKey: string, answeredBy?: string) {
  const autoSubmitted = 'auto-replied' as const;
  if (closeRead) return { notice: 'close_undone' as const, idempotencyKey: `close_undone:${dedupKey}`, autoSubmitted, closedAfter: closeRead.from, answeredBy };
  if (event === 'reopened') return { notice: 'reopened' as const, idempotencyKey: `reopened:${dedupKey}`, autoSubmitted };
  return undefined;
}

/**
 * Who answered, when not the ticket's requester (a colleague in copy, or of her organisation): by the name the desk
 * keeps for the sender (its first mail's), else the one in this mail's From, else the address. The receipt goes to
 * the requester and her copies in one mail: "your reply" there told the requester of a reply she never sent. A name
 * is the sender's own choice, quoted to the requester in the desk's words: only one mentionableName accepts (no
 * link, no phone number, no sentence). Undefined: the requester's own answer.
 */
function answeredBy(tx: Tx, input: Pick<ApplyInput, 'requester' | 'message'>, ticket: Pick<StoredTicket, 'requester'>): string | undefined {
  const { id, email } = input.requester;
  if (email.toLowerCase() === ticket.requester.toLowerCase()) return undefined;
  return mentionableName(contactName(tx, id), email) ?? mentionableName(input.message.fromName, email) ?? email;
}

/** A person's reply with nothing but thanks in its words and no attachment (domain/thanks.ts). */
export function onlyThanks(mail: { silent?: boolean; visibleText: string; message: Pick<ApplyInput['message'], 'attachments' | 'fromName'>; sender: string }): boolean {
  if (mail.silent || mail.message.attachments.some((a) => !a.inline)) return false;
  return isOnlyThanks(mail.visibleText, { name: mail.message.fromName, address: mail.sender });
}

/**
 * The customer validates the solution: a solved ticket stays solved (its window and close unchanged), a closed one
 * gets no follow-up (no new ticket, no acknowledgement). The words are kept on the ticket, for the agent.
 */
async function keepThanks(tx: Tx, input: ApplyInput, ticket: StoredTicket, via: string) {
  await addMessage(tx, { ...input.message, ticketId: ticket.id, direction: 'in', createdAt: input.now });
  await touchTicket(tx, ticket.id, input.now);
  const kept = ticket.status === 'solved' ? 'kept solved' : 'no follow-up';
  const detail = `${kept}: a reply that only thanks (via ${via})`;
  await addTicketEvent(tx, { ticketId: ticket.id, type: 'thanks', actor: input.requester.email, fromStatus: ticket.status, toStatus: ticket.status, detail, at: input.now });
  return { outcome: 'comment' as const, ticketNumber: ticket.number };
}

/** Released (clock started, acknowledgement sent) when the sender is authorised: lifecycle/access-actions.ts. */
async function holdForAuthorisation(tx: Tx, ticketId: number, at: Date, hold: true | 'forged'): Promise<void> {
  await addTicketEvent(tx, { ticketId, type: 'held_for_authorisation', actor: 'system', detail: hold === 'forged' ? HELD_FORGED : 'UNKNOWN_SENDER_POLICY=hold', at });
}

async function createNewTicket(tx: Tx, deps: LifecycleDeps, input: ApplyInput) {
  const severity = readSeverity(input.visibleText || input.message.text, deps.policies.priorityMatrix);
  const ticket = await createTicket(tx, {
    subject: ticketSubject(input.subject),
    requesterId: input.requester.id,
    impact: severity.impact,
    urgency: severity.urgency,
    priority: severity.priority,
    ccs: input.ccs.filter((cc) => cc !== input.requester.email),
    createdAt: input.now,
    held: Boolean(input.hold),
    openedByMachine: input.machineWritten ?? null,
  });
  await addMessage(tx, { ...input.message, ticketId: ticket.id, direction: 'in', createdAt: input.now });
  const reason = input.thread.kind === 'new' ? input.thread.reason : 'no-reference';
  await addTicketEvent(tx, { ticketId: ticket.id, type: 'created', actor: input.requester.email, toStatus: 'new', detail: reason, at: input.now });
  await noteCcsWithheld(tx, ticket.id, input.ccsWithheld ?? [], input.now, input.ccsWithheldWhy);
  if (input.hold) {
    await holdForAuthorisation(tx, ticket.id, input.now, input.hold);
    return { outcome: 'created' as const, ticketNumber: ticket.number };
  }
  await startTicket(tx, deps, ticket.id, input.now, input.silent ? null : { notice: 'acknowledgement', idempotencyKey: `ack:${ticket.id}` }, slaStartOf(input.arrivedAt, input.readBefore, input.now));
  return { outcome: 'created' as const, ticketNumber: ticket.number };
}

/**
 * A closed ticket is final (DOMAIN.md rule 3): the answer opens a new ticket that links to it and keeps
 * its people and severity unless the new mail states its own.
 */
async function createFollowUp(tx: Tx, deps: LifecycleDeps, input: ApplyInput, closed: StoredTicket) {
  const stated = readSeverity(input.visibleText || input.message.text, deps.policies.priorityMatrix);
  const impact = stated.stated.impact ? stated.impact : (closed.impact as Level);
  const urgency = stated.stated.urgency ? stated.urgency : (closed.urgency as Level);
  const people = [closed.requester, ...closed.ccs, ...input.ccs].filter((e) => e !== input.requester.email);
  const ticket = await createTicket(tx, {
    subject: ticketSubject(input.subject, closed.subject),
    requesterId: input.requester.id,
    impact,
    urgency,
    priority: priorityOf(impact, urgency, deps.policies.priorityMatrix),
    followUpOfId: closed.id,
    ccs: people,
    createdAt: input.now,
    held: Boolean(input.hold),
    openedByMachine: input.machineWritten ?? null,
  });
  await addMessage(tx, { ...input.message, ticketId: ticket.id, direction: 'in', createdAt: input.now });
  await addTicketEvent(tx, {
    ticketId: ticket.id,
    type: 'created',
    actor: input.requester.email,
    toStatus: 'new',
    detail: `follow-up of #${closed.number}`,
    at: input.now,
  });
  await noteCcsWithheld(tx, ticket.id, input.ccsWithheld ?? [], input.now, input.ccsWithheldWhy);
  await addTicketEvent(tx, {
    ticketId: closed.id,
    type: 'follow_up_created',
    actor: input.requester.email,
    detail: `#${ticket.number}`,
    at: input.now,
  });
  if (input.hold) {
    await holdForAuthorisation(tx, ticket.id, input.now, input.hold);
    return { outcome: 'followup' as const, ticketNumber: ticket.number };
  }
  // A colleague's follow-up of the same closed ticket, held for their authorisation, joins this one (one event).
  await joinHeldFollowUps(tx, closed.id, ticket, input.requester.email, input.now);
  await startTicket(tx, deps, ticket.id, input.now, input.silent ? null : { notice: 'follow_up_created', idempotencyKey: `follow_up:${ticket.id}` }, slaStartOf(input.arrivedAt, input.readBefore, input.now));
  return { outcome: 'followup' as const, ticketNumber: ticket.number };
}
