import { resolve } from 'node:path';
import type { Config, Env } from './config.js';

// The IMAP settings (README "Configuration"): the mailbox, and how to log in to it (a password, or an OAuth2 app's
// tokens). Apart from config.ts, which holds every other setting.

/** In DATA_DIR: the refresh token the provider last rotated to (oauth2-refresh-file.ts). */
export const REFRESH_TOKEN_FILE = 'oauth2-refresh-token.json';

/** The IMAP settings, or undefined without IMAP_HOST; what is wrong is added to `problems`. */
export function imapConfig(e: Env, problems: string[]): Config['imap'] {
  if (!e.IMAP_HOST) return undefined;
  if (!e.IMAP_USER) problems.push('  IMAP_USER: required when IMAP_HOST is set');
  if (!e.IMAP_PASSWORD && !e.IMAP_OAUTH2_TOKEN_URL) problems.push('  IMAP_PASSWORD: required when IMAP_HOST is set (or IMAP_OAUTH2_TOKEN_URL and IMAP_OAUTH2_CLIENT_ID for OAuth2)');
  if (e.IMAP_OAUTH2_TOKEN_URL && !e.IMAP_OAUTH2_CLIENT_ID) problems.push('  IMAP_OAUTH2_CLIENT_ID: required with IMAP_OAUTH2_TOKEN_URL');
  // The client secret and the refresh token go in the request's body: plain http only to this machine (a test
  // endpoint, a local proxy), never across a network, where anyone on the way would read them.
  const tokenUrl = e.IMAP_OAUTH2_TOKEN_URL ? new URL(e.IMAP_OAUTH2_TOKEN_URL) : null;
  if (tokenUrl?.protocol === 'http:' && !isThisMachine(tokenUrl.hostname)) {
    problems.push('  IMAP_OAUTH2_TOKEN_URL: expected https: over http the client secret and the refresh token would cross the network in clear (http only to localhost, 127.0.0.1 or [::1])');
  }
  // fetch refuses an address with credentials in it, and its error (logged at each session) repeats them.
  if (tokenUrl && (tokenUrl.username || tokenUrl.password)) problems.push('  IMAP_OAUTH2_TOKEN_URL: expected no user or password in the address (the app is IMAP_OAUTH2_CLIENT_ID and IMAP_OAUTH2_CLIENT_SECRET)');
  return {
    host: e.IMAP_HOST,
    port: e.IMAP_PORT,
    secure: e.IMAP_SECURE,
    user: e.IMAP_USER ?? '',
    password: e.IMAP_PASSWORD ?? '',
    mailbox: e.IMAP_MAILBOX,
    processedMailbox: e.IMAP_PROCESSED_MAILBOX,
    pollSeconds: e.IMAP_POLL_SECONDS,
    ...(e.IMAP_OAUTH2_TOKEN_URL && e.IMAP_OAUTH2_CLIENT_ID
      ? { oauth2: { tokenUrl: e.IMAP_OAUTH2_TOKEN_URL, clientId: e.IMAP_OAUTH2_CLIENT_ID, clientSecret: e.IMAP_OAUTH2_CLIENT_SECRET, scope: e.IMAP_OAUTH2_SCOPE, refreshToken: e.IMAP_OAUTH2_REFRESH_TOKEN, ...(e.IMAP_OAUTH2_REFRESH_TOKEN ? { refreshTokenFile: resolve(e.DATA_DIR, REFRESH_TOKEN_FILE) } : {}) } }
      : {}),
    timeoutSeconds: e.IMAP_TIMEOUT_SECONDS,
    rejectUnauthorized: e.IMAP_TLS_REJECT_UNAUTHORIZED,
  };
}

/** A loopback host name, as URL gives it (IPv6 in brackets). */
function isThisMachine(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
