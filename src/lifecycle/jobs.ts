import type { BusinessCalendar } from '../domain/business-clock.js';
import { DEFAULT_LIFECYCLE_RULES, timerStep, type LifecycleRules } from '../domain/lifecycle.js';
import { slaClockRuns, slaPhaseOf, slaStep, targetHours, type SlaAction, type SlaPhase } from '../domain/sla.js';
import type { Priority } from '../domain/priority.js';
import { enqueueNotice } from '../outbound/notices.js';
import { inTransaction, type Db, type Tx } from '../store/database.js';
import { lastStatusChange, loadTicketState, loadTicketStates, saveTicketState, ticketsWithSlaCheckDue, ticketsWithTimerDue, type TicketState } from '../store/lifecycle-repo.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import { slaElapsedAt } from './clocks.js';
import { applyChange, closeDeadline, type LifecycleDeps } from './transitions.js';
import { reminderKey } from './stale-reminder.js';

const BATCH = 500;
/** Tickets per transaction: one commit for many (a transaction costs more than a ticket's statements). */
const PER_TRANSACTION = 100;

type Step = (tx: Tx, ticket: TicketState) => Promise<string>;

/** Steps several tickets in one transaction; their states are read inside it, in one query. */
async function stepTogether(db: Db, ids: number[], step: Step): Promise<string[]> {
  return inTransaction(db, async (tx) => {
    const tickets = new Map((await loadTicketStates(tx, ids)).map((t) => [t.id, t]));
    const outcomes: string[] = [];
    for (const id of ids) {
      const ticket = tickets.get(id);
      outcomes.push(ticket ? await step(tx, ticket) : 'gone');
    }
    return outcomes;
  });
}

/**
 * Runs `step` for each ticket id the query returns until nothing is due, a chunk of tickets per transaction.
 * Every step is idempotent (keys on notices), so a chunk that fails is simply run again one ticket per
 * transaction: the others are not held back by one ticket whose step fails, which then fails alone.
 */
async function forEachDue(db: Db, due: (limit: number) => Promise<number[]>, step: Step): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const seen = new Set<number>();
  for (;;) {
    const ids = (await due(BATCH)).filter((id) => !seen.has(id));
    if (ids.length === 0) return counts;
    for (let i = 0; i < ids.length; i += PER_TRANSACTION) {
      const chunk = ids.slice(i, i + PER_TRANSACTION);
      for (const id of chunk) seen.add(id);
      let outcomes: string[];
      try {
        outcomes = await stepTogether(db, chunk, step);
      } catch {
        outcomes = [];
        for (const id of chunk) outcomes.push(...(await stepTogether(db, [id], step)));
      }
      for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
  }
}

const periodOf = (ticketId: number, since: Date) => `${ticketId}:${since.toISOString()}`;
/** The timer's closing mail of a window: one per period, found again when an answer in time undoes the close. */
const closingMailKey = (ticketId: number, since: Date) => `auto_close:${periodOf(ticketId, since)}`;

/** When the customer's window began: the pending or solved instant; null in any other status. */
export const windowStart = (ticket: Pick<TicketState, 'status' | 'pendingSince' | 'solvedAt'>): Date | null => (ticket.status === 'pending' ? ticket.pendingSince : ticket.status === 'solved' ? ticket.solvedAt : null);

/**
 * Whether the pending close is also on the clock less than the late reminder's margin away. A close a business hour
 * away may be a night, a weekend or a holiday away: the reminder then leaves the customer that time to answer, and
 * does not arrive with the closing mail (a late reminder is skipped only for that: domain/lifecycle.ts).
 */
function closesOnTheClockSoon(since: Date, now: Date, lifecycle: LifecycleRules, calendar: BusinessCalendar): boolean {
  const margin = lifecycle.lateReminderMarginHours ?? DEFAULT_LIFECYCLE_RULES.lateReminderMarginHours ?? 0;
  return calendar.addBusinessHours(since, lifecycle.pendingCloseHours).getTime() - now.getTime() < margin * 3_600_000;
}

/** Pending reminders and auto-close of pending (60 business hours) and solved (84) tickets. */
export async function runLifecycleTimers(db: Db, deps: LifecycleDeps, now: Date): Promise<Record<string, number>> {
  const { calendar, lifecycle } = deps.policies;
  return forEachDue(db, (limit) => ticketsWithTimerDue(db, now, limit), async (tx, ticket) => {
    const since = windowStart(ticket);
    if (!since) {
      await saveTicketState(tx, ticket.id, { timerDueAt: null });
      return 'cleared';
    }
    const elapsed = calendar.businessHoursBetween(since, now);
    const step = timerStep(ticket.status, elapsed, ticket.reminderSentAt !== null, lifecycle);
    const nextDue = step.nextAtHours === null ? null : calendar.addBusinessHours(since, step.nextAtHours);
    // Keys name the period (the instant it started), so a ticket pending twice gets two reminders, never more.
    if (step.action.kind === 'remind' || (step.action.kind === 'skip_reminder' && !closesOnTheClockSoon(since, now, lifecycle, calendar))) {
      await enqueueNotice(tx, deps.notices, {
        ticketId: ticket.id, notice: 'pending_reminder', idempotencyKey: reminderKey(ticket.id, since), autoSubmitted: 'auto-generated', now,
        deadline: closeDeadline('pending', since, deps.policies), pendingPeriod: since.toISOString(),
      });
      await saveTicketState(tx, ticket.id, { reminderSentAt: now, timerDueAt: nextDue });
      await addTicketEvent(tx, { ticketId: ticket.id, type: 'pending_reminder', actor: 'system', detail: `${elapsed.toFixed(1)} business hours pending`, at: now });
      return 'reminded';
    }
    if (step.action.kind === 'skip_reminder') {
      // Marked as handled (reminderSentAt) so that no later tick sends it; the close comes as usual.
      const minutes = Math.round(step.action.hoursLeft * 60);
      await saveTicketState(tx, ticket.id, { reminderSentAt: now, timerDueAt: nextDue });
      await addTicketEvent(tx, {
        ticketId: ticket.id, type: 'pending_reminder_skipped', actor: 'system', at: now,
        detail: `not sent: owed since ${calendar.addBusinessHours(since, lifecycle.pendingReminderHours).toISOString()} (the scheduler did not run), and the close is ${minutes} business minutes away, less than ${lifecycle.lateReminderMarginHours ?? 1} business hour(s)`,
      });
      return 'reminder_skipped';
    }
    if (step.action.kind === 'close') {
      await applyChange(tx, deps, ticket, {
        to: 'closed', now, actor: 'system', event: 'auto_closed', detail: step.action.reason,
        notice: { notice: 'closed', idempotencyKey: closingMailKey(ticket.id, since), autoSubmitted: 'auto-generated', closedAfter: ticket.status === 'pending' ? 'pending' : 'solved' },
      });
      return 'closed';
    }
    await saveTicketState(tx, ticket.id, { timerDueAt: nextDue });
    return 'rescheduled';
  });
}

/**
 * A customer's mail found its ticket pending or solved past its window (DOMAIN.md rules 3 and 4): the ticket is
 * closed now, as the next tick would have closed it, so that the mail opens a follow-up rather than reopening
 * it. The tick runs every 30 s, and not at all while the daemon is down and an MTA still delivers (`ingest -`).
 * No closing notice: the follow-up's own says the ticket was closed. True when it closed the ticket. The window
 * is judged at `answeredAt`, when the mail reached the mailbox (an answer read late is still in time).
 */
export async function closeIfWindowOver(tx: Tx, deps: LifecycleDeps, ticketId: number, now: Date, answeredAt: Date = now): Promise<boolean> {
  const over = await windowOverAt(tx, deps, ticketId, answeredAt);
  if (!over) return false;
  await applyChange(tx, deps, over.ticket, { to: 'closed', now, actor: 'system', event: 'auto_closed', detail: over.reason });
  return true;
}

/**
 * The pending or solved ticket whose window was over at `answeredAt`, and why it closes; null for any other.
 * Changes nothing: a stranger's answer closes no customer's ticket (stages/thread.ts), the tick does, with her mail.
 */
export async function windowOverAt(tx: Tx, deps: LifecycleDeps, ticketId: number, answeredAt: Date): Promise<{ ticket: TicketState; reason: string } | null> {
  const ticket = await loadTicketState(tx, { id: ticketId });
  const since = ticket && windowStart(ticket);
  if (!ticket || !since) return null;
  const elapsed = deps.policies.calendar.businessHoursBetween(since, answeredAt);
  const step = timerStep(ticket.status, elapsed, ticket.reminderSentAt !== null, deps.policies.lifecycle);
  return step.action.kind === 'close' ? { ticket, reason: step.action.reason } : null;
}

/** A close by the timer that an answer in time, read after it, undoes: the status it closed, and its closing mail's key. */
export interface TimerClose {
  from: 'pending' | 'solved';
  closingMailKey: string;
}

/**
 * The status whose window the timer closed the ticket at the end of, if `answeredAt` (when the answer reached the
 * mailbox) was still within that window: the tick closed it while the answer waited unread (between two polls,
 * or read by a daemon that started after an operator's `run-once`). Null for any other closed ticket.
 */
export async function closedByTimerBefore(tx: Tx, deps: LifecycleDeps, ticketId: number, answeredAt: Date): Promise<TimerClose | null> {
  const ticket = await loadTicketState(tx, { id: ticketId });
  const change = ticket?.status === 'closed' ? await lastStatusChange(tx, ticketId) : null;
  if (!ticket || change?.type !== 'auto_closed' || (change.fromStatus !== 'pending' && change.fromStatus !== 'solved')) return null;
  const since = windowStart({ ...ticket, status: change.fromStatus });
  if (!since || answeredAt < since) return null;
  const elapsed = deps.policies.calendar.businessHoursBetween(since, answeredAt);
  if (timerStep(change.fromStatus, elapsed, true, deps.policies.lifecycle).action.kind === 'close') return null;
  return { from: change.fromStatus, closingMailKey: closingMailKey(ticketId, since) };
}

function contactsFor(deps: LifecycleDeps, action: SlaAction): { level: number; to: string[] } {
  const level = action.kind === 'warning' ? 1 : action.level;
  return { level, to: deps.policies.escalationContacts.get(level) ?? [] };
}

/** SLA warnings (75% of the target) and escalations by level when a target is breached. */
export async function runSlaChecks(db: Db, deps: LifecycleDeps, now: Date): Promise<Record<string, number>> {
  const { calendar, sla } = deps.policies;
  return forEachDue(db, (limit) => ticketsWithSlaCheckDue(db, now, limit), async (tx, ticket) => {
    const phase = slaPhaseOf(ticket.status, ticket.firstRespondedAt !== null);
    if (!phase || !slaClockRuns(ticket.status)) {
      await saveTicketState(tx, ticket.id, { slaNextCheckAt: null });
      return 'cleared';
    }
    const target = targetHours(sla, ticket.slaPlan, ticket.priority as Priority, phase);
    const elapsed = slaElapsedAt(ticket, now, deps.policies);
    const step = slaStep({ phase, target, elapsed, warnedForPhase: ticket.slaWarnedFor === phase, escalationLevel: ticket.escalationLevel }, sla);
    const storedDue = phase === 'first_response' ? ticket.firstResponseDueAt : ticket.resolutionDueAt;
    const dueAt = storedDue ?? calendar.addBusinessHours(now, Math.max(0, target - elapsed));
    for (const action of step.actions) await escalate(tx, deps, ticket, phase, action, { dueAt, target, now });
    const breached = step.actions.filter((a) => a.kind === 'breach').length;
    await saveTicketState(tx, ticket.id, {
      slaWarnedFor: step.actions.length > 0 ? phase : ticket.slaWarnedFor,
      escalationLevel: ticket.escalationLevel + breached,
      slaNextCheckAt: step.nextAtElapsed === null ? null : calendar.addBusinessHours(now, step.nextAtElapsed - elapsed),
    });
    return step.actions.length === 0 ? 'rescheduled' : breached > 0 ? 'escalated' : 'warned';
  });
}

async function escalate(tx: Tx, deps: LifecycleDeps, ticket: TicketState, phase: SlaPhase, action: SlaAction, at: { dueAt: Date; target: number; now: Date }) {
  const { level, to } = contactsFor(deps, action);
  const kind = action.kind === 'warning' ? 'warning' : 'breach';
  await addTicketEvent(tx, {
    ticketId: ticket.id,
    type: kind === 'warning' ? 'sla_warning' : 'sla_breach',
    actor: 'system',
    detail: `${phase} target ${at.target} h; level ${level}${to.length ? ` -> ${to.join(', ')}` : ' (no escalation contacts configured)'}`,
    at: at.now,
  });
  if (to.length === 0) return;
  await enqueueNotice(tx, deps.notices, {
    ticketId: ticket.id,
    notice: 'escalation',
    idempotencyKey: `sla:${ticket.id}:${phase}:${kind}:${level}:${ticket.firstRespondedAt?.toISOString() ?? 'none'}`,
    autoSubmitted: 'auto-generated',
    now: at.now,
    internalRecipients: to,
    escalation: { level, kind, dueAt: at.dueAt, targetHours: at.target },
  });
}
