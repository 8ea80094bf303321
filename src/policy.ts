import { z } from 'zod';
import type { Config } from './config.js';
import { invalidConfiguration } from './config-typos.js';
import { BusinessCalendar, calendarFromEnv } from './domain/business-clock.js';
import { DEFAULT_LIFECYCLE_RULES, type LifecycleRules } from './domain/lifecycle.js';
import { DEFAULT_SLA_POLICY, type SlaPolicy } from './domain/sla.js';

/** The business rules in force: calendar, lifecycle timers, SLA targets, escalation contacts. */
export interface Policies {
  calendar: BusinessCalendar;
  lifecycle: LifecycleRules;
  sla: SlaPolicy;
  /** Level -> the people told when a ticket reaches it (level 1 also gets the SLA warnings). */
  escalationContacts: Map<number, string[]>;
}

const hours = z.number().positive();
const byPriority = z.object({ urgent: hours, high: hours, normal: hours, low: hours }).partial();
const slaTargetsSchema = z
  .object({
    standard: z.object({ firstResponse: byPriority, resolution: byPriority }).partial(),
    prime: z.object({ firstResponse: byPriority, resolution: byPriority }).partial(),
  })
  .partial()
  .strict();

function slaPolicy(config: Config): SlaPolicy {
  const invalid = (name: string, message: string) => invalidConfiguration([`  ${name}: ${message}`], config.warnings);
  const plans = structuredClone(DEFAULT_SLA_POLICY.plans);
  if (config.env.SLA_TARGETS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(config.env.SLA_TARGETS);
    } catch {
      throw invalid('SLA_TARGETS', 'expected JSON such as {"prime":{"firstResponse":{"urgent":1}}}');
    }
    const result = slaTargetsSchema.safeParse(parsed);
    if (!result.success) throw invalid('SLA_TARGETS', `expected {"standard"|"prime": {"firstResponse"|"resolution": {"urgent"|"high"|"normal"|"low": hours}}} (${result.error.issues[0]?.message})`);
    for (const [plan, targets] of Object.entries(result.data)) {
      for (const [phase, values] of Object.entries(targets ?? {})) Object.assign(plans[plan as 'standard'][phase as 'firstResponse'], values);
    }
  }
  return {
    plans,
    warningPercent: config.env.SLA_WARNING_PERCENT,
    escalationPercents: config.env.SLA_ESCALATION_PERCENTS.split(',').map(Number),
  };
}

function escalationContacts(config: Config): Map<number, string[]> {
  const contacts = new Map<number, string[]>();
  for (const pair of (config.env.ESCALATION_CONTACTS ?? '').split(',').filter(Boolean)) {
    const [level, address] = pair.split(':').map((part) => part.trim()) as [string, string];
    contacts.set(Number(level), [...(contacts.get(Number(level)) ?? []), address.toLowerCase()]);
  }
  return contacts;
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
    },
    sla: slaPolicy(config),
    escalationContacts: escalationContacts(config),
  };
}
