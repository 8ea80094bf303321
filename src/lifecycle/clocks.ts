import type { Priority } from '../domain/priority.js';
import { slaClockRuns, slaPhaseOf, slaStep, targetHours } from '../domain/sla.js';
import type { TicketStatus } from '../domain/ticket-status.js';
import type { Policies } from '../policy.js';

// Recomputes the stored timers of a ticket after anything that changes its status or first response:
// the lifecycle timer (reminder/auto-close) and the SLA clock with its due times and next check.
// The stored due times are what the scheduler's indexed queries look at.

export interface ClockState {
  status: TicketStatus;
  priority: string;
  slaPlan: string;
  slaElapsedHours: number;
  slaRunningSince: Date | null;
  firstRespondedAt: Date | null;
  slaWarnedFor: string | null;
  escalationLevel: number;
}

export interface ClockFields {
  slaElapsedHours: number;
  slaRunningSince: Date | null;
  firstRespondedAt: Date | null;
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  slaWarnedFor: string | null;
  escalationLevel: number;
  slaNextCheckAt: Date | null;
}

/** Business hours the SLA clock has consumed up to `now`. */
export function slaElapsedAt(state: Pick<ClockState, 'slaElapsedHours' | 'slaRunningSince'>, now: Date, policies: Policies): number {
  const running = state.slaRunningSince ? policies.calendar.businessHoursBetween(state.slaRunningSince, now) : 0;
  return state.slaElapsedHours + running;
}

/**
 * The SLA fields once the ticket is `next.status` at `now` (with `respondedNow` when this change is the
 * first public answer from support). The elapsed time is settled, then the clock restarts or pauses.
 */
export function slaFields(state: ClockState, next: { status: TicketStatus; respondedNow?: boolean }, now: Date, policies: Policies): ClockFields {
  const elapsed = slaElapsedAt(state, now, policies);
  const firstRespondedAt = state.firstRespondedAt ?? (next.respondedNow ? now : null);
  const running = slaClockRuns(next.status);
  const phase = slaPhaseOf(next.status, firstRespondedAt !== null);
  // Escalation levels count per target: the first answer resets them for the resolution target (and
  // nothing else does: a reopened ticket keeps the levels it already reached).
  const escalationLevel = (state.firstRespondedAt !== null) === (firstRespondedAt !== null) ? state.escalationLevel : 0;
  const priority = state.priority as Priority;
  const dueIn = (target: number) => policies.calendar.addBusinessHours(now, Math.max(0, target - elapsed));
  let slaNextCheckAt: Date | null = null;
  if (running && phase) {
    const target = targetHours(policies.sla, state.slaPlan, priority, phase);
    const step = slaStep({ phase, target, elapsed, warnedForPhase: state.slaWarnedFor === phase, escalationLevel }, policies.sla);
    slaNextCheckAt = step.actions.length > 0 ? now : step.nextAtElapsed === null ? null : dueIn(step.nextAtElapsed);
  }
  return {
    slaElapsedHours: elapsed,
    slaRunningSince: running ? now : null,
    firstRespondedAt,
    firstResponseDueAt: running && firstRespondedAt === null ? dueIn(targetHours(policies.sla, state.slaPlan, priority, 'first_response')) : null,
    resolutionDueAt: running && phase ? dueIn(targetHours(policies.sla, state.slaPlan, priority, 'resolution')) : null,
    slaWarnedFor: state.slaWarnedFor,
    escalationLevel,
    slaNextCheckAt,
  };
}

export interface TimerFields {
  pendingSince?: Date | null;
  reminderSentAt?: Date | null;
  solvedAt?: Date | null;
  closedAt?: Date | null;
  timerDueAt: Date | null;
}

/** The lifecycle timer that starts with a status: pending -> reminder then close; solved -> close. */
export function timerFields(status: TicketStatus, now: Date, policies: Policies): TimerFields {
  const after = (hours: number) => policies.calendar.addBusinessHours(now, hours);
  switch (status) {
    case 'pending':
      return { pendingSince: now, reminderSentAt: null, timerDueAt: after(policies.lifecycle.pendingReminderHours) };
    case 'solved':
      return { solvedAt: now, timerDueAt: after(policies.lifecycle.solvedCloseHours) };
    case 'closed':
      return { closedAt: now, timerDueAt: null };
    default:
      return { timerDueAt: null };
  }
}
