import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { daemonLogLines, imapDaemonEnv, startDaemon, waitFor } from '../support/daemon.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';
import { googleTokenEndpoint, readAssertion, serviceAccount, startOAuth2Provider, writeKeyFile, type ServiceAccount } from '../support/oauth2-provider.js';

// A Google Workspace mailbox reached with a service account's key (IMAP_OAUTH2_SERVICE_ACCOUNT_FILE): the daemon
// signs a JWT naming the mailbox, the token endpoint (here a stand-in for Google's, which checks the signature and
// the claims, and the scopes granted by domain-wide delegation) gives a token, and Dovecot takes it (XOAUTH2).

const OPEN = 'IMAP mailbox open';
const FAILED = 'IMAP session failed; reconnecting';

describe.skipIf(!dovecotAvailable() || !cliBuilt)('an IMAP mailbox reached with a Google service account', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-sa-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** The provider, Dovecot, the key file and the daemon's environment; `granted`: the scopes the admin delegated. */
  async function setUp(granted: string[]) {
    let account: ServiceAccount | null = null;
    const provider = await startOAuth2Provider((form) => googleTokenEndpoint(account as ServiceAccount, { scopes: () => granted, domain: 'example.test' })(form));
    cleanups.push(() => provider.close());
    account = serviceAccount(`${provider.url}/token`);
    const dovecot = await startDovecot({ oauth2IntrospectionUrl: `${provider.url}/introspect` });
    cleanups.push(() => dovecot.stop());
    const dataDir = tempDir();
    const keyDir = tempDir();
    const env = imapDaemonEnv(dovecot, dataDir, { IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: writeKeyFile(keyDir, account.json) });
    delete env.IMAP_PASSWORD;
    /** The admin adds a key and deletes the old one at Google, which then takes the new one's signatures only. */
    const rotate = () => (account = serviceAccount(`${provider.url}/token`));
    return { account, provider, dovecot, dataDir, env, keyDir, rotate };
  }

  function daemon(env: Record<string, string>) {
    const started = startDaemon(env);
    cleanups.push(() => started.kill());
    const lines = () => daemonLogLines(started);
    return { lines, count: (msg: string) => lines().filter((l) => l.msg === msg).length };
  }

  it('logs in with a token for the mailbox, asked with an assertion signed by the key, and ingests', async () => {
    const { account, provider, dovecot, dataDir, env } = await setUp(['https://mail.google.com/']);
    const { count, lines } = daemon(env);
    await waitFor(() => count(OPEN) === 1, 'the mailbox to open');
    await dovecot.append(mail({ headers: { 'Message-ID': '<service-account@cliente.mx>' } }));
    const db = await openDatabase(join(dataDir, 'ventanilla.db'));
    cleanups.push(() => db.$disconnect());
    const row = await waitFor(async () => db.inboundLog.findFirst({ where: { messageId: 'service-account@cliente.mx' } }), 'the mail to be recorded');
    expect(row.outcome).toBe('created');
    expect(provider.requests).toHaveLength(1);
    const jwt = readAssertion(provider.requests[0]?.assertion ?? '');
    expect(jwt.signedBy(account.publicKey)).toBe(true);
    expect(jwt.claims).toMatchObject({ iss: account.json.client_email, sub: dovecot.user, scope: 'https://mail.google.com/', aud: `${provider.url}/token` });
    expect(count(FAILED)).toBe(0);
    // The key file is the owner's only: nothing to warn about.
    expect(lines().filter((l) => String(l.msg).includes('IMAP_OAUTH2_SERVICE_ACCOUNT_FILE'))).toEqual([]);
  });

  it('says to grant the client ID the scope when domain-wide delegation is missing, and logs in once it is granted', async () => {
    const granted: string[] = [];
    const { account, env } = await setUp(granted);
    const { count, lines } = daemon(env);
    await waitFor(() => count(FAILED) >= 2, 'two failed sessions', 10_000);
    const failure = lines().find((l) => l.msg === FAILED) as { reason?: string } | undefined;
    expect(failure?.reason).toBe(
      `the OAuth2 token endpoint refused a token (unauthorized_client: Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.): the service account ${account.json.client_email} may not act for support@example.test: in the Google Admin console (Security, Access and data control, API controls, Manage domain-wide delegation) grant the client ID ${account.json.client_id} the scope https://mail.google.com/ (IMAP_OAUTH2_SCOPE)`,
    );
    expect(count(OPEN)).toBe(0);
    // The admin grants it: the next session asks again, and gets in, without a restart.
    granted.push('https://mail.google.com/');
    await waitFor(() => count(OPEN) === 1, 'a session once the scope is granted', 20_000);
  }, 40_000);

  it('takes a rotated key from the replaced file without a restart, and names the file while it cannot be used', async () => {
    const { provider, dovecot, env, keyDir, rotate } = await setUp(['https://mail.google.com/']);
    const { count, lines } = daemon(env);
    await waitFor(() => count(OPEN) === 1, 'the mailbox to open');
    // The old key is deleted at Google and its token revoked; the file is replaced, first by a half-copied one.
    const rotated = rotate();
    const file = writeKeyFile(keyDir, JSON.stringify(rotated.json).slice(0, 300));
    provider.revokeAll();
    await dovecot.restart();
    const unusable = `IMAP_OAUTH2_SERVICE_ACCOUNT_FILE ${file} was changed and cannot be used: ${file} is not JSON (`;
    await waitFor(() => lines().some((l) => l.msg === FAILED && String(l.reason).startsWith(unusable)), 'a session failing on the file', 20_000);
    expect(provider.requests).toHaveLength(1);
    // The whole file: the next session's token is asked with the new key.
    writeKeyFile(keyDir, rotated.json);
    await waitFor(() => count(OPEN) === 2, 'a session with the new key', 20_000);
    expect(readAssertion(provider.requests.at(-1)?.assertion ?? '').signedBy(rotated.publicKey)).toBe(true);
  }, 60_000);

  it('does not start with a key file it cannot sign with, and says why', async () => {
    const { account, env } = await setUp(['https://mail.google.com/']);
    const file = writeKeyFile(tempDir(), { ...account.json, private_key: account.json.private_key?.slice(0, 200) });
    const result = await runCli(['start'], { env: { ...env, IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: file }, timeoutMs: 20_000 });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain(`IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: the private_key of ${file} cannot be read as a private key`);
  });
});
