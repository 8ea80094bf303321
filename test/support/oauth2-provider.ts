import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

// An OAuth2 provider for tests: its token endpoint issues tokens (or refuses, as `answer` says), and its
// introspection endpoint (RFC 7662) tells Dovecot (startDovecot's oauth2IntrospectionUrl) which tokens are good and
// whose mailbox each opens. And Google's service accounts: a key file as Google gives it, and the check its token
// endpoint makes of a JWT bearer assertion (RFC 7523).

export interface OAuth2Provider {
  url: string;
  /** Token requests so far, as form fields. */
  requests: Array<Record<string, string>>;
  revokeAll(): void;
  close(): Promise<void>;
}

/** What the token endpoint does with a request: issues a token opening `user`'s mailbox, or answers an error. */
export type TokenAnswer = { user: string } | { status: number; error: string; error_description?: string };

export async function startOAuth2Provider(answer: (form: Record<string, string>) => TokenAnswer): Promise<OAuth2Provider> {
  const issued = new Map<string, string>();
  const requests: OAuth2Provider['requests'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      const json = (status: number, value: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url === '/token') {
        requests.push(form);
        const answered = answer(form);
        if (!('user' in answered)) {
          const { status, ...error } = answered;
          return json(status, error);
        }
        const token = randomBytes(24).toString('base64url');
        issued.set(token, answered.user);
        return json(200, { token_type: 'Bearer', access_token: token, expires_in: 3599 });
      }
      if (req.url === '/introspect') {
        const user = issued.get(form.token ?? '');
        return json(200, user ? { active: true, username: user } : { active: false });
      }
      json(404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    revokeAll: () => issued.clear(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ServiceAccount {
  /** The key file's fields, as Google's JSON has them. */
  json: Record<string, string>;
  /** What Google keeps of the key: the signatures it accepts. */
  publicKey: KeyObject;
}

/** A service account key as the Google Cloud console downloads it (IAM, Service accounts, Keys, Add key, JSON). */
export function serviceAccount(tokenUri: string, name = 'ventanilla'): ServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const json = {
    type: 'service_account',
    project_id: 'soporte-123456',
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: `${name}@soporte-123456.iam.gserviceaccount.com`,
    client_id: '109876543210987654321',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${name}%40soporte-123456.iam.gserviceaccount.com`,
    universe_domain: 'googleapis.com',
  };
  return { json, publicKey };
}

/** Writes `content` (a key's fields, or any text) to `dir`/key.json, readable by its owner only unless `mode` says. */
export function writeKeyFile(dir: string, content: object | string, mode = 0o600): string {
  const file = join(dir, 'key.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  chmodSync(file, mode);
  return file;
}

export interface Assertion {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Whether `publicKey` made the signature (RS256). */
  signedBy(publicKey: KeyObject): boolean;
}

/** A JWT taken apart, as the token endpoint reads it. */
export function readAssertion(jwt: string): Assertion {
  const [header, claims, signature] = jwt.split('.');
  const part = (text = '') => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
  return {
    header: part(header),
    claims: part(claims),
    signedBy: (publicKey) => verify('sha256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature ?? '', 'base64url')),
  };
}

/**
 * Google's token endpoint for one service account: the JWT bearer grant with an assertion it signed, for `scope`
 * granted it by domain-wide delegation, not expired, for a user of the domain. Refuses as Google does otherwise.
 */
export function googleTokenEndpoint(account: ServiceAccount, opts: { scopes: () => string[]; domain: string; now?: () => number }): (form: Record<string, string>) => TokenAnswer {
  return (form) => {
    if (form.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return { status: 400, error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${form.grant_type}` };
    let jwt: Assertion;
    try {
      jwt = readAssertion(form.assertion ?? '');
    } catch {
      return { status: 400, error: 'invalid_grant', error_description: 'Invalid JWT.' };
    }
    const c = jwt.claims;
    const now = Math.floor((opts.now?.() ?? Date.now()) / 1000);
    if (jwt.header.alg !== 'RS256' || jwt.header.kid !== account.json.private_key_id || !jwt.signedBy(account.publicKey)) return { status: 400, error: 'invalid_grant', error_description: 'Invalid JWT Signature.' };
    if (c.iss !== account.json.client_email || c.aud !== account.json.token_uri) return { status: 400, error: 'invalid_grant', error_description: 'Invalid JWT: issuer or audience.' };
    if (typeof c.iat !== 'number' || c.exp !== c.iat + 3600 || c.iat > now + 60 || c.exp < now) return { status: 400, error: 'invalid_grant', error_description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.' };
    if (typeof c.sub !== 'string' || !c.sub.endsWith(`@${opts.domain}`)) return { status: 400, error: 'invalid_grant', error_description: 'Invalid email or User ID' };
    if (typeof c.scope !== 'string' || !c.scope.split(' ').every((s) => opts.scopes().includes(s))) {
      return { status: 401, error: 'unauthorized_client', error_description: 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.' };
    }
    return { user: c.sub };
  };
}
