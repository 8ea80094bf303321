import { reaches } from './sla.js';
import { TICKET_STATUSES, type TicketStatus } from './ticket-status.js';

// The ticket lifecycle of DOMAIN.md as a pure state machine: which status changes an agent may make, and
// which notice the customer gets for each. Customer replies are in ticket-status.ts (effectOfReply).

/** Customer-facing notices; 'escalation' is internal. The names are the template names. */
export type NoticeName =
  | 'acknowledgement'
  | 'answer'
  | 'pending'
  | 'on_hold'
  | 'solved'
  | 'reopened'
  | 'in_progress'
  | 'closed'
  | 'close_undone'
  | 'follow_up_created'
  | 'pending_reminder'
  | 'escalation'
  | 'too_large';

const ALLOWED: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['open', 'pending', 'on_hold', 'solved', 'closed'],
  open: ['pending', 'on_hold', 'solved', 'closed'],
  pending: ['open', 'on_hold', 'solved', 'closed'],
  on_hold: ['open', 'pending', 'solved', 'closed'],
  // A solved ticket is reopened (the customer rejects the solution) or closed; it never goes back to pending
  // or on hold without being reopened first.
  solved: ['open', 'closed'],
  // Closed is final: a reply opens a follow-up ticket instead.
  closed: [],
};

/** The statuses an agent may set a ticket to: a ticket starts new and is never set back to it (DOMAIN.md statuses). */
export const AGENT_SET_STATUSES: readonly TicketStatus[] = TICKET_STATUSES.filter((status) => status !== 'new');

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return ALLOWED[from].includes(to);
}

export type TransitionError =
  | { code: 'CLOSED_IS_FINAL' }
  | { code: 'NOT_ALLOWED'; from: TicketStatus; to: TicketStatus }
  | { code: 'ISSUE_REQUIRED' }
  | { code: 'SAME_STATUS'; status: TicketStatus };

export interface StatusChange {
  from: TicketStatus;
  to: TicketStatus;
  /** What the customer is told; null: nothing (e.g. new -> open is internal progress). */
  notice: NoticeName | null;
}

/** The notice that goes with an agent's change to `to` (an answer without a status change is 'answer'). */
export function noticeForStatus(to: TicketStatus): NoticeName | null {
  switch (to) {
    case 'pending':
      return 'pending';
    case 'on_hold':
      return 'on_hold';
    case 'solved':
      return 'solved';
    case 'closed':
      return 'closed';
    case 'open':
      // Each status change is the customer's news (DOMAIN.md rule 7): support took the ticket up (from new),
      // or went on with it without the customer's answer (pending), the product squad's (on hold) or a
      // rejection of its solution (solved). 'reopened' is the receipt of a customer's reply, which this is not.
      return 'in_progress';
    case 'new':
      return null;
  }
}

/** Validates an agent's status change; on hold needs the product issue it waits for. */
export function planStatusChange(from: TicketStatus, to: TicketStatus, issueRef?: string | null): StatusChange | TransitionError {
  if (from === to) return { code: 'SAME_STATUS', status: to };
  if (from === 'closed') return { code: 'CLOSED_IS_FINAL' };
  if (!canTransition(from, to)) return { code: 'NOT_ALLOWED', from, to };
  if (to === 'on_hold' && !issueRef?.trim()) return { code: 'ISSUE_REQUIRED' };
  return { from, to, notice: noticeForStatus(to) };
}

export function isTransitionError(value: StatusChange | TransitionError): value is TransitionError {
  return 'code' in value;
}

export function describeTransitionError(error: TransitionError): string {
  switch (error.code) {
    case 'CLOSED_IS_FINAL':
      return 'The ticket is closed, which is final; a reply from the customer opens a follow-up ticket.';
    case 'NOT_ALLOWED':
      return `A ticket cannot go from ${error.from} to ${error.to}; allowed: ${ALLOWED[error.from].join(', ') || 'none'}.`;
    case 'ISSUE_REQUIRED':
      return 'Putting a ticket on hold needs the product issue it waits for: --issue <REF>.';
    case 'SAME_STATUS':
      return `The ticket is already ${error.status}.`;
  }
}

export interface LifecycleRules {
  /** Business hours after which a pending ticket gets a reminder (default 36). */
  pendingReminderHours: number;
  /** Business hours after which a pending ticket without answer closes (DOMAIN.md rule 3: 60). */
  pendingCloseHours: number;
  /** Business hours a solved ticket waits for validation before closing (rule 4: 84). */
  solvedCloseHours: number;
  /**
   * A reminder owed this long already (the daemon was down at its time) is skipped when the close is less than
   * this many business hours away (default 1; 0: never skipped). "Without your information the ticket closes on
   * <date>" an instant before the closing mail leaves the customer no time to send it: one business hour is about
   * the least in which a customer can find a document and answer, and two mails within it read as one mistake.
   */
  lateReminderMarginHours?: number;
}

export const DEFAULT_LIFECYCLE_RULES: LifecycleRules = { pendingReminderHours: 36, pendingCloseHours: 60, solvedCloseHours: 84, lateReminderMarginHours: 1 };

export type TimerAction =
  | { kind: 'remind' }
  /** The reminder is owed late, with the close less than the margin away: not sent, recorded (lifecycle/jobs.ts). */
  | { kind: 'skip_reminder'; hoursLeft: number }
  | { kind: 'close'; reason: 'pending_expired' | 'solved_expired' }
  | { kind: 'none' };

/**
 * What the lifecycle timer owes a ticket at `elapsedHours` business hours after it became pending or
 * solved, and when to look again (in business hours since then; null = never).
 */
export function timerStep(
  status: TicketStatus,
  elapsedHours: number,
  reminderSent: boolean,
  rules: LifecycleRules = DEFAULT_LIFECYCLE_RULES,
): { action: TimerAction; nextAtHours: number | null } {
  // Compared in whole milliseconds (sla.ts reaches): fractional hours summed can fall short of a deadline by a
  // rounding, and at closing time the next look would then wait for the next opening.
  if (status === 'pending') {
    if (reaches(elapsedHours, rules.pendingCloseHours)) return { action: { kind: 'close', reason: 'pending_expired' }, nextAtHours: null };
    if (!reminderSent && reaches(elapsedHours, rules.pendingReminderHours)) {
      // Only a late reminder (owed the margin already): one on time is what PENDING_REMINDER_HOURS asks for.
      const margin = rules.lateReminderMarginHours ?? DEFAULT_LIFECYCLE_RULES.lateReminderMarginHours ?? 0;
      const hoursLeft = rules.pendingCloseHours - elapsedHours;
      const late = reaches(elapsedHours, rules.pendingReminderHours + margin);
      const action: TimerAction = margin > 0 && late && hoursLeft < margin ? { kind: 'skip_reminder', hoursLeft } : { kind: 'remind' };
      return { action, nextAtHours: rules.pendingCloseHours };
    }
    return { action: { kind: 'none' }, nextAtHours: reminderSent ? rules.pendingCloseHours : rules.pendingReminderHours };
  }
  if (status === 'solved') {
    if (reaches(elapsedHours, rules.solvedCloseHours)) return { action: { kind: 'close', reason: 'solved_expired' }, nextAtHours: null };
    return { action: { kind: 'none' }, nextAtHours: rules.solvedCloseHours };
  }
  return { action: { kind: 'none' }, nextAtHours: null };
}
