import type { NoticeName } from '../domain/lifecycle.js';
import type { TicketStatus } from '../domain/ticket-status.js';
import { enqueueNotice, type NoticeDeps, type NoticeRequest, type NoticeResult } from '../outbound/notices.js';
import type { Policies } from '../policy.js';
import type { Tx } from '../store/database.js';
import { loadTicketState, loadTicketStates, saveTicketState, type TicketState } from '../store/lifecycle-repo.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import { slaFields, timerFields } from './clocks.js';
import { withdrawStaleReminder } from './stale-reminder.js';

export interface LifecycleDeps {
  policies: Policies;
  notices: NoticeDeps;
  /** Called in the transaction when support solves a ticket (the CSAT survey: src/surveys/csat.ts). */
  afterSolved?: (tx: Tx, solved: { ticketId: number; actor: string; now: Date }) => Promise<void>;
  /** Called in the transaction when a solved ticket goes back to work (not closed): its survey may be withdrawn. */
  afterReopened?: (tx: Tx, reopened: { ticketId: number; actor: string; now: Date }) => Promise<void>;
}

export interface ChangeRequest {
  to: TicketStatus;
  now: Date;
  actor: string;
  event: string;
  detail?: string | null;
  issueRef?: string | null;
  respondedNow?: boolean;
  /**
   * When the SLA clock changes, if before `now`: a customer's answer read late runs it again from when the mail
   * reached the mailbox (never before the clock paused). The status, the event and the notice are of `now`.
   */
  clockAt?: Date;
  /** An agent's answer or note: recorded with its event, so that the same command run again finds it. */
  operationKey?: string;
  /**
   * The customer's window (pending: reminder and close; solved: close) starts again at `now`, the status kept: she
   * wrote, in a mail nobody could read (lifecycle/window-restart.ts).
   */
  restartsWindow?: boolean;
  notice?: Omit<NoticeRequest, 'ticketId' | 'now' | 'deadline' | 'windowHours'> & { notice: NoticeName };
}

/** The business hours a pending or solved ticket waits for the customer before it closes by itself. */
export function closeHours(status: TicketStatus, policies: Policies): number | undefined {
  if (status === 'pending') return policies.lifecycle.pendingCloseHours;
  if (status === 'solved') return policies.lifecycle.solvedCloseHours;
  return undefined;
}

/** When the ticket closes by itself if nobody writes: the deadline shown in pending and solved notices. */
export function closeDeadline(status: TicketStatus, since: Date, policies: Policies): Date | undefined {
  const hours = closeHours(status, policies);
  return hours === undefined ? undefined : policies.calendar.addBusinessHours(since, hours);
}

/**
 * Moves a ticket to a status (or keeps it, for an answer without a status change), restarting its
 * timers and SLA clock, recording the event, and queueing the notice, all in the caller's transaction.
 * Returns what became of the notice (null: none was asked), so an agent can be told it was not mailed.
 */
export async function applyChange(tx: Tx, deps: LifecycleDeps, ticket: TicketState, req: ChangeRequest): Promise<NoticeResult | null> {
  const statusChanges = req.to !== ticket.status;
  const clocks = slaFields(ticket, { status: req.to, respondedNow: req.respondedNow }, req.clockAt ?? req.now, deps.policies);
  // A pending or solved notice tells the customer a deadline from now: the timers keep to what it says, also
  // when the ticket was pending or solved already (a new question, a corrected solution).
  const statesDeadline = req.notice?.notice === 'pending' || req.notice?.notice === 'solved';
  const newPeriod = statusChanges || statesDeadline || req.restartsWindow === true;
  const timers = newPeriod ? timerFields(req.to, req.now, deps.policies) : {};
  // The pending period ends (left, or begun again with a new date): a reminder of it still queued would say false things.
  if (newPeriod) await withdrawStaleReminder(tx, ticket, { event: req.event, to: req.to, now: req.now });
  await saveTicketState(tx, ticket.id, {
    ...clocks,
    ...timers,
    ...(statusChanges ? { status: req.to, statusChangedAt: req.now } : {}),
    ...(req.to === 'on_hold' ? { productIssueRef: req.issueRef ?? ticket.productIssueRef } : {}),
    updatedAt: req.now,
  });
  await addTicketEvent(tx, {
    ticketId: ticket.id,
    type: req.event,
    actor: req.actor,
    fromStatus: ticket.status,
    toStatus: req.to,
    detail: req.detail ?? null,
    at: req.now,
    operationKey: req.operationKey,
  });
  const deadline = closeDeadline(req.to, req.now, deps.policies);
  // A close by the timer says which window ran out, and how long it was (and its undoing, which window the answer came in).
  const windowHours = closeHours(req.notice?.closedAfter ?? req.to, deps.policies);
  const notice = req.notice ? await enqueueNotice(tx, deps.notices, { ...req.notice, ticketId: ticket.id, now: req.now, deadline, windowHours }) : null;
  // Only support solves tickets (an answer, a status change, a product release); timers only close them.
  if (statusChanges && req.to === 'solved') await deps.afterSolved?.(tx, { ticketId: ticket.id, actor: req.actor, now: req.now });
  else if (statusChanges && ticket.status === 'solved' && req.to !== 'closed') await deps.afterReopened?.(tx, { ticketId: ticket.id, actor: req.actor, now: req.now });
  return notice;
}

/** Loads the ticket in the transaction (the state a concurrent change left) and applies the change. */
export async function changeTicket(tx: Tx, deps: LifecycleDeps, ticketId: number, build: (t: TicketState) => ChangeRequest | null): Promise<TicketState | null> {
  const ticket = await loadTicketState(tx, { id: ticketId });
  if (!ticket) return null;
  const req = build(ticket);
  if (req) await applyChange(tx, deps, ticket, req);
  return ticket;
}

/**
 * A ticket just created (new or follow-up): its SLA clock starts, and the customer gets `notice`. `clockAt`: when
 * its mail reached the mailbox, if it was read later (the customer waited from then: DOMAIN.md rule 6).
 */
export async function startTicket(
  tx: Tx,
  deps: LifecycleDeps,
  ticketId: number,
  now: Date,
  notice: { notice: NoticeName; idempotencyKey: string; body?: NoticeRequest['body'] } | null,
  clockAt: Date = now,
): Promise<void> {
  const ticket = await loadTicketState(tx, { id: ticketId });
  if (!ticket) return;
  await saveTicketState(tx, ticketId, { ...slaFields(ticket, { status: ticket.status }, clockAt, deps.policies), statusChangedAt: now });
  if (notice) await enqueueNotice(tx, deps.notices, { ...notice, ticketId, now, autoSubmitted: 'auto-replied' });
}

/**
 * The SLA due times of running tickets again, from the plan they fall under now (an organisation registered on
 * the prime plan after its contacts wrote): what they used is kept, the targets are the new plan's.
 */
export async function retimeSla(tx: Tx, deps: LifecycleDeps, ticketIds: number[], now: Date): Promise<void> {
  for (const ticket of await loadTicketStates(tx, ticketIds)) {
    await saveTicketState(tx, ticket.id, slaFields(ticket, { status: ticket.status }, now, deps.policies));
  }
}
