import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { daemonLogLines, imapDaemonEnv, startDaemon, waitFor } from '../support/daemon.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';
import { startOAuth2Provider } from '../support/oauth2-provider.js';

// Microsoft 365 and Google refuse passwords over IMAP: the gateway logs in with an OAuth2 access token (SASL
// XOAUTH2), asked of the provider's token endpoint with the app's client credentials. Here the provider is a
// small HTTP server (test/support/oauth2-provider.ts) that Dovecot asks whether a token is good.

const CLIENT = { id: '7f0c2a4e-app', secret: 'the-app-secret' };
const OPEN = 'IMAP mailbox open';
const FAILED = 'IMAP session failed; reconnecting';

describe.skipIf(!dovecotAvailable() || !cliBuilt)('an IMAP mailbox reached with OAuth2 (XOAUTH2)', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(secret: string) {
    let user = '';
    const provider = await startOAuth2Provider((form) => {
      if (form.client_id !== CLIENT.id || form.client_secret !== CLIENT.secret) return { status: 401, error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' };
      if (form.grant_type !== 'client_credentials' || form.scope !== 'https://outlook.office365.com/.default') return { status: 400, error: 'invalid_request' };
      return { user };
    });
    cleanups.push(() => provider.close());
    const dovecot = await startDovecot({ oauth2IntrospectionUrl: `${provider.url}/introspect` });
    cleanups.push(() => dovecot.stop());
    user = dovecot.user;
    const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-oauth2-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = imapDaemonEnv(dovecot, dataDir, {
      IMAP_PASSWORD: '',
      IMAP_OAUTH2_TOKEN_URL: `${provider.url}/token`,
      IMAP_OAUTH2_CLIENT_ID: CLIENT.id,
      IMAP_OAUTH2_CLIENT_SECRET: secret,
      IMAP_OAUTH2_SCOPE: 'https://outlook.office365.com/.default',
    });
    delete env.IMAP_PASSWORD;
    const daemon = startDaemon(env);
    cleanups.push(() => daemon.kill());
    const lines = () => daemonLogLines(daemon);
    return { provider, dovecot, dataDir, daemon, lines, count: (msg: string) => lines().filter((l) => l.msg === msg).length };
  }

  it('logs in with a token of the app, without a password, and ingests', async () => {
    const { provider, dovecot, dataDir, count } = await setUp(CLIENT.secret);
    await waitFor(() => count(OPEN) === 1, 'the mailbox to open');
    await dovecot.append(mail({ headers: { 'Message-ID': '<oauth2@cliente.mx>' } }));
    const db = await openDatabase(join(dataDir, 'ventanilla.db'));
    cleanups.push(() => db.$disconnect());
    const row = await waitFor(async () => db.inboundLog.findFirst({ where: { messageId: 'oauth2@cliente.mx' } }), 'the mail to be recorded');
    expect(row.outcome).toBe('created');
    expect(provider.requests).toEqual([{ client_id: CLIENT.id, client_secret: CLIENT.secret, scope: 'https://outlook.office365.com/.default', grant_type: 'client_credentials' }]);
    expect(count(FAILED)).toBe(0);
  });

  it('says why when the provider refuses the app, and retries with backoff', async () => {
    const { lines, count } = await setUp('a-wrong-secret');
    await waitFor(() => count(FAILED) >= 2, 'two failed sessions', 10_000);
    const failure = lines().find((l) => l.msg === FAILED) as { reason?: string } | undefined;
    expect(failure?.reason).toBe(
      "the OAuth2 token endpoint refused a token (invalid_client: AADSTS7000215: Invalid client secret provided.): check IMAP_OAUTH2_CLIENT_ID, IMAP_OAUTH2_CLIENT_SECRET, IMAP_OAUTH2_SCOPE and the app's rights on the mailbox",
    );
    expect(count(OPEN)).toBe(0);
  });

  it('asks for a new token when the server refuses the one it has (revoked)', async () => {
    const { provider, dovecot, daemon, count, lines } = await setUp(CLIENT.secret);
    await waitFor(() => count(OPEN) === 1, 'the mailbox to open');
    provider.revokeAll();
    // The next session (Dovecot restarted: the connection drops) offers the revoked token, is refused, forgets it,
    // and the one after logs in with a new token.
    await dovecot.restart();
    await waitFor(() => count(OPEN) === 2, 'a session with a new token', 20_000);
    expect(provider.requests).toHaveLength(2);
    expect(lines().filter((l) => l.msg === FAILED).map((l) => l.reason)).toContain(
      "the server refused the login ([AUTHENTICATIONFAILED] Authentication failed.): check IMAP_USER and the OAuth2 app's rights on the mailbox (the next session asks for a new token)",
    );
    expect(daemon.child.exitCode).toBeNull();
  }, 40_000);
});

describe.skipIf(!cliBuilt)('a daemon whose OAuth2 token endpoint does not answer', () => {
  it('stops at once on SIGTERM, without waiting for the token (Docker kills after 10 s)', async () => {
    const silent = createServer((req) => req.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-oauth2-'));
    const env = imapDaemonEnv({ host: '127.0.0.1', imapPort: 1, user: 'soporte@example.test', password: '' }, dataDir, {
      IMAP_OAUTH2_TOKEN_URL: `http://127.0.0.1:${(silent.address() as { port: number }).port}/token`,
      IMAP_OAUTH2_CLIENT_ID: CLIENT.id,
      IMAP_OAUTH2_CLIENT_SECRET: CLIENT.secret,
    });
    delete env.IMAP_PASSWORD;
    const daemon = startDaemon(env);
    try {
      // The HTTP server waits 2 s at most for the mailbox: the token is still being asked for then.
      await waitFor(() => daemonLogLines(daemon).some((l) => l.msg === 'HTTP server listening'), 'the HTTP server', 15_000);
      const started = Date.now();
      await daemon.kill('SIGTERM');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(daemon.child.exitCode).toBe(0);
    } finally {
      await daemon.kill('SIGKILL');
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 40_000);
});
