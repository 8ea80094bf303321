import { z } from 'zod';
import type { Config } from './config.js';
import { invalidConfiguration } from './config-typos.js';
import { BusinessCalendar, calendarFromEnv } from './domain/business-clock.js';
import { DEFAULT_LIFECYCLE_RULES, type LifecycleRules } from './domain/lifecycle.js';
import { DEFAULT_PRIORITY_MATRIX, PRIORITIES, type PriorityMatrix } from './domain/priority.js';
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

const hours = z.number().positive();
const byPriority = z.object({ urgent: hours, high: hours, normal: hours, low: hours }).partial();
const slaTargetsSchema = z
  .object({
    standard: z.object({ firstResponse: byPriority, resolution: byPriority }).partial(),
    prime: z.object({ firstResponse: byPriority, resolution: byPriority }).partial(),
  })
  .partial()
  .strict();

const priority = z.enum(PRIORITIES);
const byUrgency = z.object({ high: priority, medium: priority, low: priority }).partial().strict();
const priorityMatrixSchema = z.object({ high: byUrgency, medium: byUrgency, low: byUrgency }).partial().strict();

/** A setting written as JSON overrides, checked against `schema`; undefined when unset. */
function jsonSetting<T>(config: Config, name: 'SLA_TARGETS' | 'PRIORITY_MATRIX', schema: z.ZodType<T>, shape: { example: string; expected: string }): T | undefined {
  const text = config.env[name];
  if (!text) return undefined;
  const invalid = (message: string) => invalidConfiguration([`  ${name}: ${message}`], config.warnings);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(`expected JSON such as ${shape.example}`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw invalid(`expected ${shape.expected} (${result.error.issues[0]?.message})`);
  return result.data;
}

function slaPolicy(config: Config): SlaPolicy {
  const plans = structuredClone(DEFAULT_SLA_POLICY.plans);
  const overrides = jsonSetting(config, 'SLA_TARGETS', slaTargetsSchema, {
    example: '{"prime":{"firstResponse":{"urgent":1}}}',
    expected: '{"standard"|"prime": {"firstResponse"|"resolution": {"urgent"|"high"|"normal"|"low": hours}}}',
  });
  if (overrides) {
    for (const [plan, targets] of Object.entries(overrides)) {
      for (const [phase, values] of Object.entries(targets ?? {})) Object.assign(plans[plan as 'standard'][phase as 'firstResponse'], values);
    }
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
  const overrides = jsonSetting(config, 'PRIORITY_MATRIX', priorityMatrixSchema, {
    example: '{"medium":{"low":"normal"}} (impact, then urgency)',
    expected: '{"high"|"medium"|"low" (impact): {"high"|"medium"|"low" (urgency): "urgent"|"high"|"normal"|"low"}}',
  });
  for (const [impact, row] of Object.entries(overrides ?? {})) Object.assign(matrix[impact as 'high'], row);
  return matrix;
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
    priorityMatrix: priorityMatrix(config),
    escalationContacts: escalationContacts(config),
  };
}
