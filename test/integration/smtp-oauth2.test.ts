import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { readAssertion, serviceAccount, writeKeyFile } from '../support/oauth2-provider.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';

// Microsoft 365 and Google refuse passwords for SMTP too: with SMTP_OAUTH2=true the mail goes out with the IMAP
// app's access tokens (SASL XOAUTH2), fetched from its token endpoint (IMAP_OAUTH2_*).

let tokenServer: Server;
let tokenUrl: string;
let issued = 0;
/** The token requests' forms. */
let asked: Array<Record<string, string>> = [];
let app: TestApp | null = null;
let smtp: SmtpPeer | null = null;

beforeEach(async () => {
  issued = 0;
  asked = [];
  tokenServer = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      asked.push(Object.fromEntries(new URLSearchParams(body)));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `token-${++issued}`, expires_in: 3599 }));
    });
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(tokenServer.address() as { port: number }).port}/token`;
});
afterEach(async () => {
  await app?.dispose();
  await smtp?.stop();
  app = smtp = null;
  await new Promise<void>((resolve) => tokenServer.close(() => resolve()));
});

/** `user`: the address the SMTP server lets in; `oauth2`: how tokens are asked for (default an app's secret). */
async function gateway(accepted: () => string | null, opts: { user?: string; oauth2?: Record<string, string> } = {}): Promise<{ app: TestApp; smtp: SmtpPeer }> {
  smtp = await startSmtpPeer({ auth: { user: opts.user ?? 'soporte@example.test', pass: '', accessToken: accepted } });
  app = await createTestApp({
    ...smtp.env(),
    // This test server has no TLS (its bundled certificate expired): the token may go in clear, as asked here.
    SMTP_REQUIRE_TLS: 'false',
    SMTP_OAUTH2: 'true',
    IMAP_HOST: '127.0.0.1',
    IMAP_USER: 'soporte@example.test',
    ...(opts.oauth2 ?? { IMAP_OAUTH2_TOKEN_URL: tokenUrl, IMAP_OAUTH2_CLIENT_ID: 'app', IMAP_OAUTH2_CLIENT_SECRET: 'secret' }),
  });
  return { app, smtp };
}

describe('SMTP with OAuth2 (SMTP_OAUTH2)', () => {
  it("sends with the IMAP app's token, asked once for many mails", async () => {
    const { app, smtp } = await gateway(() => (issued > 0 ? `token-${issued}` : null));
    for (let i = 0; i < 3; i++) await app.pipeline.ingest(mail({ headers: { From: `c${i}@cliente.mx` } }), { source: 'file', sourceRef: `oauth${i}` });
    expect(await app.drainer().drain()).toEqual({ sent: 3, retried: 0, failed: 0 });
    expect(smtp.received).toHaveLength(3);
    expect(issued).toBe(1);
  });

  it('a token the server refuses fails no mail: they wait, the reason on them, and go out once a token works', async () => {
    let accept: string | null = 'token-revoked';
    const { app, smtp } = await gateway(() => accept);
    await app.pipeline.ingest(mail(), { source: 'file', sourceRef: 'oauth-refused' });
    await app.drainer().drain();
    const row = await app.db.outboxMail.findFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.lastError).toMatch(/EAUTH/);
    expect(smtp.received).toHaveLength(0);
    accept = `token-${issued + 1}`;
    expect(await app.drainer().drain(() => new Date(Date.now() + 3_600_000))).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(smtp.received).toHaveLength(1);
  });

  it('with a Google service account, asks for a token for the address that sends (SMTP_USER), signed by its key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-sa-smtp-'));
    try {
      const account = serviceAccount(tokenUrl);
      const oauth2 = { IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: writeKeyFile(dir, account.json), SMTP_USER: 'avisos@example.test' };
      const { app, smtp } = await gateway(() => (issued > 0 ? `token-${issued}` : null), { user: 'avisos@example.test', oauth2 });
      await app.pipeline.ingest(mail(), { source: 'file', sourceRef: 'service-account' });
      expect(await app.drainer().drain()).toEqual({ sent: 1, retried: 0, failed: 0 });
      expect(smtp.received).toHaveLength(1);
      expect(asked.map((form) => form.grant_type)).toEqual(['urn:ietf:params:oauth:grant-type:jwt-bearer']);
      const jwt = readAssertion(asked[0]?.assertion ?? '');
      expect(jwt.claims).toMatchObject({ iss: account.json.client_email, sub: 'avisos@example.test', scope: 'https://mail.google.com/', aud: tokenUrl });
      expect(jwt.signedBy(account.publicKey)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
