import { resolve } from 'node:path';
import { z } from 'zod';
import { invalidConfiguration, shownValue, unknownSettingWarnings } from './config-typos.js';
import { MIN_SECRET_LENGTH } from './secret.js';
import { isLinkBase } from './http/public-url.js';
import type { OAuth2Settings } from './oauth2-token.js';
import { imapConfig } from './config-imap.js';
import { readPriorityMatrix, readSlaTargets, timerAndSlaProblems } from './config-rules.js';
import { calendarFromEnv } from './domain/business-clock.js';
import { loadDotenv } from './dotenv.js';

// Any letter case: container env files and YAML tools write "True", "FALSE".
const bool = (fallback: boolean) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );

const port = (fallback: number) => {
  return z.coerce
    .number({ error: 'expected a port number' })
    .int('expected a whole number')
    .min(1, 'expected a port between 1 and 65535')
    .max(65535, 'expected a port between 1 and 65535')
    .default(fallback);
};

const positiveInt = (fallback: number) =>
  z.coerce.number({ error: 'expected a number' }).int('expected a whole number').positive('expected a number above 0').default(fallback);

const positiveNumber = (fallback: number) =>
  z.coerce.number({ error: 'expected a number' }).positive('expected a number above 0').default(fallback);

const email = z.email({ error: 'expected an email address such as support@example.com' });
// A value of spaces only is no value; an empty one is unset (loadConfig), and the default applies.
const notBlank = 'expected a value, not only spaces (an empty value leaves it unset)';
const optionalText = z.string().trim().min(1, notBlank).optional();

const envSchema = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^file:/, 'expected a SQLite URL such as file:./data/ventanilla.db (other databases are not supported yet)')
    .optional(),
  SUPPORT_ADDRESS: email.default('soporte@ventanilla.test'),
  SECRET_KEY: z
    .string()
    .min(MIN_SECRET_LENGTH, `expected at least ${MIN_SECRET_LENGTH} characters (use a long random string)`)
    // .env.example's line uncommented as it stands: a key known to everyone who read the example.
    .refine((v) => v !== 'change-me-to-a-long-random-string', "expected a key of your own, not .env.example's placeholder (e.g. `openssl rand -hex 32`)")
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'expected fatal, error, warn, info, debug, trace or silent' }).default('info'),
  IMAP_HOST: optionalText,
  IMAP_PORT: port(993),
  IMAP_SECURE: bool(true),
  IMAP_USER: optionalText,
  IMAP_PASSWORD: optionalText,
  IMAP_MAILBOX: z.string().min(1).default('INBOX'),
  IMAP_PROCESSED_MAILBOX: z.string().default('Processed'),
  IMAP_POLL_SECONDS: positiveInt(60),
  IMAP_TIMEOUT_SECONDS: positiveInt(60),
  // OAuth2 instead of IMAP_PASSWORD (Microsoft 365, Google): README "Configuration".
  IMAP_OAUTH2_TOKEN_URL: z.url({ protocol: /^https?$/, error: 'expected the https address of the token endpoint' }).optional(),
  IMAP_OAUTH2_CLIENT_ID: optionalText,
  IMAP_OAUTH2_CLIENT_SECRET: optionalText,
  IMAP_OAUTH2_SCOPE: optionalText,
  IMAP_OAUTH2_REFRESH_TOKEN: optionalText,
  // A Google Workspace service account's JSON key (domain-wide delegation) instead of a secret or refresh token.
  IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: optionalText,
  // Knowledge-base articles (README "Knowledge base"): default DATA_DIR/kb.
  KNOWLEDGE_BASE_DIR: optionalText,
  IMAP_TLS_REJECT_UNAUTHORIZED: bool(true),
  MAX_MESSAGE_BYTES: positiveInt(25 * 1024 * 1024),
  SUPPORT_NAME: z.string().trim().min(1, notBlank).default('Soporte'),
  REPLY_TO_PLUS_ADDRESS: bool(true),
  SMTP_HOST: optionalText,
  SMTP_PORT: port(587),
  SMTP_SECURE: bool(false),
  SMTP_USER: optionalText,
  SMTP_PASSWORD: optionalText,
  SMTP_TLS_REJECT_UNAUTHORIZED: bool(true),
  SMTP_REQUIRE_TLS: bool(true),
  SMTP_POOL_SIZE: positiveInt(5),
  // The IMAP_OAUTH2_* app's tokens for SMTP too (Microsoft 365: SMTP.SendAsApp; Google: the same grant, or the
  // service account acting for the address that sends).
  SMTP_OAUTH2: bool(false),
  // How long a mail the server keeps deferring (4xx) is tried again: 5 days, as mail servers keep their queue
  // (Postfix's maximal_queue_lifetime). A count of tries, when set, gives up sooner.
  OUTBOX_RETRY_HOURS: positiveInt(120),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').positive('expected a number above 0').optional(),
  MAX_ATTACHMENT_BYTES: positiveInt(20 * 1024 * 1024),
  AUTO_MAIL_LIMIT: positiveInt(10),
  AUTO_MAIL_WINDOW_MINUTES: positiveInt(60),
  PENDING_REMINDER_HOURS: positiveNumber(36),
  PENDING_CLOSE_HOURS: positiveNumber(60),
  SOLVED_CLOSE_HOURS: positiveNumber(84),
  SLA_WARNING_PERCENT: positiveNumber(75),
  SLA_ESCALATION_PERCENTS: z
    .string()
    .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'expected percents of the SLA target, one per escalation level, e.g. 100,150,200')
    .default('100,150,200'),
  SLA_TARGETS: z.string().optional(),
  PRIORITY_MATRIX: z.string().optional(),
  ESCALATION_CONTACTS: z
    .string()
    // Spaces around the commas and colons, as people type lists ("1:lead@x.com, 2:manager@x.com").
    .regex(/^\s*\d+\s*:\s*[^,:\s]+@[^,:\s]+\s*(,\s*\d+\s*:\s*[^,:\s]+@[^,:\s]+\s*)*$/, 'expected level:address pairs, e.g. 1:lead@example.com,2:manager@example.com')
    .optional(),
  // Who may open tickets (README "Who may open tickets") and whose From address is believed.
  UNKNOWN_SENDER_POLICY: z.enum(['accept', 'hold', 'reject'], { error: 'expected accept, hold or reject' }).default('accept'),
  // Refusals (access_denied) to all senders together per AUTO_MAIL_WINDOW_MINUTES: a spam run forging a new From
  // in each mail is otherwise answered once per forged address (backscatter to innocent people).
  REFUSAL_LIMIT: positiveInt(100),
  // New tickets' acknowledgements to all senders together per AUTO_MAIL_WINDOW_MINUTES; past it they are queued for
  // when the window has room (the same spam run under accept; src/outbound/ack-throttle.ts). 0: no limit.
  ACK_LIMIT: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(0, 'expected 0 (no limit) or a number above 0').default(500),
  // The desk's own web forms: their mail's Reply-To names the customer (stages/web-form.ts).
  FORM_SENDERS: z
    .string()
    .regex(/^\s*[^,\s@]+@[^,\s@]+\s*(,\s*[^,\s@]+@[^,\s@]+\s*)*$/, 'expected a comma list of addresses, e.g. formulario@example.com')
    .optional(),
  // Other addresses of the desk delivered to the same mailbox (ventas@, facturacion@): ours, never a ticket's CC.
  SUPPORT_ALIASES: z
    .string()
    .regex(/^\s*[^,\s@]+@[^,\s@]+\s*(,\s*[^,\s@]+@[^,\s@]+\s*)*$/, 'expected a comma list of addresses, e.g. ventas@example.com,facturacion@example.com')
    .optional(),
  TRUSTED_AUTHSERV_IDS: z
    .string()
    .regex(/^\s*[^\s,;]+\s*(,\s*[^\s,;]*\s*)*$/, 'expected the authserv-ids of your receiving servers, comma-separated, e.g. mx.example.com,microsoft365')
    .optional(),
  // 0: any free port (tests); the address is logged at start.
  HTTP_PORT: z.coerce.number({ error: 'expected a port number' }).int('expected a whole number').min(0, 'expected a port between 0 and 65535').max(65535, 'expected a port between 0 and 65535').default(3000),
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z
    // abort: the refinement's `new URL` throws on what is no URL at all ("support.example.com").
    .url({ error: 'expected a URL such as https://support.example.com', abort: true })
    .refine(isLinkBase, 'expected an http(s) address such as https://support.example.com (a path may follow), with no query, fragment or user name: links in mail are built on it')
    .optional(),
  // Satisfaction surveys (README "Surveys").
  CSAT_ENABLED: bool(true),
  CSAT_SCALE: z.enum(['good_bad', '1-5'], { error: 'expected good_bad or 1-5' }).default('good_bad'),
  SURVEY_LINK_DAYS: positiveInt(30),
  NPS_ENABLED: bool(true),
  NPS_DAILY_LIMIT: positiveInt(50),
  NPS_INTERVAL_MONTHS: positiveInt(12),
  // Bulletins and bounce suppression (README "Bulletins").
  BULLETIN_ADDRESS: email.optional(),
  BULLETIN_NAME: z.string().trim().min(1, notBlank).default('Boletín fiscal'),
  BULLETIN_LIST_ID: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z0-9-]+$/, 'expected a list id such as boletin.example.com').optional(),
  BULLETIN_RATE_PER_MINUTE: positiveInt(600),
  BULLETIN_CONFIRM_DAYS: positiveInt(7),
  SUPPRESSION_DAYS: positiveInt(180),
  SOFT_BOUNCE_LIMIT: positiveInt(3),
  SOFT_BOUNCE_WINDOW_DAYS: positiveInt(30),
  SOFT_BOUNCE_SUPPRESSION_DAYS: positiveInt(30),
});

export type Env = z.infer<typeof envSchema>;

export interface SurveyConfig {
  csatEnabled: boolean;
  csatScale: Env['CSAT_SCALE'];
  /** How long the links in a survey mail work. */
  linkDays: number;
  npsEnabled: boolean;
  npsDailyLimit: number;
  /** Asked when the contact had a ticket in this many months and was not asked in as many. */
  npsIntervalMonths: number;
}

const CALENDAR_VARIABLES = ['BUSINESS_TIMEZONE', 'BUSINESS_DAYS', 'BUSINESS_HOURS', 'HOLIDAY_COUNTRY', 'CLOSED_DATES'];
/** Every variable Ventanilla reads; VENTANILLA_AGENT is the CLI's (cli/with-app.ts). */
const KNOWN_VARIABLES: ReadonlySet<string> = new Set([...Object.keys(envSchema.shape), ...CALENDAR_VARIABLES, 'VENTANILLA_AGENT']);

export interface Config {
  dataDir: string;
  /** Knowledge-base articles, <slug>.md (src/knowledge/articles.ts); a missing folder means none. */
  knowledgeBaseDir: string;
  databaseUrl: string;
  databasePath: string;
  supportAddress: string;
  /** SUPPORT_ALIASES, lower case: the desk's other addresses (app.ts ownAddresses). */
  supportAliases: string[];
  /** Undefined until resolved by loadSecret(); signs Message-IDs, plus-address tokens and links. */
  secretKey?: string;
  logLevel: Env['LOG_LEVEL'];
  imap?: {
    host: string;
    port: number;
    secure: boolean;
    user: string;
    password: string;
    mailbox: string;
    processedMailbox: string;
    pollSeconds: number;
    /** Set: the mailbox is reached with OAuth2 access tokens (XOAUTH2), not the password. */
    oauth2?: OAuth2Settings;
    /** How long a command may go unanswered (and an IDLE probe too) before the connection is given up. */
    timeoutSeconds: number;
    rejectUnauthorized: boolean;
  };
  maxMessageBytes: number;
  supportName: string;
  /** Reply-To a ticket's signed plus-address (soporte+1042-...@); false where the mail server refuses plus addressing. */
  replyToPlusAddress: boolean;
  /** Raw calendar settings (BUSINESS_*, HOLIDAY_COUNTRY, CLOSED_DATES): an empty HOLIDAY_COUNTRY means none. */
  calendarEnv: Record<string, string | undefined>;
  /** Sender authorisation and authenticity: UNKNOWN_SENDER_POLICY, TRUSTED_AUTHSERV_IDS (lower case). */
  access: { unknownSenderPolicy: Env['UNKNOWN_SENDER_POLICY']; trustedAuthservIds: string[]; formSenders: string[]; refusalLimit: number };
  /** requireTLS: STARTTLS or nothing (a login is never sent in clear); only with a user, unless secure. */
  /** oauth2: the IMAP app's tokens (SMTP_OAUTH2) instead of the password. */
  smtp?: { host: string; port: number; secure: boolean; user?: string; password?: string; oauth2?: OAuth2Settings; rejectUnauthorized: boolean; requireTLS: boolean; poolSize: number };
  /** CSAT after each ticket solved by support, NPS once a year per active contact (README "Surveys"). */
  surveys: SurveyConfig;
  /** Bulletins and bounce suppression (README "Bulletins"). */
  bulletins: BulletinConfig;
  env: Env;
  /** Variables that look like settings but are none (a misspelt IMAP_PASWORD): logged at start-up. */
  warnings: string[];
}

export interface BulletinConfig {
  /** Sends the bulletins; mail to it with SUSCRIBIR / BAJA subscribes or unsubscribes (never a ticket). */
  address: string;
  name: string;
  /** List-Id: <listId>. */
  listId: string;
  ratePerMinute: number;
  confirmDays: number;
  suppression: { hardDays: number; softLimit: number; softWindowDays: number; softDays: number };
}

/**
 * A blank variable is an unset one (its default applies), except these, whose blank value says "none" (README,
 * Configuration): IMAP_PROCESSED_MAILBOX empty flags committed mails and leaves them in the inbox.
 */
const BLANK_MEANS_NONE = new Set(['IMAP_PROCESSED_MAILBOX']);

/** Reads the configuration from the environment (and ./.env when present); throws one error listing every bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: { dotenv?: boolean } = {}): Config {
  const dotenvWarnings = opts.dotenv !== false && env === process.env ? loadDotenv(env) : [];
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && (v !== '' || BLANK_MEANS_NONE.has(k))));
  const parsed = envSchema.safeParse(blanksRemoved);
  const warnings = [...dotenvWarnings, ...unknownSettingWarnings(env, KNOWN_VARIABLES)];
  const calendarEnv = Object.fromEntries(CALENDAR_VARIABLES.map((name) => [name, env[name]]));
  // The calendar, SLA_TARGETS and PRIORITY_MATRIX, which policy.ts builds (again: ~0.1 ms, the calendar's data
  // cached), are checked here so that a bad one is listed with the rest.
  const overrides = [readSlaTargets(blanksRemoved.SLA_TARGETS), readPriorityMatrix(blanksRemoved.PRIORITY_MATRIX)];
  const policyProblems = [...calendarProblem(calendarEnv), ...overrides.flatMap((read) => ('problem' in read ? [read.problem] : []))];
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const got = shownValue(name, blanksRemoved[name]);
      return `  ${name}: ${issue.message}${got === undefined ? '' : ` (got ${got})`}`;
    });
    throw invalidConfiguration([...lines, ...policyProblems], warnings);
  }
  const e = parsed.data;
  const problems: string[] = [];
  problems.push(...timerAndSlaProblems(e));
  // Moving each mail into the mailbox it came from gives it a new UID above the cursor: read again, for ever.
  const sameMailbox = (a: string, b: string) => (a.toUpperCase() === 'INBOX' ? a.toUpperCase() === b.toUpperCase() : a === b);
  if (e.IMAP_PROCESSED_MAILBOX && sameMailbox(e.IMAP_MAILBOX, e.IMAP_PROCESSED_MAILBOX)) {
    problems.push(`  IMAP_PROCESSED_MAILBOX: expected another mailbox than IMAP_MAILBOX, or empty to flag only (got "${e.IMAP_PROCESSED_MAILBOX}")`);
  }
  const imap = imapConfig(e, problems, warnings);
  const smtpOAuth2 = e.SMTP_OAUTH2 ? imap?.oauth2 : undefined;
  if (e.SMTP_OAUTH2 && !smtpOAuth2) problems.push('  SMTP_OAUTH2: uses the IMAP_OAUTH2_* app, which is not set (IMAP_HOST, IMAP_USER, and IMAP_OAUTH2_TOKEN_URL with IMAP_OAUTH2_CLIENT_ID, or IMAP_OAUTH2_SERVICE_ACCOUNT_FILE)');
  // The mailbox's own address logs in, unless SMTP_USER names another.
  const smtpUser = e.SMTP_USER ?? (smtpOAuth2 ? imap?.user : undefined);
  problems.push(...policyProblems);
  if (problems.length) throw invalidConfiguration(problems, warnings);
  const dataDir = resolve(e.DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? `file:${resolve(dataDir, 'ventanilla.db')}`;
  return {
    dataDir,
    knowledgeBaseDir: resolve(e.KNOWLEDGE_BASE_DIR ?? resolve(dataDir, 'kb')),
    databaseUrl,
    databasePath: resolve(databaseUrl.replace(/^file:/, '')),
    supportAddress: e.SUPPORT_ADDRESS.toLowerCase(),
    supportAliases: (e.SUPPORT_ALIASES ?? '').split(',').map((v) => v.trim().toLowerCase()).filter(Boolean),
    secretKey: e.SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    imap,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    supportName: e.SUPPORT_NAME,
    replyToPlusAddress: e.REPLY_TO_PLUS_ADDRESS,
    access: {
      unknownSenderPolicy: e.UNKNOWN_SENDER_POLICY,
      trustedAuthservIds: (e.TRUSTED_AUTHSERV_IDS ?? '').split(',').map((v) => v.trim().toLowerCase()).filter(Boolean),
      formSenders: (e.FORM_SENDERS ?? '').split(',').map((v) => v.trim().toLowerCase()).filter(Boolean),
      refusalLimit: e.REFUSAL_LIMIT,
    },
    calendarEnv,
    smtp: e.SMTP_HOST
      ? { host: e.SMTP_HOST, port: e.SMTP_PORT, secure: e.SMTP_SECURE, user: smtpUser, password: e.SMTP_PASSWORD, ...(smtpOAuth2 ? { oauth2: smtpOAuth2 } : {}), rejectUnauthorized: e.SMTP_TLS_REJECT_UNAUTHORIZED, requireTLS: !e.SMTP_SECURE && smtpUser !== undefined && e.SMTP_REQUIRE_TLS, poolSize: e.SMTP_POOL_SIZE }
      : undefined,
    surveys: {
      csatEnabled: e.CSAT_ENABLED,
      csatScale: e.CSAT_SCALE,
      linkDays: e.SURVEY_LINK_DAYS,
      npsEnabled: e.NPS_ENABLED,
      npsDailyLimit: e.NPS_DAILY_LIMIT,
      npsIntervalMonths: e.NPS_INTERVAL_MONTHS,
    },
    bulletins: bulletinConfig(e),
    env: e,
    warnings,
  };
}

function calendarProblem(calendarEnv: Record<string, string | undefined>): string[] {
  try {
    calendarFromEnv(calendarEnv);
    return [];
  } catch (error) {
    return [`  ${(error as Error).message}`];
  }
}

function bulletinConfig(e: Env): BulletinConfig {
  const supportDomain = e.SUPPORT_ADDRESS.slice(e.SUPPORT_ADDRESS.lastIndexOf('@') + 1).toLowerCase();
  const address = (e.BULLETIN_ADDRESS ?? `boletin@${supportDomain}`).toLowerCase();
  return {
    address,
    name: e.BULLETIN_NAME,
    listId: e.BULLETIN_LIST_ID ?? `boletin.${address.slice(address.lastIndexOf('@') + 1)}`,
    ratePerMinute: e.BULLETIN_RATE_PER_MINUTE,
    confirmDays: e.BULLETIN_CONFIRM_DAYS,
    suppression: { hardDays: e.SUPPRESSION_DAYS, softLimit: e.SOFT_BOUNCE_LIMIT, softWindowDays: e.SOFT_BOUNCE_WINDOW_DAYS, softDays: e.SOFT_BOUNCE_SUPPRESSION_DAYS },
  };
}
