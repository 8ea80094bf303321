import { z } from 'zod';
import { MIN_SECRET_LENGTH } from './secret.js';
import { isLinkBase } from './http/public-url.js';

// Every variable Ventanilla reads and what each accepts (README "Configuration"), with the message naming what is
// wrong with a bad value. Apart from config.ts, which reads them and builds the configuration.

// Any letter case: container env files and YAML tools write "True", "FALSE".
const bool = (fallback: boolean) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true, false, yes, no, 1 or 0' })
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

export const envSchema = z.object({
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
  // The longest wait between reconnections after failed sessions (1 s, doubling up to it): shorter for a server on
  // this machine or network, longer for a provider that throttles logins.
  IMAP_RECONNECT_MAX_SECONDS: positiveInt(60),
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
  // On stop, how long the mails on their way wait for the server's answer (outbound/drainer.ts): below the
  // supervisor's own wait before SIGKILL (systemd 90 s; Docker 10 s), or the clean stop never comes.
  SMTP_STOP_GRACE_SECONDS: positiveInt(20),
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
  // A late pending reminder (the daemon was down at its time) is skipped when the close is nearer than this: 0 never.
  LATE_REMINDER_MARGIN_HOURS: z.coerce.number({ error: 'expected a number' }).min(0, 'expected 0 or more').default(1),
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
  // The desk's administrators, mailed when the gateway needs a person (outbound/operator-alerts.ts); never the desk's own.
  ALERT_ADDRESS: z
    .string()
    .regex(/^\s*[^,\s@]+@[^,\s@]+\s*(,\s*[^,\s@]+@[^,\s@]+\s*)*$/, 'expected a comma list of addresses, e.g. ops@example.com,admin@example.org')
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
  // The daemon's nightly blob sweep (store/blob-sweep.ts): off where writers on several hosts share DATA_DIR (NFS),
  // whose touch of a blob through a stale cached path the sweep cannot see (README "Database"). `blobs sweep` still
  // runs when an operator asks.
  BLOB_SWEEP: z.enum(['off', 'nightly'], { error: 'expected off or nightly' }).default('nightly'),
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

export const CALENDAR_VARIABLES = ['BUSINESS_TIMEZONE', 'BUSINESS_DAYS', 'BUSINESS_HOURS', 'HOLIDAY_COUNTRY', 'CLOSED_DATES'];
/** Every variable Ventanilla reads; VENTANILLA_AGENT is the CLI's (cli/with-app.ts). */
export const KNOWN_VARIABLES: ReadonlySet<string> = new Set([...Object.keys(envSchema.shape), ...CALENDAR_VARIABLES, 'VENTANILLA_AGENT']);
