import type { Priority } from '../domain/priority.js';
import type { SlaPhase } from '../domain/sla.js';
import { reaches, slaClockRuns, slaPhaseOf, slaStep, targetHours } from '../domain/sla.js';
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
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
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
  const due = (phase: SlaPhase, stored: Date | null) => dueTime(state, { target: targetHours(policies.sla, state.slaPlan, priority, phase), elapsed, running, stored }, now, policies);
  return {
    slaElapsedHours: elapsed,
    slaRunningSince: running ? now : null,
    firstRespondedAt,
    firstResponseDueAt: firstRespondedAt === null ? due('first_response', state.firstResponseDueAt) : null,
    resolutionDueAt: due('resolution', state.resolutionDueAt),
    slaWarnedFor: state.slaWarnedFor,
    escalationLevel,
    slaNextCheckAt,
  };
}

/**
 * A target's due time: ahead of `now` while the clock has not reached it (none while paused: nothing is
 * promised while the ticket waits), else the instant it did. A due time that has passed is a fact the mails
 * quote ("Venció", "Respuesta a más tardar"): it must not move to each later status change, and a pause keeps it.
 */
function dueTime(state: ClockState, clock: { target: number; elapsed: number; running: boolean; stored: Date | null }, now: Date, policies: Policies): Date | null {
  const { calendar } = policies;
  if (!reaches(clock.elapsed, clock.target)) return clock.running ? calendar.addBusinessHours(now, clock.target - clock.elapsed) : null;
  // Reached in the stretch that ran until now: counted from its start.
  if (state.slaRunningSince && !reaches(state.slaElapsedHours, clock.target)) return calendar.addBusinessHours(state.slaRunningSince, clock.target - state.slaElapsedHours);
  // Reached before a pause: the instant stored then (a target just shortened by a new plan has none: now).
  return clock.stored !== null && clock.stored <= now ? clock.stored : calendar.nextOpening(now);
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
