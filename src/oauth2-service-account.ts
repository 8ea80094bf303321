import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readableBeyondOwner } from './private-file.js';

// A Google Workspace admin may rather give the gateway a service account with domain-wide delegation than a
// person's refresh token: no consent screen, and nothing that dies when that person's password changes. The
// service account signs a JWT with its key (RFC 7523, the JWT bearer grant) naming the mailbox it acts for, and
// Google's token endpoint answers with an access token for that mailbox.

/** Google's scope for IMAP and SMTP (XOAUTH2): the one an admin grants the client ID for mail. */
export const GOOGLE_MAIL_SCOPE = 'https://mail.google.com/';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** An assertion serves this long: Google refuses one that claims more than an hour. */
const ASSERTION_SECONDS = 3600;

/** What the gateway uses of a service account's JSON key file. */
export interface ServiceAccountKey {
  /** The key file, as messages name it. */
  file: string;
  /** The service account: the assertion's issuer. */
  clientEmail: string;
  /** Its unique ID: the client ID an admin grants scopes to (domain-wide delegation). */
  clientId: string;
  /** PEM; kept as text so that a settings object stays plain data. */
  privateKey: string;
  /** The key's ID: Google finds the public key that checks the signature by it. */
  privateKeyId: string;
  /** Google's token endpoint: the assertion's audience, whatever address the request goes to. */
  tokenUri: string;
}

const WHERE = 'expected the JSON key Google gives for a service account (Google Cloud console: IAM and admin, Service accounts, Keys, Add key, JSON)';

/**
 * The key in `file`, checked at start-up so that a wrong file stops the gateway with its reason rather than fail
 * each session; `warning` when other users of this machine may read it.
 */
export function readServiceAccountKey(file: string): { key: ServiceAccountKey; warning?: string } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { problem: `cannot read ${file} (${(error as Error).message})` };
  }
  let json: Record<string, unknown>;
  try {
    json = Object(JSON.parse(text)) as Record<string, unknown>;
  } catch (error) {
    return { problem: `${file} is not JSON (${(error as Error).message}): ${WHERE}` };
  }
  if (json.type !== 'service_account') return { problem: `${file} is not a service account key (${notAKey(json)}): ${WHERE}` };
  const missing = ['client_email', 'private_key', 'private_key_id', 'token_uri'].filter((name) => typeof json[name] !== 'string' || json[name] === '');
  if (missing.length) return { problem: `${file} has no ${missing.join(', ')}: ${WHERE}` };
  const field = (name: string) => json[name] as string;
  // URL.parse is Node 22's; the gateway runs on 20 too.
  if (!URL.canParse(field('token_uri')) || !/^https?:$/.test(new URL(field('token_uri')).protocol)) return { problem: `${file} has a token_uri that is no http(s) address (${JSON.stringify(field('token_uri'))}): ${WHERE}` };
  try {
    const type = createPrivateKey(field('private_key')).asymmetricKeyType;
    if (type !== 'rsa') return { problem: `the private_key of ${file} is a key of type ${type}: Google's service account keys are RSA, signed RS256; ${WHERE}` };
  } catch (error) {
    return { problem: `the private_key of ${file} cannot be read as a private key (${(error as Error).message}): ${WHERE}` };
  }
  const key: ServiceAccountKey = {
    file,
    clientEmail: field('client_email'),
    clientId: typeof json.client_id === 'string' && json.client_id !== '' ? json.client_id : field('client_email'),
    privateKey: field('private_key'),
    privateKeyId: field('private_key_id'),
    tokenUri: field('token_uri'),
  };
  const warning = readableByOthers(file);
  return warning ? { key, warning } : { key };
}

/**
 * The key the file holds now, read when a new token is needed (about once an hour): an admin rotates a key by
 * replacing the file, then deletes the old key at Google, and a key read once at start-up failed every token from
 * then until a restart. `held` when the file still holds it; `warning` only for a key new to this process.
 */
export function rereadServiceAccountKey(held: ServiceAccountKey): { key: ServiceAccountKey; warning?: string } | { problem: string } {
  const read = readServiceAccountKey(held.file);
  // Not the key held, which the file no longer vouches for: a token the admin thinks revoked is not asked with it.
  const unusable = (why: string) => ({ problem: `IMAP_OAUTH2_SERVICE_ACCOUNT_FILE ${held.file} was changed and cannot be used: ${why}; no token is asked for until it is fixed (it is read again when a session needs one)` });
  if ('problem' in read) return unusable(read.problem);
  const key = read.key;
  if (sameKey(key, held)) return { key: held };
  // Where the request goes was checked at start-up (https, no credentials in it) and is not checked again here.
  if (key.tokenUri !== held.tokenUri) return unusable(`its token_uri is ${JSON.stringify(key.tokenUri)}, not ${JSON.stringify(held.tokenUri)} as at start-up: restart the gateway to use it`);
  return read;
}

const sameKey = (a: ServiceAccountKey, b: ServiceAccountKey): boolean => (Object.keys(a) as Array<keyof ServiceAccountKey>).every((field) => a[field] === b[field]);

/** What the file is instead, for the admin who picked the wrong download. */
function notAKey(json: Record<string, unknown>): string {
  if (json.type === 'authorized_user') return "type \"authorized_user\": a person's grant, which IMAP_OAUTH2_CLIENT_ID, IMAP_OAUTH2_CLIENT_SECRET and IMAP_OAUTH2_REFRESH_TOKEN take";
  if (json.installed !== undefined || json.web !== undefined) return 'an OAuth client\'s file (its client ID and secret), not a key';
  return json.type === undefined ? 'no "type"' : `type ${JSON.stringify(json.type)}, expected "service_account"`;
}

/** The key reads the mail of every user of the domain its client ID is granted: no one else on this machine should. */
function readableByOthers(file: string): string | undefined {
  const readable = readableBeyondOwner(file);
  if (!readable) return undefined;
  return `IMAP_OAUTH2_SERVICE_ACCOUNT_FILE ${file} is readable by ${readable.who} (mode ${readable.mode}): the key reads the mail of any user of the Google Workspace domain; make it readable by the gateway's user only (chmod 600)`;
}

/**
 * The JWT bearer assertion (RFC 7523): signed RS256 with the key, asking for `scope` on behalf of `subject` (the
 * mailbox's user), for an hour from `nowMs`.
 */
export function serviceAccountAssertion(key: ServiceAccountKey, subject: string, scope: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${part({ alg: 'RS256', typ: 'JWT', kid: key.privateKeyId })}.${part({ iss: key.clientEmail, sub: subject, scope, aud: key.tokenUri, iat, exp: iat + ASSERTION_SECONDS })}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), key.privateKey).toString('base64url')}`;
}

/** What to fix when Google refuses the grant: its error codes say which of the admin's steps is missing. */
export function serviceAccountFix(key: ServiceAccountKey, subject: string, scope: string, error: unknown): string {
  const delegation = `in the Google Admin console (Security, Access and data control, API controls, Manage domain-wide delegation) grant the client ID ${key.clientId} the scope ${scope}`;
  // Google's answer when the client ID has no delegation, or not for every scope asked.
  if (error === 'unauthorized_client' || error === 'access_denied') return `the service account ${key.clientEmail} may not act for ${subject}: ${delegation} (IMAP_OAUTH2_SCOPE)`;
  // A user not in the domain, a key deleted or disabled, or a clock so wrong that the assertion is out of its hour.
  if (error === 'invalid_grant') return `check that ${subject} is a user of the Google Workspace domain, that the key ${key.privateKeyId} of ${key.clientEmail} (${key.file}) is not deleted or disabled (Google Cloud console: IAM and admin, Service accounts, Keys), and this machine's clock`;
  return `check IMAP_OAUTH2_SERVICE_ACCOUNT_FILE (${key.file}) and IMAP_OAUTH2_SCOPE; and that ${delegation}`;
}
