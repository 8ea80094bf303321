import { z } from 'zod';
import type { Env } from './config-variables.js';
import { PRIORITIES } from './domain/priority.js';

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

export type SlaTargets = z.infer<typeof slaTargetsSchema>;
export type PriorityOverrides = z.infer<typeof priorityMatrixSchema>;
type Read<T> = { value: T } | { problem: string };

/** A setting written as JSON overrides, checked against `schema`: its value ({} when unset), or the line naming what is wrong. */
function readJsonSetting<T>(name: string, raw: string | undefined, schema: z.ZodType<T>, shape: { example: string; expected: string }): Read<T | Record<string, never>> {
  if (!raw) return { value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { problem: `  ${name}: expected JSON such as ${shape.example}` };
  }
  const result = schema.safeParse(parsed);
  if (!result.success) return { problem: `  ${name}: expected ${shape.expected} (${result.error.issues[0]?.message})` };
  return { value: result.data };
}

/**
 * SLA_TARGETS's overrides, or the line naming what is wrong with them. loadConfig checks them with the other
 * values, so that every bad one is reported at once; policy.ts applies them.
 */
export function readSlaTargets(raw: string | undefined): Read<SlaTargets> {
  return readJsonSetting('SLA_TARGETS', raw, slaTargetsSchema, {
    example: '{"prime":{"firstResponse":{"urgent":1}}}',
    expected: '{"standard"|"prime": {"firstResponse"|"resolution": {"urgent"|"high"|"normal"|"low": hours}}}',
  });
}

/** PRIORITY_MATRIX's cells (DOMAIN.md rule 6's matrix is a default), or the line naming what is wrong; as SLA_TARGETS. */
export function readPriorityMatrix(raw: string | undefined): Read<PriorityOverrides> {
  return readJsonSetting('PRIORITY_MATRIX', raw, priorityMatrixSchema, {
    example: '{"medium":{"low":"normal"}} (impact, then urgency)',
    expected: '{"high"|"medium"|"low" (impact): {"high"|"medium"|"low" (urgency): "urgent"|"high"|"normal"|"low"}}',
  });
}

/**
 * The lifecycle timers' and SLA settings that make sense only together (each alone is checked by the schema in
 * config-variables.ts): the problems, each a line naming the setting.
 */
export function timerAndSlaProblems(e: Pick<Env, 'PENDING_REMINDER_HOURS' | 'PENDING_CLOSE_HOURS' | 'SLA_ESCALATION_PERCENTS' | 'SLA_WARNING_PERCENT' | 'ESCALATION_CONTACTS'>): string[] {
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
  // A ticket escalates to as many levels as SLA_ESCALATION_PERCENTS has: a contact at another level was never told.
  const beyond = [...readEscalationContacts(e.ESCALATION_CONTACTS)].filter(([level]) => level < 1 || level > levels.length);
  if (beyond.length) {
    const got = beyond.flatMap(([level, addresses]) => addresses.map((address) => `level ${level} for ${address}`)).join(', ');
    problems.push(`  ESCALATION_CONTACTS: expected levels from 1 to ${levels.length}, one per percent of SLA_ESCALATION_PERCENTS (got ${got}, and ${e.SLA_ESCALATION_PERCENTS}): add a percent for each level, or give the contact a level that exists`);
  }
  return problems;
}

/** ESCALATION_CONTACTS ("1:lead@x.com, 2:manager@x.com", checked by the schema): the addresses of each level, lower-cased. */
export function readEscalationContacts(raw: string | undefined): Map<number, string[]> {
  const contacts = new Map<number, string[]>();
  for (const pair of (raw ?? '').split(',').filter((p) => p.trim())) {
    const [level, address] = pair.split(':').map((part) => part.trim()) as [string, string];
    contacts.set(Number(level), [...(contacts.get(Number(level)) ?? []), address.toLowerCase()]);
  }
  return contacts;
}

/** The well-known ports, with whether their TLS starts with the connection (README "Configuration"). */
const TLS_FROM_THE_START: Record<'IMAP' | 'SMTP', Record<number, boolean>> = { IMAP: { 993: true, 143: false }, SMTP: { 465: true, 587: false, 25: false } };

/**
 * IMAP_SECURE or SMTP_SECURE that contradicts its well-known port (143 with TLS, 465 without): the gateway starts,
 * and its sessions fail in the log with the TLS library's words or a greeting that never comes. Warned, not refused:
 * a tunnel or a test server may use a port otherwise.
 */
export function tlsPortWarnings(e: Pick<Env, 'IMAP_HOST' | 'IMAP_PORT' | 'IMAP_SECURE' | 'SMTP_HOST' | 'SMTP_PORT' | 'SMTP_SECURE'>): string[] {
  const warnings: string[] = [];
  const check = (kind: 'IMAP' | 'SMTP', port: number, secure: boolean, plainPort: number, tlsPort: number) => {
    const tls = TLS_FROM_THE_START[kind][port];
    if (tls === undefined || tls === secure) return;
    warnings.push(
      tls
        ? `${kind}_PORT ${port} is the ${kind} port with TLS from the start, but ${kind}_SECURE is false: set ${kind}_SECURE=true, or ${kind}_PORT=${plainPort}`
        : `${kind}_PORT ${port} is ${kind === 'IMAP' ? 'the plain IMAP port' : 'a plain SMTP port (STARTTLS)'}, but ${kind}_SECURE is true (TLS from the start): set ${kind}_SECURE=false${kind === 'IMAP' ? ' (STARTTLS when offered)' : ''}, or ${kind}_PORT=${tlsPort}`,
    );
  };
  if (e.IMAP_HOST) check('IMAP', e.IMAP_PORT, e.IMAP_SECURE, 143, 993);
  if (e.SMTP_HOST) check('SMTP', e.SMTP_PORT, e.SMTP_SECURE, 587, 465);
  return warnings;
}

const IMAP_LOGIN = ['IMAP_USER', 'IMAP_PASSWORD', 'IMAP_OAUTH2_TOKEN_URL', 'IMAP_OAUTH2_CLIENT_ID', 'IMAP_OAUTH2_CLIENT_SECRET', 'IMAP_OAUTH2_REFRESH_TOKEN', 'IMAP_OAUTH2_SERVICE_ACCOUNT_FILE'] as const;
const SMTP_LOGIN = ['SMTP_USER', 'SMTP_PASSWORD'] as const;

/**
 * A login set without its server (IMAP_PASSWORD but no IMAP_HOST, or the host misspelt as IMAP_SERVER): the
 * credentials went unused without a word, the daemon read no mail and `SMTP_PASSWORD` sent none. Warned, not
 * refused: running without a mailbox or a mail server is a valid set-up, only likely not the one meant.
 */
export function loginWithoutServerWarnings(e: Pick<Env, 'IMAP_HOST' | 'SMTP_HOST' | (typeof IMAP_LOGIN)[number] | (typeof SMTP_LOGIN)[number]>): string[] {
  const warnings: string[] = [];
  const check = (host: 'IMAP_HOST' | 'SMTP_HOST', names: readonly (keyof typeof e)[], consequence: string, server: string) => {
    if (e[host] !== undefined) return;
    const set = names.filter((name) => e[name] !== undefined);
    if (!set.length) return;
    const listed = set.length > 1 ? `${set.slice(0, -1).join(', ')} and ${set.at(-1)} are` : `${set[0]} is`;
    warnings.push(`${listed} set but ${host} is not: ${consequence}; set ${host} to ${server}, or unset ${set.length > 1 ? 'them' : 'it'}`);
  };
  check('IMAP_HOST', IMAP_LOGIN, 'no mailbox is read (`start` runs the scheduled jobs only)', "the mailbox's server");
  check('SMTP_HOST', SMTP_LOGIN, 'no mail is sent, it is written to DATA_DIR/outbox as .eml files', 'the mail server');
  return warnings;
}
