import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readServiceAccountKey, serviceAccountAssertion, type ServiceAccountKey } from '../../src/oauth2-service-account.js';
import { OAuth2TokenSource, reportOAuth2WarningsTo, tokenSourceFor } from '../../src/oauth2-token.js';
import { googleTokenEndpoint, readAssertion, serviceAccount, startOAuth2Provider, writeKeyFile, type OAuth2Provider } from '../support/oauth2-provider.js';

// A Google Workspace service account with domain-wide delegation: the gateway signs a JWT with the account's key
// (RFC 7523) naming the mailbox, and Google's token endpoint gives a token for that mailbox. No person's consent,
// no refresh token that dies with a password change.

const dir = mkdtempSync(join(tmpdir(), 'ventanilla-sa-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const account = serviceAccount('https://oauth2.googleapis.com/token');

function keyOf(json: object): ServiceAccountKey {
  const read = readServiceAccountKey(writeKeyFile(dir, json));
  if ('problem' in read) throw new Error(read.problem);
  return read.key;
}

describe('the JWT bearer assertion', () => {
  it('is signed RS256 by the key, names it, and asks for the scope on behalf of the mailbox for an hour', () => {
    const now = Date.UTC(2025, 4, 6, 10, 0, 0, 700);
    const jwt = readAssertion(serviceAccountAssertion(keyOf(account.json), 'soporte@example.com', 'https://mail.google.com/', now));
    expect(jwt.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: account.json.private_key_id });
    const iat = Math.floor(now / 1000);
    expect(jwt.claims).toEqual({ iss: account.json.client_email, sub: 'soporte@example.com', scope: 'https://mail.google.com/', aud: 'https://oauth2.googleapis.com/token', iat, exp: iat + 3600 });
    expect(jwt.signedBy(account.publicKey)).toBe(true);
    // Another key's public half does not check it: the signature is the key's, not any RSA key's.
    expect(jwt.signedBy(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)).toBe(false);
  });
});

describe('the service account key file', () => {
  it("is read as Google gives it; the client ID is the account's unique ID", () => {
    expect(keyOf(account.json)).toEqual({
      file: join(dir, 'key.json'),
      clientEmail: account.json.client_email,
      clientId: '109876543210987654321',
      privateKey: account.json.private_key,
      privateKeyId: account.json.private_key_id,
      tokenUri: 'https://oauth2.googleapis.com/token',
    });
  });

  it('says what is wrong with a file that is not one', () => {
    const problem = (content: object | string) => {
      const read = readServiceAccountKey(writeKeyFile(dir, content));
      return 'problem' in read ? read.problem : 'read';
    };
    const where = 'expected the JSON key Google gives for a service account (Google Cloud console: IAM and admin, Service accounts, Keys, Add key, JSON)';
    const file = join(dir, 'key.json');
    expect(readServiceAccountKey(join(dir, 'missing.json'))).toEqual({ problem: expect.stringMatching(/^cannot read .*missing\.json \(ENOENT: no such file or directory/) });
    expect(problem('-----BEGIN PRIVATE KEY-----')).toMatch(new RegExp(`^${file} is not JSON \\(.*\\): expected the JSON key Google gives`));
    expect(problem({ type: 'authorized_user', client_id: 'x', refresh_token: 'y' })).toBe(`${file} is not a service account key (type "authorized_user": a person's grant, which IMAP_OAUTH2_CLIENT_ID, IMAP_OAUTH2_CLIENT_SECRET and IMAP_OAUTH2_REFRESH_TOKEN take): ${where}`);
    expect(problem({ installed: { client_id: 'x', client_secret: 'y' } })).toBe(`${file} is not a service account key (an OAuth client's file (its client ID and secret), not a key): ${where}`);
    expect(problem({ ...account.json, private_key: undefined, token_uri: '' })).toBe(`${file} has no private_key, token_uri: ${where}`);
    expect(problem({ ...account.json, private_key: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' })).toMatch(new RegExp(`^the private_key of ${file} cannot be read as a private key \\(.*\\): expected the JSON key`));
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(problem({ ...account.json, private_key: ec })).toBe(`the private_key of ${file} is a key of type ec: Google's service account keys are RSA, signed RS256; ${where}`);
  });

  it('warns when other users of this machine may read it: it reads the mail of the whole domain', () => {
    expect(readServiceAccountKey(writeKeyFile(dir, account.json, 0o600))).not.toHaveProperty('warning');
    expect(readServiceAccountKey(writeKeyFile(dir, account.json, 0o400))).not.toHaveProperty('warning');
    const file = join(dir, 'key.json');
    expect(readServiceAccountKey(writeKeyFile(dir, account.json, 0o640))).toHaveProperty('warning', `IMAP_OAUTH2_SERVICE_ACCOUNT_FILE ${file} is readable by the file's group (mode 640): the key reads the mail of any user of the Google Workspace domain; make it readable by the gateway's user only (chmod 600)`);
    expect(readServiceAccountKey(writeKeyFile(dir, account.json, 0o644))).toHaveProperty('warning', expect.stringContaining('is readable by every user of this machine (mode 644)'));
  });
});

describe('tokens for a service account', () => {
  let provider: OAuth2Provider;
  let scopes = ['https://mail.google.com/'];
  let local: ReturnType<typeof serviceAccount>;
  let key: ServiceAccountKey;
  /** The clock of the gateway and of the token endpoint alike. */
  let now = Date.now();
  beforeEach(async () => {
    scopes = ['https://mail.google.com/'];
    now = Date.now();
    provider = await startOAuth2Provider((form) => googleTokenEndpoint(local, { scopes: () => scopes, domain: 'example.com', now: () => now })(form));
    local = serviceAccount(`${provider.url}/token`);
    key = keyOf(local.json);
  });
  afterEach(() => provider.close());

  // As the configuration gives them (config-imap.ts); the mailbox is the one tokenSourceFor is asked for.
  const configured = () => ({ tokenUrl: `${provider.url}/token`, clientId: key.clientId, scope: 'https://mail.google.com/', serviceAccount: key });
  const settings = (subject: string) => ({ ...configured(), subject });

  it('asks with the signed assertion alone, keeps the token until a minute before it expires, and asks anew when told', async () => {
    const start = now;
    const source = new OAuth2TokenSource(settings('soporte@example.com'), () => now);
    const first = await Promise.all([source.token(), source.token()]);
    expect(first[0]).toBe(first[1]);
    expect(provider.requests).toHaveLength(1);
    // Nothing but the grant: the key's signature is the credential, there is no client secret to send.
    expect(Object.keys(provider.requests[0] ?? {})).toEqual(['grant_type', 'assertion']);
    expect(readAssertion(provider.requests[0]?.assertion ?? '').claims).toMatchObject({ sub: 'soporte@example.com', iss: local.json.client_email });
    now += 3539_000 - 1; // expires_in 3599: kept for 3539 s
    expect(await source.token()).toBe(first[0]);
    now += 1;
    const second = await source.token();
    expect(second).not.toBe(first[0]);
    source.forget();
    expect(await source.token()).not.toBe(second);
    expect(provider.requests).toHaveLength(3);
    // Each request signs an assertion of its moment: one an hour old would be refused.
    const iat = Math.floor(start / 1000);
    expect(provider.requests.map((r) => readAssertion(r.assertion ?? '').claims.iat)).toEqual([iat, iat + 3539, iat + 3539]);
  });

  it('takes a key the admin rotated (the file replaced) at the next token it needs, without a restart', async () => {
    const source = new OAuth2TokenSource(settings('soporte@example.com'), () => now);
    const first = await source.token();
    // The admin adds a key, replaces the file with it, and deletes the old key: Google knows only the new one.
    const before = local;
    local = serviceAccount(`${provider.url}/token`);
    writeKeyFile(dir, local.json);
    // The token held serves until it expires: nothing is read or asked for before.
    now += 3539_000 - 1;
    expect(await source.token()).toBe(first);
    expect(provider.requests).toHaveLength(1);
    now += 1;
    const second = await source.token();
    expect(second).not.toBe(first);
    expect(provider.requests).toHaveLength(2);
    const jwt = readAssertion(provider.requests[1]?.assertion ?? '');
    expect(jwt.header.kid).toBe(local.json.private_key_id);
    expect(jwt.signedBy(local.publicKey)).toBe(true);
    expect(jwt.signedBy(before.publicKey)).toBe(false);
  });

  it('names the file when the one put in its place cannot be used, and takes it once it is fixed', async () => {
    const warnings: string[] = [];
    reportOAuth2WarningsTo({ warn: (message) => warnings.push(message) });
    try {
      const source = new OAuth2TokenSource(settings('soporte@example.com'), () => now);
      const first = await source.token();
      const file = join(dir, 'key.json');
      writeKeyFile(dir, '{"type": "service_account", "private_key": "-----BEGIN PRIV');
      // Read only when a token is needed: the one held serves on.
      expect(await source.token()).toBe(first);
      now += 3539_000;
      await expect(source.token()).rejects.toThrow(
        `IMAP_OAUTH2_SERVICE_ACCOUNT_FILE ${file} was changed and cannot be used: ${file} is not JSON (`,
      );
      rmSync(file);
      await expect(source.token()).rejects.toThrow(new RegExp(`^IMAP_OAUTH2_SERVICE_ACCOUNT_FILE ${file} was changed and cannot be used: cannot read ${file} \\(ENOENT`));
      expect(provider.requests).toHaveLength(1);
      // Fixed (here: the new key, readable by others too): the next session's token is asked with it.
      local = serviceAccount(`${provider.url}/token`);
      writeKeyFile(dir, local.json, 0o644);
      expect(await source.token()).not.toBe(first);
      expect(readAssertion(provider.requests[1]?.assertion ?? '').header.kid).toBe(local.json.private_key_id);
      expect(warnings).toEqual([expect.stringContaining(`IMAP_OAUTH2_SERVICE_ACCOUNT_FILE ${file} is readable by every user of this machine (mode 644)`)]);
    } finally {
      reportOAuth2WarningsTo({ warn: (message) => process.emitWarning(message) });
    }
  });

  it('acts for each mailbox on its own: SMTP_USER other than IMAP_USER has a token of its own', async () => {
    const imap = tokenSourceFor('soporte@example.com', configured());
    const smtp = tokenSourceFor('avisos@example.com', configured());
    expect(smtp).not.toBe(imap);
    expect(tokenSourceFor('soporte@example.com', configured())).toBe(imap);
    await Promise.all([imap.token(), smtp.token()]);
    expect(provider.requests.map((r) => readAssertion(r.assertion ?? '').claims.sub).sort()).toEqual(['avisos@example.com', 'soporte@example.com']);
  });

  it('says what to fix when Google refuses: the delegation to grant, the user or the key to check', async () => {
    scopes = [];
    await expect(new OAuth2TokenSource(settings('soporte@example.com')).token()).rejects.toThrow(
      `the OAuth2 token endpoint refused a token (unauthorized_client: Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.): the service account ${local.json.client_email} may not act for soporte@example.com: in the Google Admin console (Security, Access and data control, API controls, Manage domain-wide delegation) grant the client ID 109876543210987654321 the scope https://mail.google.com/ (IMAP_OAUTH2_SCOPE)`,
    );
    scopes = ['https://mail.google.com/'];
    await expect(new OAuth2TokenSource(settings('someone@elsewhere.org')).token()).rejects.toThrow(
      `the OAuth2 token endpoint refused a token (invalid_grant: Invalid email or User ID): check that someone@elsewhere.org is a user of the Google Workspace domain, that the key ${local.json.private_key_id} of ${local.json.client_email} (${key.file}) is not deleted or disabled (Google Cloud console: IAM and admin, Service accounts, Keys), and this machine's clock`,
    );
    // A key Google does not know (deleted, or another account's): its signature does not check.
    const other = keyOf(serviceAccount(`${provider.url}/token`).json);
    await expect(new OAuth2TokenSource({ ...settings('soporte@example.com'), serviceAccount: other }).token()).rejects.toThrow(/^the OAuth2 token endpoint refused a token \(invalid_grant: Invalid JWT Signature\.\): check that soporte@example\.com is a user/);
  });
});
