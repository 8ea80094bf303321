import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { VentanillaError } from '../../src/errors.js';
import { serviceAccount, writeKeyFile } from '../support/oauth2-provider.js';

// IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: a Google Workspace service account's key instead of an app's secret or a
// person's refresh token. A wrong file stops the gateway at start-up, with what is wrong with it.

const dir = mkdtempSync(join(tmpdir(), 'ventanilla-sa-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const account = serviceAccount('https://oauth2.googleapis.com/token');
const keyFile = writeKeyFile(dir, account.json);
const gmail = { IMAP_HOST: 'imap.gmail.com', IMAP_USER: 'soporte@example.com', IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: keyFile };

const load = (env: Record<string, string>) => loadConfig(env, { dotenv: false });

function errorOf(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    return (error as VentanillaError).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('IMAP_OAUTH2_SERVICE_ACCOUNT_FILE', () => {
  it("logs in to the mailbox with the service account's tokens: Google's endpoint and mail scope, no password", () => {
    const c = load(gmail);
    expect(c.imap?.password).toBe('');
    expect(c.imap?.oauth2).toEqual({
      tokenUrl: 'https://oauth2.googleapis.com/token',
      clientId: '109876543210987654321',
      scope: 'https://mail.google.com/',
      serviceAccount: { file: keyFile, clientEmail: account.json.client_email, clientId: '109876543210987654321', privateKey: account.json.private_key, privateKeyId: account.json.private_key_id, tokenUri: 'https://oauth2.googleapis.com/token' },
    });
    expect(c.warnings).toEqual([]);
    // The scope and the endpoint may be set; the assertion's audience stays the file's token_uri.
    const other = load({ ...gmail, IMAP_OAUTH2_SCOPE: 'https://mail.google.com/ openid', IMAP_OAUTH2_TOKEN_URL: 'http://127.0.0.1:8080/token' }).imap?.oauth2;
    expect([other?.tokenUrl, other?.scope, other?.serviceAccount?.tokenUri]).toEqual(['http://127.0.0.1:8080/token', 'https://mail.google.com/ openid', 'https://oauth2.googleapis.com/token']);
    // The client ID the file names may be repeated.
    expect(load({ ...gmail, IMAP_OAUTH2_CLIENT_ID: '109876543210987654321' }).imap?.oauth2?.clientId).toBe('109876543210987654321');
  });

  it('sends as SMTP_USER, else IMAP_USER, with SMTP_OAUTH2', () => {
    const c = load({ ...gmail, SMTP_HOST: 'smtp.gmail.com', SMTP_OAUTH2: 'true' });
    expect([c.smtp?.user, c.smtp?.oauth2?.serviceAccount?.clientEmail]).toEqual(['soporte@example.com', account.json.client_email]);
  });

  it('is alone: not with a client secret or a refresh token, nor another client ID', () => {
    expect(errorOf({ ...gmail, IMAP_OAUTH2_CLIENT_SECRET: 's3cret', IMAP_OAUTH2_REFRESH_TOKEN: '1//granted' })).toContain(
      '  IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: expected without IMAP_OAUTH2_CLIENT_SECRET and IMAP_OAUTH2_REFRESH_TOKEN: the service account signs its requests with its key (the JWT bearer grant); unset them, or this setting for the grant they are for',
    );
    expect(errorOf({ ...gmail, IMAP_OAUTH2_CLIENT_ID: 'app.apps.googleusercontent.com' })).toContain(
      `  IMAP_OAUTH2_CLIENT_ID: expected unset, or the client_id of ${keyFile} (109876543210987654321): the service account is the client`,
    );
  });

  it('stops the gateway with what is wrong with the file', () => {
    expect(errorOf({ ...gmail, IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: join(dir, 'nowhere.json') })).toMatch(/ {2}IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: cannot read .*nowhere\.json \(ENOENT/);
    const bad = mkdtempSync(join(dir, 'bad-'));
    const file = writeKeyFile(bad, { ...account.json, private_key: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC' });
    const message = errorOf({ ...gmail, IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: file });
    expect(message).toContain(`  IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: the private_key of ${file} cannot be read as a private key`);
    // Nothing else is asked for: the file is the way in, only it is wrong.
    expect(message).not.toMatch(/IMAP_PASSWORD|IMAP_OAUTH2_CLIENT_ID/);
  });

  it("refuses a token endpoint over plain http but on this machine: the signed assertion would cross the network in clear", () => {
    const plain = mkdtempSync(join(dir, 'plain-'));
    const file = writeKeyFile(plain, { ...account.json, token_uri: 'http://oauth2.googleapis.com/token' });
    expect(errorOf({ ...gmail, IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: file })).toContain(
      `  IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: expected the token_uri of ${file} to be https: over http the signed assertion and the token would cross the network in clear (http only to localhost, 127.0.0.1 or [::1])`,
    );
    expect(errorOf({ ...gmail, IMAP_OAUTH2_TOKEN_URL: 'http://proxy.example.com/token' })).toContain('  IMAP_OAUTH2_TOKEN_URL: expected https: over http the signed assertion and the token would cross the network in clear');
    const local = writeKeyFile(plain, { ...account.json, token_uri: 'http://127.0.0.1:8080/token' });
    expect(load({ ...gmail, IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: local }).imap?.oauth2?.tokenUrl).toBe('http://127.0.0.1:8080/token');
  });

  it('warns at start-up when other users of this machine may read the key', () => {
    const open = mkdtempSync(join(dir, 'open-'));
    const file = writeKeyFile(open, account.json, 0o644);
    expect(load({ ...gmail, IMAP_OAUTH2_SERVICE_ACCOUNT_FILE: file }).warnings).toEqual([
      `IMAP_OAUTH2_SERVICE_ACCOUNT_FILE ${file} is readable by every user of this machine (mode 644): the key reads the mail of any user of the Google Workspace domain; make it readable by the gateway's user only (chmod 600)`,
    ]);
  });
});
