import type { Priority } from './priority.js';
import type { TicketStatus } from './ticket-status.js';

// Service levels (DOMAIN.md rule 6): a first-response and a resolution target per priority and per
// organisation plan, in business hours; the clock runs while support holds the ticket (new, open) and
// pauses while it waits for the customer (pending) or a product issue (on hold). Pure.

export const SLA_PLANS = ['standard', 'prime'] as const;
export type SlaPlan = (typeof SLA_PLANS)[number];
export type SlaPhase = 'first_response' | 'resolution';

export interface SlaTargets {
  firstResponse: Record<Priority, number>;
  resolution: Record<Priority, number>;
}

export interface SlaPolicy {
  plans: Record<SlaPlan, SlaTargets>;
  /** Percent of the target at which a warning goes to the level-1 escalation contacts (default 75). */
  warningPercent: number;
  /** Percent of the target at which each escalation level fires: level 1 at breach (100), then 150, 200. */
  escalationPercents: number[];
}

export const DEFAULT_SLA_POLICY: SlaPolicy = {
  plans: {
    // First-response targets are DOMAIN.md's; resolution targets are ours (configurable).
    standard: { firstResponse: { urgent: 2, high: 8, normal: 24, low: 48 }, resolution: { urgent: 24, high: 60, normal: 120, low: 240 } },
    prime: { firstResponse: { urgent: 1, high: 4, normal: 12, low: 24 }, resolution: { urgent: 12, high: 36, normal: 60, low: 120 } },
  },
  warningPercent: 75,
  escalationPercents: [100, 150, 200],
};

export function isSlaPlan(value: string): value is SlaPlan {
  return (SLA_PLANS as readonly string[]).includes(value);
}

export function slaClockRuns(status: TicketStatus): boolean {
  return status === 'new' || status === 'open';
}

export function slaPhaseOf(status: TicketStatus, firstResponded: boolean): SlaPhase | null {
  if (status === 'solved' || status === 'closed') return null;
  return firstResponded ? 'resolution' : 'first_response';
}

export function targetHours(policy: SlaPolicy, plan: string, priority: Priority, phase: SlaPhase): number {
  const targets = policy.plans[isSlaPlan(plan) ? plan : 'standard'];
  return phase === 'first_response' ? targets.firstResponse[priority] : targets.resolution[priority];
}

export interface SlaProgress {
  phase: SlaPhase;
  target: number;
  /** Business hours consumed so far in this ticket's life (paused time excluded). */
  elapsed: number;
  warnedForPhase: boolean;
  /** Escalation levels already sent in this phase. */
  escalationLevel: number;
}

export type SlaAction = { kind: 'warning' } | { kind: 'breach'; level: number };

const HOUR_MS = 3_600_000;

/**
 * Whether `elapsed` business hours reach `mark`, compared in whole milliseconds as the business clock counts.
 * The elapsed time is a sum of float segments (several pauses can make 24 h read 23.999999999999996): a mark
 * missed by that much at closing time would otherwise wait for the next opening (a night, a weekend).
 */
export function reaches(elapsed: number, mark: number): boolean {
  return Math.round(elapsed * HOUR_MS) >= Math.round(mark * HOUR_MS);
}

/**
 * What is owed now (a warning, escalation levels not sent yet) and the elapsed-hours mark of the next
 * threshold to watch (null: nothing left to watch in this phase).
 */
export function slaStep(progress: SlaProgress, policy: SlaPolicy = DEFAULT_SLA_POLICY): { actions: SlaAction[]; nextAtElapsed: number | null } {
  const { target, elapsed } = progress;
  const warnAt = (target * policy.warningPercent) / 100;
  const levelMarks = policy.escalationPercents.map((p) => (target * p) / 100);
  const actions: SlaAction[] = [];
  const reachedLevel = levelMarks.filter((mark) => reaches(elapsed, mark)).length;
  // A warning only makes sense before the breach; past it, the breach notice says more.
  if (!progress.warnedForPhase && reaches(elapsed, warnAt) && reachedLevel === 0) actions.push({ kind: 'warning' });
  for (let level = progress.escalationLevel + 1; level <= reachedLevel; level++) actions.push({ kind: 'breach', level });
  const warned = progress.warnedForPhase || actions.some((a) => a.kind === 'warning') || reachedLevel > 0;
  const marks = [...(warned ? [] : [warnAt]), ...levelMarks.slice(Math.max(progress.escalationLevel, reachedLevel))];
  const next = marks.filter((m) => !reaches(elapsed, m)).sort((a, b) => a - b)[0];
  return { actions, nextAtElapsed: next ?? null };
}
