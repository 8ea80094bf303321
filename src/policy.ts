import type { Config } from './config.js';
import { invalidConfiguration } from './config-typos.js';
import { readEscalationContacts, readPriorityMatrix, readSlaTargets } from './config-rules.js';
import { BusinessCalendar, calendarFromEnv } from './domain/business-clock.js';
import { DEFAULT_LIFECYCLE_RULES, type LifecycleRules } from './domain/lifecycle.js';
import { DEFAULT_PRIORITY_MATRIX, type PriorityMatrix } from './domain/priority.js';
import { DEFAULT_SLA_POLICY, type SlaPolicy } from './domain/sla.js';

/** The business rules in force: calendar, lifecycle timers, SLA targets, escalation contacts. */
export interface Policies {
  calendar: BusinessCalendar;
  lifecycle: LifecycleRules;
  sla: SlaPolicy;
  /** Impact x urgency -> priority (DOMAIN.md rule 6's default, with PRIORITY_MATRIX's cells). */
  priorityMatrix: PriorityMatrix;
  /** Level -> the people told when a ticket reaches it (level 1 also gets the SLA warnings). */
  escalationContacts: Map<number, string[]>;
}

function slaPolicy(config: Config): SlaPolicy {
  const plans = structuredClone(DEFAULT_SLA_POLICY.plans);
  // loadConfig has checked them already; kept for a Config built otherwise (tests).
  const read = readSlaTargets(config.env.SLA_TARGETS);
  if ('problem' in read) throw invalidConfiguration([read.problem], config.warnings);
  for (const [plan, targets] of Object.entries(read.value)) {
    for (const [phase, values] of Object.entries(targets ?? {})) Object.assign(plans[plan as 'standard'][phase as 'firstResponse'], values);
  }
  return {
    plans,
    warningPercent: config.env.SLA_WARNING_PERCENT,
    escalationPercents: config.env.SLA_ESCALATION_PERCENTS.split(',').map(Number),
  };
}

/** DOMAIN.md rule 6's matrix is a default: a desk's contract may rate a cell otherwise (PRIORITY_MATRIX). */
function priorityMatrix(config: Config): PriorityMatrix {
  const matrix = structuredClone(DEFAULT_PRIORITY_MATRIX);
  // loadConfig has checked them already; kept for a Config built otherwise (tests).
  const read = readPriorityMatrix(config.env.PRIORITY_MATRIX);
  if ('problem' in read) throw invalidConfiguration([read.problem], config.warnings);
  for (const [impact, row] of Object.entries(read.value)) Object.assign(matrix[impact as 'high'], row);
  return matrix;
}

export function policiesFromConfig(config: Config): Policies {
  let calendar: BusinessCalendar;
  try {
    calendar = calendarFromEnv(config.calendarEnv);
  } catch (error) {
    // loadConfig has checked it already; kept for a Config built otherwise (tests).
    throw invalidConfiguration([`  ${(error as Error).message}`], config.warnings);
  }
  return {
    calendar,
    lifecycle: {
      pendingReminderHours: config.env.PENDING_REMINDER_HOURS ?? DEFAULT_LIFECYCLE_RULES.pendingReminderHours,
      pendingCloseHours: config.env.PENDING_CLOSE_HOURS,
      solvedCloseHours: config.env.SOLVED_CLOSE_HOURS,
      lateReminderMarginHours: config.env.LATE_REMINDER_MARGIN_HOURS,
    },
    sla: slaPolicy(config),
    priorityMatrix: priorityMatrix(config),
    escalationContacts: readEscalationContacts(config.env.ESCALATION_CONTACTS),
  };
}
