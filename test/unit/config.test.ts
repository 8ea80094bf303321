import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { VentanillaError } from '../../src/errors.js';
import { policiesFromConfig } from '../../src/policy.js';

const load = (env: Record<string, string>) => loadConfig(env, { dotenv: false });

function errorOf(env: Record<string, string>): VentanillaError {
  try {
    load(env);
  } catch (error) {
    return error as VentanillaError;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration from the environment', () => {
  it('has working defaults: SQLite under ./data, no IMAP, 25 MB limit', () => {
    const c = load({});
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.databasePath).toBe(`${c.dataDir}/ventanilla.db`);
    expect(c.imap).toBeUndefined();
    expect(c.maxMessageBytes).toBe(25 * 1024 * 1024);
  });

  it('reads IMAP settings with types', () => {
    const c = load({ IMAP_HOST: 'imap.x.test', IMAP_PORT: '1143', IMAP_SECURE: 'false', IMAP_USER: 'u', IMAP_PASSWORD: 'p', IMAP_POLL_SECONDS: '5', IMAP_TLS_REJECT_UNAUTHORIZED: 'false' });
    expect(c.imap).toEqual({ host: 'imap.x.test', port: 1143, secure: false, user: 'u', password: 'p', mailbox: 'INBOX', processedMailbox: 'Processed', pollSeconds: 5, timeoutSeconds: 60, reconnectMaxSeconds: 60, rejectUnauthorized: false });
  });

  // The stop's grace for mails on their way: under systemd's 90 s before SIGKILL; shorter where the supervisor waits less.
  it('gives the mails on their way 20 s on stop unless SMTP_STOP_GRACE_SECONDS says otherwise', () => {
    expect(load({}).env.SMTP_STOP_GRACE_SECONDS).toBe(20);
    expect(load({ SMTP_STOP_GRACE_SECONDS: '5' }).env.SMTP_STOP_GRACE_SECONDS).toBe(5);
    expect(() => load({ SMTP_STOP_GRACE_SECONDS: '0' })).toThrow(/SMTP_STOP_GRACE_SECONDS: expected a number above 0 \(got "0"\)/);
  });

  it('reads the cap on the wait between IMAP reconnections, and refuses one that is not a number of seconds', () => {
    const imap = { IMAP_HOST: 'h', IMAP_USER: 'u', IMAP_PASSWORD: 'p' };
    expect(load({ ...imap, IMAP_RECONNECT_MAX_SECONDS: '5' }).imap?.reconnectMaxSeconds).toBe(5);
    expect(() => load({ ...imap, IMAP_RECONNECT_MAX_SECONDS: '0' })).toThrow(/IMAP_RECONNECT_MAX_SECONDS: expected a number above 0 \(got "0"\)/);
    expect(() => load({ ...imap, IMAP_RECONNECT_MAX_SECONDS: '1m' })).toThrow(/IMAP_RECONNECT_MAX_SECONDS: expected a number \(got "1m"\)/);
  });

  it('an empty IMAP_PROCESSED_MAILBOX means flag only; other blanks take their defaults', () => {
    const c = load({ IMAP_HOST: 'h', IMAP_USER: 'u', IMAP_PASSWORD: 'p', IMAP_PROCESSED_MAILBOX: '', IMAP_MAILBOX: '', IMAP_PORT: '' });
    expect(c.imap?.processedMailbox).toBe('');
    expect(c.imap?.mailbox).toBe('INBOX');
    expect(c.imap?.port).toBe(993);
    expect(load({ IMAP_HOST: 'h', IMAP_USER: 'u', IMAP_PASSWORD: 'p', IMAP_PROCESSED_MAILBOX: 'Hecho' }).imap?.processedMailbox).toBe('Hecho');
  });

  it('reads yes/no settings in any letter case, as container files and YAML tools write them ("True", "FALSE")', () => {
    const imap = { IMAP_HOST: 'h', IMAP_USER: 'u', IMAP_PASSWORD: 'p' };
    expect(load({ ...imap, IMAP_SECURE: 'False', IMAP_TLS_REJECT_UNAUTHORIZED: 'NO' }).imap).toMatchObject({ secure: false, rejectUnauthorized: false });
    expect(load({ ...imap, IMAP_SECURE: 'TRUE', IMAP_TLS_REJECT_UNAUTHORIZED: ' Yes ' }).imap).toMatchObject({ secure: true, rejectUnauthorized: true });
  });

  it('reads escalation contacts with spaces around their commas and colons, as people type lists', () => {
    const contacts = policiesFromConfig(load({ ESCALATION_CONTACTS: '1:Lead@example.com, 2: manager@example.com ,1:second@example.com' })).escalationContacts;
    expect([...contacts.entries()]).toEqual([
      [1, ['lead@example.com', 'second@example.com']],
      [2, ['manager@example.com']],
    ]);
    expect(() => load({ ESCALATION_CONTACTS: '1:lead@example.com, manager@example.com' })).toThrow(/ESCALATION_CONTACTS: expected level:address pairs/);
  });

  it('refuses an SLA warning at or past the first escalation: it would never be sent (the breach says more)', () => {
    expect(() => load({ SLA_WARNING_PERCENT: '100' })).toThrow(/SLA_WARNING_PERCENT: expected a percent below the first of SLA_ESCALATION_PERCENTS \(got 100 and 100,150,200\)/);
    expect(() => load({ SLA_WARNING_PERCENT: '90', SLA_ESCALATION_PERCENTS: '80,120' })).toThrow(/SLA_WARNING_PERCENT/);
    expect(load({ SLA_WARNING_PERCENT: '90' }).env.SLA_WARNING_PERCENT).toBe(90);
  });

  it('reads the priority matrix as overrides of DOMAIN.md\'s default (rule 6: a default, so configurable), and refuses a wrong one', () => {
    const matrix = policiesFromConfig(load({ PRIORITY_MATRIX: '{"medium":{"low":"normal"},"low":{"high":"high"}}' })).priorityMatrix;
    expect(matrix).toEqual({
      high: { high: 'urgent', medium: 'high', low: 'normal' },
      medium: { high: 'high', medium: 'normal', low: 'normal' },
      low: { high: 'high', medium: 'low', low: 'low' },
    });
    expect(policiesFromConfig(load({})).priorityMatrix.medium.medium).toBe('normal');
    expect(() => policiesFromConfig(load({ PRIORITY_MATRIX: '{"medium":{"low":"critical"}}' }))).toThrow(/PRIORITY_MATRIX: expected/);
    expect(() => policiesFromConfig(load({ PRIORITY_MATRIX: 'medium/low=normal' }))).toThrow(/PRIORITY_MATRIX: expected JSON/);
  });

  it('refuses self-signed certificates unless told otherwise', () => {
    expect(load({ IMAP_HOST: 'h', IMAP_USER: 'u', IMAP_PASSWORD: 'p' }).imap?.rejectUnauthorized).toBe(true);
  });

  it('reports every bad value by name, with what is expected and what it got', () => {
    const error = errorOf({ IMAP_PORT: 'abc', MAX_MESSAGE_BYTES: '-5', SUPPORT_ADDRESS: 'not-an-address', IMAP_SECURE: 'maybe', DATABASE_URL: 'postgres://x' });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/IMAP_PORT: expected a port number.*"abc"/);
    expect(error.message).toMatch(/MAX_MESSAGE_BYTES: expected a number above 0 \(got "-5"\)/);
    expect(error.message).toMatch(/SUPPORT_ADDRESS: expected an email address/);
    expect(error.message).toMatch(/IMAP_SECURE: expected true, false, yes, no, 1 or 0 \(got "maybe"\)/);
    expect(error.message).toMatch(/DATABASE_URL: expected a SQLite URL/);
  });

  // These read in zod's words: "Too small: expected string to have >=1 characters", "Invalid option: expected
  // one of "fatal"|"error"|...".
  it('says in words what a value of spaces only, or an unknown LOG_LEVEL, should be', () => {
    const error = errorOf({ SMTP_HOST: '  ', SUPPORT_NAME: ' ', LOG_LEVEL: 'verbose' });
    expect(error.message).toMatch(/SMTP_HOST: expected a value, not only spaces \(an empty value leaves it unset\) \(got "  "\)/);
    expect(error.message).toMatch(/SUPPORT_NAME: expected a value, not only spaces \(an empty value leaves it unset\)/);
    expect(error.message).toMatch(/LOG_LEVEL: expected fatal, error, warn, info, debug, trace or silent \(got "verbose"\)/);
    expect(error.message).not.toMatch(/Too small|Invalid option/);
  });

  // The error is printed to the terminal, and from there to CI logs and journald: a credential stays out of it.
  it('names a refused secret without repeating it, and masks the password of a refused URL', () => {
    const error = errorOf({ SECRET_KEY: 'short-s3cret', IMAP_PASSWORD: '   ', DATABASE_URL: 'postgres://ventanilla:db-pa55word@db.example.test/v' });
    expect(error.message).toMatch(/SECRET_KEY: expected at least 16 characters .*\(got a value of 12 characters, not repeated here\)/);
    expect(error.message).toMatch(/IMAP_PASSWORD: .*not repeated here/);
    expect(error.message).toMatch(/DATABASE_URL: expected a SQLite URL .*\(got "postgres:\/\/ventanilla:\*\*\*@db\.example\.test\/v"\)/);
    expect(error.message).not.toContain('short-s3cret');
    expect(error.message).not.toContain('db-pa55word');
    expect(errorOf({ PUBLIC_URL: 'https://admin:hunter22@support.example.test' }).message).not.toContain('hunter22');
  });

  // .env.example's commented line, uncommented as it stands: a key everyone who read the example knows, with which
  // anyone could sign a plus-address onto another customer's ticket, or a survey or unsubscribe link.
  it("refuses .env.example's placeholder as SECRET_KEY", () => {
    const error = errorOf({ SECRET_KEY: 'change-me-to-a-long-random-string' });
    expect(error.message).toMatch(/SECRET_KEY: .*placeholder/);
    expect(error.message).not.toContain('change-me');
  });

  it('requires the IMAP login when IMAP_HOST is set', () => {
    const error = errorOf({ IMAP_HOST: 'imap.x.test' });
    expect(error.message).toMatch(/IMAP_USER: required when IMAP_HOST is set/);
    expect(error.message).toMatch(/IMAP_PASSWORD: required when IMAP_HOST is set/);
  });

  it('reaches a mailbox with OAuth2 instead of a password, and names what is missing', () => {
    const c = load({ IMAP_HOST: 'outlook.office365.com', IMAP_USER: 'soporte@example.com', IMAP_OAUTH2_TOKEN_URL: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/token', IMAP_OAUTH2_CLIENT_ID: 'app', IMAP_OAUTH2_CLIENT_SECRET: 's3cret', IMAP_OAUTH2_SCOPE: 'https://outlook.office365.com/.default' });
    expect(c.imap?.oauth2).toEqual({ tokenUrl: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/token', clientId: 'app', clientSecret: 's3cret', scope: 'https://outlook.office365.com/.default', refreshToken: undefined });
    expect(c.imap?.password).toBe('');
    // With a person's grant, the token it is rotated to is kept in DATA_DIR.
    const granted = load({ IMAP_HOST: 'imap.gmail.com', IMAP_USER: 'soporte@example.com', IMAP_OAUTH2_TOKEN_URL: 'https://oauth2.googleapis.com/token', IMAP_OAUTH2_CLIENT_ID: 'app', IMAP_OAUTH2_REFRESH_TOKEN: '1//granted', DATA_DIR: '/var/lib/ventanilla' });
    expect(granted.imap?.oauth2).toMatchObject({ refreshToken: '1//granted', refreshTokenFile: '/var/lib/ventanilla/oauth2-refresh-token.json' });
    expect(errorOf({ IMAP_HOST: 'h', IMAP_USER: 'u', IMAP_OAUTH2_TOKEN_URL: 'https://login.example.test/token' }).message).toMatch(/IMAP_OAUTH2_CLIENT_ID: required with IMAP_OAUTH2_TOKEN_URL/);
    expect(errorOf({ IMAP_HOST: 'h', IMAP_USER: 'u' }).message).toMatch(/IMAP_PASSWORD: required when IMAP_HOST is set \(or IMAP_OAUTH2_TOKEN_URL and IMAP_OAUTH2_CLIENT_ID for OAuth2, or IMAP_OAUTH2_SERVICE_ACCOUNT_FILE for a Google service account\)/);
    expect(errorOf({ IMAP_OAUTH2_TOKEN_URL: 'ftp://login.example.test/token' }).message).toMatch(/IMAP_OAUTH2_TOKEN_URL: expected the https address of the token endpoint/);
  });

  it('refuses a token endpoint over plain http but on this machine: the client secret and refresh token would cross the network in clear', () => {
    const oauth2 = { IMAP_HOST: 'outlook.office365.com', IMAP_USER: 'soporte@example.com', IMAP_OAUTH2_CLIENT_ID: 'app', IMAP_OAUTH2_CLIENT_SECRET: 's3cret' };
    for (const remote of ['http://login.microsoftonline.com/tenant/oauth2/v2.0/token', 'HTTP://oauth2.googleapis.com/token', 'http://127.0.0.1.nip.io/token']) {
      expect(errorOf({ ...oauth2, IMAP_OAUTH2_TOKEN_URL: remote }).message).toMatch(/IMAP_OAUTH2_TOKEN_URL: expected https: over http the client secret and the refresh token would cross the network in clear/);
    }
    for (const local of ['http://127.0.0.1:8080/token', 'http://localhost/token', 'http://[::1]:8080/token']) expect(load({ ...oauth2, IMAP_OAUTH2_TOKEN_URL: local }).imap?.oauth2?.tokenUrl).toBe(local);
  });

  it('refuses a token endpoint address with a user and password in it, without repeating them', () => {
    // fetch refuses such an address: every session failed with "did not answer", the secret in each log line.
    const message = errorOf({ IMAP_HOST: 'outlook.office365.com', IMAP_USER: 'soporte@example.com', IMAP_OAUTH2_CLIENT_ID: 'app', IMAP_OAUTH2_TOKEN_URL: 'https://app:s3cret@login.example.test/token' }).message;
    expect(message).toMatch(/IMAP_OAUTH2_TOKEN_URL: expected no user or password in the address \(the app is IMAP_OAUTH2_CLIENT_ID and IMAP_OAUTH2_CLIENT_SECRET\)/);
    expect(message).not.toContain('s3cret');
  });

  it("sends with the IMAP app's OAuth2 tokens when SMTP_OAUTH2 says so, as the mailbox's address unless SMTP_USER names another", () => {
    const imap = { IMAP_HOST: 'outlook.office365.com', IMAP_USER: 'soporte@example.com', IMAP_OAUTH2_TOKEN_URL: 'https://login.example.test/token', IMAP_OAUTH2_CLIENT_ID: 'app' };
    const c = load({ ...imap, SMTP_HOST: 'smtp.office365.com', SMTP_OAUTH2: 'true' });
    expect([c.smtp?.user, c.smtp?.oauth2?.clientId, c.smtp?.requireTLS]).toEqual(['soporte@example.com', 'app', true]);
    expect(load({ ...imap, SMTP_HOST: 'smtp.office365.com', SMTP_OAUTH2: 'true', SMTP_USER: 'avisos@example.com' }).smtp?.user).toBe('avisos@example.com');
    expect(errorOf({ SMTP_HOST: 'smtp.office365.com', SMTP_OAUTH2: 'true' }).message).toMatch(/SMTP_OAUTH2: uses the IMAP_OAUTH2_\* app, which is not set/);
  });

  it('refuses a processed mailbox that is the watched one (each move would bring the mail back)', () => {
    expect(errorOf({ IMAP_PROCESSED_MAILBOX: 'inbox' }).message).toMatch(/IMAP_PROCESSED_MAILBOX: expected another mailbox than IMAP_MAILBOX, or empty to flag only \(got "inbox"\)/);
    expect(errorOf({ IMAP_MAILBOX: 'Soporte', IMAP_PROCESSED_MAILBOX: 'Soporte' }).message).toMatch(/IMAP_PROCESSED_MAILBOX/);
    expect(load({ IMAP_MAILBOX: 'Soporte', IMAP_PROCESSED_MAILBOX: 'soporte' }).env.IMAP_PROCESSED_MAILBOX).toBe('soporte');
  });

  it('refuses a pending reminder at or after the close', () => {
    expect(errorOf({ PENDING_REMINDER_HOURS: '72', PENDING_CLOSE_HOURS: '60' }).message).toMatch(/PENDING_REMINDER_HOURS: expected fewer hours than PENDING_CLOSE_HOURS \(got 72 and 60\)/);
    expect(errorOf({ PENDING_CLOSE_HOURS: '36' }).message).toMatch(/got 36 and 36/);
    expect(load({ PENDING_REMINDER_HOURS: '12', PENDING_CLOSE_HOURS: '24' }).env.PENDING_CLOSE_HOURS).toBe(24);
  });

  it('refuses escalation levels out of order: the scheduler watches them in order, so a level written after a higher one waited for it', () => {
    expect(errorOf({ SLA_ESCALATION_PERCENTS: '150,100,200' }).message).toMatch(/SLA_ESCALATION_PERCENTS: expected percents above 0 that rise from one level to the next, e\.g\. 100,150,200 \(got 150,100,200\)/);
    expect(errorOf({ SLA_ESCALATION_PERCENTS: '0,100' }).message).toMatch(/SLA_ESCALATION_PERCENTS/);
    expect(errorOf({ SLA_ESCALATION_PERCENTS: '100,100' }).message).toMatch(/SLA_ESCALATION_PERCENTS/);
    expect(load({ SLA_ESCALATION_PERCENTS: '100,125.5,300' }).env.SLA_ESCALATION_PERCENTS).toBe('100,125.5,300');
  });

  it('refuses escalation contacts at a level no escalation reaches: they were silently never told', () => {
    expect(errorOf({ ESCALATION_CONTACTS: '1:lead@example.com,4:director@example.com' }).message).toMatch(
      /ESCALATION_CONTACTS: expected levels from 1 to 3, one per percent of SLA_ESCALATION_PERCENTS \(got level 4 for director@example\.com, and 100,150,200\)/,
    );
    expect(errorOf({ ESCALATION_CONTACTS: '0:lead@example.com' }).message).toMatch(/ESCALATION_CONTACTS: expected levels from 1 to 3.*got level 0 for lead@example\.com/);
    expect(errorOf({ ESCALATION_CONTACTS: '3:director@example.com', SLA_ESCALATION_PERCENTS: '100,200' }).message).toMatch(/expected levels from 1 to 2.*and 100,200/);
    expect(policiesFromConfig(load({ ESCALATION_CONTACTS: '4:director@example.com', SLA_ESCALATION_PERCENTS: '100,150,200,300' })).escalationContacts.get(4)).toEqual(['director@example.com']);
  });

  it('warns when IMAP_SECURE or SMTP_SECURE contradicts its well-known port: the session fails only later, in the log', () => {
    const imap = { IMAP_HOST: 'imap.x.test', IMAP_USER: 'u', IMAP_PASSWORD: 'p' };
    expect(load({ ...imap, IMAP_PORT: '143' }).warnings).toEqual(['IMAP_PORT 143 is the plain IMAP port, but IMAP_SECURE is true (TLS from the start): set IMAP_SECURE=false (STARTTLS when offered), or IMAP_PORT=993']);
    expect(load({ ...imap, IMAP_SECURE: 'false' }).warnings).toEqual(['IMAP_PORT 993 is the IMAP port with TLS from the start, but IMAP_SECURE is false: set IMAP_SECURE=true, or IMAP_PORT=143']);
    expect(load({ SMTP_HOST: 'smtp.x.test', SMTP_PORT: '465' }).warnings).toEqual(['SMTP_PORT 465 is the SMTP port with TLS from the start, but SMTP_SECURE is false: set SMTP_SECURE=true, or SMTP_PORT=587']);
    expect(load({ SMTP_HOST: 'smtp.x.test', SMTP_SECURE: 'true' }).warnings).toEqual(['SMTP_PORT 587 is a plain SMTP port (STARTTLS), but SMTP_SECURE is true (TLS from the start): set SMTP_SECURE=false, or SMTP_PORT=465']);
    // As they should be, or a port of its own (a tunnel, a test server): nothing to say.
    expect(load({ ...imap, SMTP_HOST: 'smtp.x.test', SMTP_PORT: '25' }).warnings).toEqual([]);
    expect(load({ ...imap, IMAP_PORT: '1143', IMAP_SECURE: 'false', SMTP_HOST: 'smtp.x.test', SMTP_PORT: '2525', SMTP_SECURE: 'true' }).warnings).toEqual([]);
    expect(load({ IMAP_PORT: '143', SMTP_PORT: '465' }).warnings).toEqual([]);
  });

  // A mailbox owner who set the password but not the server (or misspelt it as IMAP_SERVER, no typo of ours) got a
  // daemon that read no mail, and commands that said nothing: the credentials were ignored without a word.
  it('warns when IMAP or SMTP credentials are set without their server: they are not used', () => {
    expect(load({ IMAP_USER: 'soporte@x.test', IMAP_PASSWORD: 'p' }).warnings).toEqual([
      'IMAP_USER and IMAP_PASSWORD are set but IMAP_HOST is not: no mailbox is read (`start` runs the scheduled jobs only); set IMAP_HOST to the mailbox\'s server, or unset them',
    ]);
    expect(load({ IMAP_OAUTH2_TOKEN_URL: 'https://login.x.test/token' }).warnings).toEqual([
      'IMAP_OAUTH2_TOKEN_URL is set but IMAP_HOST is not: no mailbox is read (`start` runs the scheduled jobs only); set IMAP_HOST to the mailbox\'s server, or unset it',
    ]);
    expect(load({ SMTP_PASSWORD: 'p' }).warnings).toEqual([
      'SMTP_PASSWORD is set but SMTP_HOST is not: no mail is sent, it is written to DATA_DIR/outbox as .eml files; set SMTP_HOST to the mail server, or unset it',
    ]);
    expect(load({ IMAP_HOST: 'imap.x.test', IMAP_USER: 'u', IMAP_PASSWORD: 'p', SMTP_HOST: 'smtp.x.test', SMTP_USER: 'u', SMTP_PASSWORD: 'p' }).warnings).toEqual([]);
  });

  // z.url() does not stop its refinements: isLinkBase's `new URL` threw, and the operator read a TypeError's stack.
  it('refuses a PUBLIC_URL that is no URL at all (a host without its scheme) by name, like any bad value', () => {
    for (const notUrl of ['support.example.com', 'https://']) {
      const error = errorOf({ PUBLIC_URL: notUrl, IMAP_PORT: 'abc' });
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toMatch(/PUBLIC_URL: expected a URL such as https:\/\/support\.example\.com/);
      expect(error.message).toMatch(/IMAP_PORT: expected a port number/);
    }
  });

  it('treats empty values as unset', () => {
    expect(load({ IMAP_HOST: '', SECRET_KEY: '' }).imap).toBeUndefined();
  });
});

describe('settings that are not ours', () => {
  it('a misspelt setting is named with the one meant, not silently ignored', () => {
    expect(load({ IMAP_PASWORD: 'x' }).warnings).toEqual(['IMAP_PASWORD is no Ventanilla setting and is ignored: did you mean IMAP_PASSWORD?']);
    expect(load({ SMTP_PASS: 'x' }).warnings).toEqual(['SMTP_PASS is no Ventanilla setting and is ignored: did you mean SMTP_PASSWORD?']);
    expect(load({ BULLETIN_SENDER: 'x' }).warnings).toEqual(['BULLETIN_SENDER is no Ventanilla setting and is ignored (see the README, Configuration)']);
  });

  // The warning is logged once the configuration is accepted: a refused one never reached the log, and the
  // operator read "IMAP_PASSWORD: required" about the very password they had set, misspelt.
  it('a setting written in lower case (smtp_host in .env) is named with the one meant, not silently ignored', () => {
    expect(load({ smtp_host: 'mail.example.com', Data_Dir: '/srv/ventanilla' }).warnings).toEqual([
      'smtp_host is no Ventanilla setting and is ignored: did you mean SMTP_HOST? (names are in capitals)',
      'Data_Dir is no Ventanilla setting and is ignored: did you mean DATA_DIR? (names are in capitals)',
    ]);
    expect(load({ http_proxy: 'http://proxy:8080', no_proxy: 'localhost' }).warnings).toEqual([]);
  });

  it('a refused configuration names the misspelt settings too, next to the error they caused', () => {
    const error = errorOf({ IMAP_HOST: 'imap.x.test', IMAP_USER: 'u', IMAP_PASWORD: 'p' });
    expect(error.message).toMatch(/IMAP_PASSWORD: required when IMAP_HOST is set/);
    expect(error.message).toContain('IMAP_PASWORD is no Ventanilla setting and is ignored: did you mean IMAP_PASSWORD?');
    expect(errorOf({ BUSINESS_HOURS: 'all day', SMTP_PASS: 'x' }).message).toContain('did you mean SMTP_PASSWORD?');
  });

  it('a bad calendar setting is reported with the other bad values, not only once they are fixed', () => {
    const error = errorOf({ IMAP_PORT: 'abc', BUSINESS_HOURS: 'all day' });
    expect(error.message).toMatch(/IMAP_PORT: expected a port number/);
    expect(error.message).toMatch(/BUSINESS_HOURS: expected opening-closing/);
  });

  // SLA_TARGETS was read only when the policies were built, after every other value passed: an operator who
  // fixed the one error shown met the next at the following try.
  it('bad SLA_TARGETS are reported with the other bad values; good ones override the default targets', () => {
    const error = errorOf({ IMAP_PORT: 'abc', SLA_TARGETS: '{prime:1}' });
    expect(error.message).toMatch(/IMAP_PORT: expected a port number/);
    expect(error.message).toMatch(/SLA_TARGETS: expected JSON such as \{"prime":\{"firstResponse":\{"urgent":1\}\}\}/);
    expect(errorOf({ SLA_TARGETS: '{"gold":{}}' }).message).toMatch(/SLA_TARGETS: expected \{"standard"\|"prime": .*\(Unrecognized key: "gold"\)/);
    expect(policiesFromConfig(load({ SLA_TARGETS: '{"prime":{"firstResponse":{"urgent":1}}}' })).sla.plans.prime.firstResponse.urgent).toBe(1);
  });

  it("other programs' variables raise nothing", () => {
    expect(load({ PATH: '/usr/bin', HOME: '/root', HTTP_PROXY: 'http://proxy:8080', NODE_ENV: 'production', LANG: 'es_MX.UTF-8', HOSTNAME: 'mx1' }).warnings).toEqual([]);
    expect(load({ IMAP_PASSWORD: 'x', IMAP_HOST: 'h', IMAP_USER: 'u', HOLIDAY_COUNTRY: 'MX', VENTANILLA_AGENT: 'ana' }).warnings).toEqual([]);
  });
});

// ALERT_ADDRESS: the desk's administrators, mailed when the gateway needs a person (outbound/operator-alerts.ts).
// An address of the desk's own would bring every alert back as mail to the desk: refused at start.
describe('ALERT_ADDRESS', () => {
  it('unset: no alerts; set: a comma list, spaces around the commas, lower case', () => {
    expect(load({}).alertAddresses).toEqual([]);
    expect(load({ ALERT_ADDRESS: 'Ops@Example.com, admin@example.org' }).alertAddresses).toEqual(['ops@example.com', 'admin@example.org']);
  });

  it('what is no address list is refused by name', () => {
    const error = errorOf({ ALERT_ADDRESS: 'ops, admin@example.org' });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/ALERT_ADDRESS: expected a comma list of addresses/);
  });

  it.each([
    ['the support address', {}, 'Soporte@ventanilla.test'],
    ['a plus-address of it', {}, 'soporte+ops@ventanilla.test'],
    ['an alias', { SUPPORT_ALIASES: 'ventas@ventanilla.test' }, 'ventas@ventanilla.test'],
    ['the bulletin address', {}, 'boletin@ventanilla.test'],
    ['the IMAP login', { IMAP_HOST: 'imap.ventanilla.test', IMAP_USER: 'buzon@ventanilla.test', IMAP_PASSWORD: 'p' }, 'buzon@ventanilla.test'],
  ])("the desk's own address is refused (a loop): %s", (_what, env, address) => {
    const error = errorOf({ ...env, ALERT_ADDRESS: `ops@example.com,${address}` });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(`ALERT_ADDRESS: ${address.toLowerCase()} is the desk's own address`);
    expect(error.message).not.toContain('ops@example.com');
  });
});
