import { resolve } from 'node:path';
import { invalidConfiguration, shownValue, unknownSettingWarnings } from './config-typos.js';
import { CALENDAR_VARIABLES, KNOWN_VARIABLES, envSchema, type Env } from './config-variables.js';
import type { OAuth2Settings } from './oauth2-token.js';
import { imapConfig } from './config-imap.js';
import { loginWithoutServerWarnings, readPriorityMatrix, readSlaTargets, timerAndSlaProblems, tlsPortWarnings } from './config-rules.js';
import { calendarFromEnv } from './domain/business-clock.js';
import { loadDotenv } from './dotenv.js';
import { isSupportAddress } from './ingest/stages/identify.js';

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

export interface Config {
  dataDir: string;
  /** Knowledge-base articles, <slug>.md (src/knowledge/articles.ts); a missing folder means none. */
  knowledgeBaseDir: string;
  databaseUrl: string;
  databasePath: string;
  supportAddress: string;
  /** SUPPORT_ALIASES, lower case: the desk's other addresses (ownAddresses). */
  supportAliases: string[];
  /** ALERT_ADDRESS, lower case: the desk's administrators, mailed when the gateway needs a person; empty: only the log. */
  alertAddresses: string[];
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
    /** The longest wait between reconnections after failed sessions (they start at 1 s and double). */
    reconnectMaxSeconds: number;
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
  warnings.push(...tlsPortWarnings(e), ...loginWithoutServerWarnings(e));
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
  const alertAddresses = commaList(e.ALERT_ADDRESS);
  problems.push(...alertLoops(alertAddresses, ownAddressesOf({ supportAddress: e.SUPPORT_ADDRESS, supportAliases: commaList(e.SUPPORT_ALIASES), bulletins: bulletinConfig(e), imap })));
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
    supportAliases: commaList(e.SUPPORT_ALIASES),
    alertAddresses,
    secretKey: e.SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    imap,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    supportName: e.SUPPORT_NAME,
    replyToPlusAddress: e.REPLY_TO_PLUS_ADDRESS,
    access: {
      unknownSenderPolicy: e.UNKNOWN_SENDER_POLICY,
      trustedAuthservIds: commaList(e.TRUSTED_AUTHSERV_IDS),
      formSenders: commaList(e.FORM_SENDERS),
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

/** A comma list setting, each item trimmed and in lower case; unset: none. */
function commaList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((v) => v.trim().toLowerCase()).filter(Boolean);
}

/** Every address that is the desk: the support address, its aliases, the bulletin address, the IMAP login. */
export function ownAddressesOf(c: Pick<Config, 'supportAddress' | 'supportAliases' | 'bulletins' | 'imap'>): string[] {
  return [c.supportAddress.toLowerCase(), ...c.supportAliases, c.bulletins.address, ...(c.imap?.user.includes('@') ? [c.imap.user.toLowerCase()] : [])];
}

/** An alert to the desk's own address (or a plus-address of it) comes back as mail to the desk: a loop. */
function alertLoops(alertAddresses: string[], own: string[]): string[] {
  return alertAddresses
    .filter((address) => isSupportAddress(address, own))
    .map((address) => `  ALERT_ADDRESS: ${address} is the desk's own address (SUPPORT_ADDRESS, SUPPORT_ALIASES, BULLETIN_ADDRESS or IMAP_USER, or a plus-address of one): an alert to it would come back to the desk; give the administrators' own addresses`);
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
