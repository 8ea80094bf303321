import { ImapFlow, type MailboxObject } from 'imapflow';
import type { Config } from '../../config.js';
import { tokenSourceFor } from '../../oauth2-token.js';
import { refusalKeeper } from './imap-refusals.js';

type ImapSettings = NonNullable<Config['imap']>;

const MAX_IDLE_SECONDS = 29 * 60;

/** A connection on its way to the selected mailbox: the client at once (for its events), the mailbox when open. */
export interface OpeningSession {
  client: ImapFlow;
  /** `processedRefused`: the server would not create the processed folder, in words (ensureMailbox); else null. */
  opened: Promise<{ mailbox: MailboxObject; processedRefused: string | null }>;
}

/**
 * Connects, logs in, creates the processed mailbox when it is missing and selects the mailbox. `ventanilla start`
 * begins this before it opens the database (ImapSource's `early`): the server answers those round trips (~0.2 s
 * with a 5,000-mail mailbox here) while this thread does the rest of its start. A failure rejects `opened`.
 */
export function openSession(s: ImapSettings): OpeningSession {
  const refusals = refusalKeeper();
  const client = new ImapFlow({
    host: s.host,
    port: s.port,
    secure: s.secure,
    auth: { user: s.user, pass: s.password },
    tls: { rejectUnauthorized: s.rejectUnauthorized },
    // Only the server's words for a refused command (a refused MOVE's, for the alert: imap-refusals.ts).
    logger: refusals.logger,
    // Start IDLE almost at once when we are waiting, so new mail is pushed to us without delay.
    autoIdleDelay: 50,
    // Renewed at each poll, and at least every 29 minutes: a server may log off an IDLE of 30 (RFC 2177).
    maxIdleTime: Math.min(s.pollSeconds, MAX_IDLE_SECONDS) * 1000,
    // A connection can die without closing (a NAT or firewall forgets the flow, the server hangs): nothing comes
    // back and TCP tells no one for many minutes. imapflow gives a connection up when a command goes unanswered
    // this long, and probes a quiet IDLE with a NOOP (its default, 5 minutes, held new mail back that long).
    socketTimeout: s.timeoutSeconds * 1000,
  });
  refusals.attach(client);
  // Until the session listens: an 'error' event nobody listens to is thrown; the failure reaches it as `opened`.
  client.on('error', () => undefined);
  const tokens = s.oauth2 ? tokenSourceFor(s.user, s.oauth2) : null;
  const opened = (async () => {
    // imapflow reads its credentials when it logs in: a token fetched now is fresh for this session.
    if (tokens) client.options.auth = { user: s.user, accessToken: await tokens.token() };
    try {
      await client.connect();
    } catch (error) {
      // A token the server refuses (revoked, rights changed) is not offered again: the next session asks anew.
      if (tokens && (error as { authenticationFailed?: boolean }).authenticationFailed) tokens.forget();
      throw error;
    }
    const processedRefused = s.processedMailbox ? await ensureMailbox(client, s.processedMailbox) : null;
    return { mailbox: await client.mailboxOpen(s.mailbox), processedRefused };
  })();
  // Awaited by the session, maybe only later: not an unhandled rejection meanwhile.
  opened.catch(() => undefined);
  return { client, opened };
}

/**
 * Creates the processed folder `path` when the server does not list it (`made` is called then). Null once it is there; the server's
 * refusal in words when it will not create it (a name it does not allow, a limit, no right to): that must not stop
 * the mailbox being read, as a refused MOVE does not (imap-acknowledge.ts): each session ended at this CREATE,
 * before any mail was read. A connection lost meanwhile is an error.
 */
export async function ensureMailbox(client: ImapFlow, path: string, made?: () => void): Promise<string | null> {
  const list = await client.list();
  if (list.some((m) => m.path === path)) return null;
  try {
    await client.mailboxCreate(path);
    made?.();
    return null;
  } catch (error) {
    if (!client.usable) throw error;
    const e = error as { responseText?: string; message?: string };
    return `the server refused to create ${path}: ${e.responseText ?? e.message ?? String(error)}`;
  }
}

/** imapflow's error for a command, or an IDLE probe, unanswered for `socketTimeout`. */
export function isSilentConnection(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ETIMEOUT';
}

/**
 * What a failed session's log says, in words: imapflow's own message for a refused command is only "Command
 * failed"; the server's answer is in the error's fields.
 */
export function imapFailureReason(error: unknown, timeoutSeconds: number, oauth2 = false, secure = true): string {
  const e = (error ?? {}) as { message?: string; code?: string; reason?: unknown; authenticationFailed?: boolean; responseText?: string; serverResponseCode?: string; executedCommand?: string };
  // A command cut by the server's closing the connection: imapflow's message is "Connection not available", its
  // `reason` what the server said (its BYE: "Server shutting down.", "Mailbox was deleted under us").
  if (e.code === 'NoConnection' && typeof e.reason === 'string' && e.reason) return `the server closed the connection: ${e.reason}`;
  if (isSilentConnection(e)) return `no answer from the server for ${timeoutSeconds} s (IMAP_TIMEOUT_SECONDS): the connection was lost on the way, or the server hangs`;
  // IMAP_SECURE that does not match the port: OpenSSL's text names a C file, imapflow's asks "Maybe should use TLS?".
  if (e.code === 'ERR_SSL_WRONG_VERSION_NUMBER') return 'the server does not speak TLS on IMAP_PORT from the start: set IMAP_SECURE=false for a plain port such as 143 (STARTTLS when offered), or IMAP_PORT to its TLS port (993)';
  if (e.code === 'GREETING_TIMEOUT' && !secure) return 'no greeting from the server: IMAP_PORT may be a TLS port (993): set IMAP_SECURE=true, or IMAP_PORT to the plain port (143)';
  const answer = [e.serverResponseCode && `[${e.serverResponseCode}]`, e.responseText].filter(Boolean).join(' ');
  const check = oauth2 ? "IMAP_USER and the OAuth2 app's rights on the mailbox (the next session asks for a new token)" : 'IMAP_USER and IMAP_PASSWORD';
  if (e.authenticationFailed) return `the server refused the login${answer ? ` (${answer})` : ''}: check ${check}`;
  const command = e.executedCommand?.split(' ')[1];
  if (answer && command) return `the server refused ${command}: ${answer}`;
  return e.message ?? String(error);
}
