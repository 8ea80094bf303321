import type { Env } from './config.js';

/**
 * The lifecycle timers' and SLA settings that make sense only together (each alone is checked by the schema in
 * config.ts): the problems, each a line naming the setting.
 */
export function timerAndSlaProblems(e: Pick<Env, 'PENDING_REMINDER_HOURS' | 'PENDING_CLOSE_HOURS' | 'SLA_ESCALATION_PERCENTS' | 'SLA_WARNING_PERCENT'>): string[] {
  const problems: string[] = [];
  // The reminder must come before the close, or it would hold the close back until the reminder's hour.
  if (e.PENDING_REMINDER_HOURS >= e.PENDING_CLOSE_HOURS) {
    problems.push(`  PENDING_REMINDER_HOURS: expected fewer hours than PENDING_CLOSE_HOURS (got ${e.PENDING_REMINDER_HOURS} and ${e.PENDING_CLOSE_HOURS})`);
  }
  // slaStep watches the levels in order: one written after a higher one would wait for it (and 0% fires at once).
  const levels = e.SLA_ESCALATION_PERCENTS.split(',').map(Number);
  if (levels.some((p, i) => p <= 0 || (i > 0 && p <= (levels[i - 1] ?? 0)))) {
    problems.push(`  SLA_ESCALATION_PERCENTS: expected percents above 0 that rise from one level to the next, e.g. 100,150,200 (got ${e.SLA_ESCALATION_PERCENTS})`);
  }
  // A warning is sent only before the first escalation (slaStep): at or past it, it was silently never sent.
  if (e.SLA_WARNING_PERCENT >= (levels[0] ?? Infinity)) {
    problems.push(`  SLA_WARNING_PERCENT: expected a percent below the first of SLA_ESCALATION_PERCENTS (got ${e.SLA_WARNING_PERCENT} and ${e.SLA_ESCALATION_PERCENTS})`);
  }
  return problems;
}
