import { resolve } from 'node:path';
import type { Config } from './config.js';
import type { Env } from './config-variables.js';
import type { OAuth2Settings } from './oauth2-token.js';
import { GOOGLE_MAIL_SCOPE, readServiceAccountKey } from './oauth2-service-account.js';

// The IMAP settings (README "Configuration"): the mailbox, and how to log in to it (a password, or an OAuth2 app's
// tokens). Apart from config.ts, which holds every other setting.

/** In DATA_DIR: the refresh token the provider last rotated to (oauth2-refresh-file.ts). */
export const REFRESH_TOKEN_FILE = 'oauth2-refresh-token.json';

/** The IMAP settings, or undefined without IMAP_HOST; what is wrong is added to `problems`, what is risky to `warnings`. */
export function imapConfig(e: Env, problems: string[], warnings: string[]): Config['imap'] {
  if (!e.IMAP_HOST) return undefined;
  if (!e.IMAP_USER) problems.push('  IMAP_USER: required when IMAP_HOST is set');
  const keyFile = e.IMAP_OAUTH2_SERVICE_ACCOUNT_FILE;
  if (!e.IMAP_PASSWORD && !e.IMAP_OAUTH2_TOKEN_URL && !keyFile) {
    problems.push('  IMAP_PASSWORD: required when IMAP_HOST is set (or IMAP_OAUTH2_TOKEN_URL and IMAP_OAUTH2_CLIENT_ID for OAuth2, or IMAP_OAUTH2_SERVICE_ACCOUNT_FILE for a Google service account)');
  }
  const oauth2 = keyFile ? serviceAccountOAuth2(e, resolve(keyFile), problems, warnings) : appOAuth2(e, problems);
  return {
    host: e.IMAP_HOST,
    port: e.IMAP_PORT,
    secure: e.IMAP_SECURE,
    user: e.IMAP_USER ?? '',
    password: e.IMAP_PASSWORD ?? '',
    mailbox: e.IMAP_MAILBOX,
    processedMailbox: e.IMAP_PROCESSED_MAILBOX,
    pollSeconds: e.IMAP_POLL_SECONDS,
    ...(oauth2 ? { oauth2 } : {}),
    timeoutSeconds: e.IMAP_TIMEOUT_SECONDS,
    reconnectMaxSeconds: e.IMAP_RECONNECT_MAX_SECONDS,
    rejectUnauthorized: e.IMAP_TLS_REJECT_UNAUTHORIZED,
  };
}

/** An app's client credentials, or a person's refresh token. */
function appOAuth2(e: Env, problems: string[]): OAuth2Settings | undefined {
  if (e.IMAP_OAUTH2_TOKEN_URL && !e.IMAP_OAUTH2_CLIENT_ID) problems.push('  IMAP_OAUTH2_CLIENT_ID: required with IMAP_OAUTH2_TOKEN_URL');
  if (!e.IMAP_OAUTH2_TOKEN_URL) return undefined;
  // The client secret and the refresh token go in the request's body.
  problems.push(...tokenUrlProblems('IMAP_OAUTH2_TOKEN_URL: expected', new URL(e.IMAP_OAUTH2_TOKEN_URL), 'the client secret and the refresh token'));
  if (!e.IMAP_OAUTH2_CLIENT_ID) return undefined;
  const kept = e.IMAP_OAUTH2_REFRESH_TOKEN ? { refreshTokenFile: resolve(e.DATA_DIR, REFRESH_TOKEN_FILE) } : {};
  return { tokenUrl: e.IMAP_OAUTH2_TOKEN_URL, clientId: e.IMAP_OAUTH2_CLIENT_ID, clientSecret: e.IMAP_OAUTH2_CLIENT_SECRET, scope: e.IMAP_OAUTH2_SCOPE, refreshToken: e.IMAP_OAUTH2_REFRESH_TOKEN, ...kept };
}

/** A Google service account's key (oauth2-service-account.ts): its own token endpoint and client ID. */
function serviceAccountOAuth2(e: Env, file: string, problems: string[], warnings: string[]): OAuth2Settings | undefined {
  const NAME = 'IMAP_OAUTH2_SERVICE_ACCOUNT_FILE';
  // A person's refresh token or an app's secret beside the key: which grant the admin meant is not for us to guess.
  const others = (['IMAP_OAUTH2_CLIENT_SECRET', 'IMAP_OAUTH2_REFRESH_TOKEN'] as const).filter((name) => e[name] !== undefined);
  if (others.length) problems.push(`  ${NAME}: expected without ${others.join(' and ')}: the service account signs its requests with its key (the JWT bearer grant); unset ${others.length > 1 ? 'them' : 'it'}, or this setting for the grant ${others.length > 1 ? 'they are' : 'it is'} for`);
  const read = readServiceAccountKey(file);
  if ('problem' in read) {
    problems.push(`  ${NAME}: ${read.problem}`);
    return undefined;
  }
  const key = read.key;
  if (read.warning) warnings.push(read.warning);
  if (e.IMAP_OAUTH2_CLIENT_ID !== undefined && e.IMAP_OAUTH2_CLIENT_ID !== key.clientId) {
    problems.push(`  IMAP_OAUTH2_CLIENT_ID: expected unset, or the client_id of ${file} (${key.clientId}): the service account is the client`);
  }
  // IMAP_OAUTH2_TOKEN_URL may send the request elsewhere (a proxy); the file's token_uri stays the audience.
  const tokenUrl = e.IMAP_OAUTH2_TOKEN_URL ?? key.tokenUri;
  const expected = e.IMAP_OAUTH2_TOKEN_URL ? 'IMAP_OAUTH2_TOKEN_URL: expected' : `${NAME}: expected the token_uri of ${file} to be`;
  problems.push(...tokenUrlProblems(expected, new URL(tokenUrl), 'the signed assertion and the token'));
  return { tokenUrl, clientId: key.clientId, scope: e.IMAP_OAUTH2_SCOPE ?? GOOGLE_MAIL_SCOPE, serviceAccount: key };
}

/** `expected`: the setting's name and how the sentence starts; `what`: the credentials the request carries. */
function tokenUrlProblems(expected: string, url: URL, what: string): string[] {
  const problems: string[] = [];
  // Plain http only to this machine (a test endpoint, a local proxy), never across a network, where anyone on the
  // way would read the credentials.
  if (url.protocol === 'http:' && !isThisMachine(url.hostname)) problems.push(`  ${expected} https: over http ${what} would cross the network in clear (http only to localhost, 127.0.0.1 or [::1])`);
  // fetch refuses an address with credentials in it, and its error (logged at each session) repeats them.
  if (url.username || url.password) problems.push(`  ${expected} no user or password in the address (the app is IMAP_OAUTH2_CLIENT_ID and IMAP_OAUTH2_CLIENT_SECRET)`);
  return problems;
}

/** A loopback host name, as URL gives it (IPv6 in brackets). */
function isThisMachine(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
