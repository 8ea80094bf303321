import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshTokenFile } from '../../src/oauth2-refresh-file.js';
import { OAuth2TokenSource, reportOAuth2WarningsTo, tokenSourceFor } from '../../src/oauth2-token.js';

// The token endpoint is asked as seldom as it can be: a token is kept until a minute before it expires, however
// many sessions ask for one at once; a rotated refresh token replaces the old one.

let server: Server;
let url: string;
const requests: Array<Record<string, string>> = [];
let answer: (form: Record<string, string>, n: number) => [number, object];

beforeEach(async () => {
  requests.length = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      requests.push(form);
      const [status, json] = answer(form, requests.length);
      // A slow endpoint: concurrent askers must share one request.
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json)), 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/token`;
});
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('OAuth2TokenSource', () => {
  it('keeps a token until a minute before it expires, and asks once for many askers', async () => {
    answer = (_form, n) => [200, { access_token: `token-${n}`, expires_in: 3600 }];
    let now = 0;
    const source = new OAuth2TokenSource({ tokenUrl: url, clientId: 'app', clientSecret: 's', scope: 'https://outlook.office365.com/.default' }, () => now);
    expect(await Promise.all([source.token(), source.token(), source.token()])).toEqual(['token-1', 'token-1', 'token-1']);
    now = 3540_000 - 1;
    expect(await source.token()).toBe('token-1');
    now = 3540_000;
    expect(await source.token()).toBe('token-2');
    source.forget();
    expect(await source.token()).toBe('token-3');
    expect(requests[0]).toEqual({ client_id: 'app', client_secret: 's', scope: 'https://outlook.office365.com/.default', grant_type: 'client_credentials' });
  });

  it('uses the refresh token a person granted, and the one the provider rotates it to', async () => {
    answer = (form, n) => [200, { access_token: `token-${n}`, expires_in: '60', refresh_token: `refresh-${n + 1}` }];
    let now = 0;
    const source = new OAuth2TokenSource({ tokenUrl: url, clientId: 'app', refreshToken: 'refresh-1' }, () => now);
    expect(await source.token()).toBe('token-1');
    now = 1; // expires_in 60 s: kept for 0 s, asked again
    expect(await source.token()).toBe('token-2');
    expect(requests.map((r) => [r.grant_type, r.refresh_token, r.client_secret])).toEqual([['refresh_token', 'refresh-1', undefined], ['refresh_token', 'refresh-2', undefined]]);
  });

  it('keeps the rotated refresh token across a restart, in a file only this user reads', async () => {
    // Microsoft rotates the refresh token at each use, and the configured one dies with its own expiry (90 days):
    // a restart months later offered it again, and the mailbox was not read until a person granted a new one.
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-oauth2-'));
    try {
      const file = join(dir, 'oauth2-refresh-token.json');
      answer = (form, n) => (form.refresh_token === 'refresh-1' && n > 1 ? [400, { error: 'invalid_grant' }] : [200, { access_token: `token-${n}`, expires_in: 3600, refresh_token: `refresh-${n + 1}` }]);
      const settings = { tokenUrl: url, clientId: 'app', refreshToken: 'refresh-1', refreshTokenFile: file };
      expect(await new OAuth2TokenSource(settings).token()).toBe('token-1');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).not.toContain('refresh-1');
      // The restart: the configured token is refused by now, the kept one serves, and its successor is kept.
      expect(await new OAuth2TokenSource(settings).token()).toBe('token-2');
      expect(await new OAuth2TokenSource(settings).token()).toBe('token-3');
      expect(requests.map((r) => r.refresh_token)).toEqual(['refresh-1', 'refresh-2', 'refresh-3']);
      // The kept one refused (revoked): the log names it, not only the configured one.
      const answered = answer;
      answer = () => [400, { error: 'invalid_grant' }];
      await expect(new OAuth2TokenSource(settings).token()).rejects.toThrow(`check IMAP_OAUTH2_REFRESH_TOKEN (expired or revoked: a person grants a new one; the one offered is the token the provider rotated it to, kept in ${file}), IMAP_OAUTH2_CLIENT_ID`);
      answer = answered;
      // A new IMAP_OAUTH2_REFRESH_TOKEN is a new consent: it is used, not the one kept from the old.
      await new OAuth2TokenSource({ ...settings, refreshToken: 'granted-again' }).token();
      expect(requests.at(-1)?.refresh_token).toBe('granted-again');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("picks up a rotation by another process, and works on when the token cannot be kept or the file is damaged", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-oauth2-'));
    const warnings: string[] = [];
    reportOAuth2WarningsTo({ warn: (message) => warnings.push(message) });
    try {
      const file = join(dir, 'oauth2-refresh-token.json');
      answer = (_form, n) => [200, { access_token: `token-${n}`, expires_in: 60, refresh_token: `refresh-${n + 1}` }];
      const settings = { tokenUrl: url, clientId: 'app', refreshToken: 'refresh-1', refreshTokenFile: file };
      let now = 0;
      const daemon = new OAuth2TokenSource(settings, () => now);
      const cli = new OAuth2TokenSource(settings, () => now);
      await daemon.token(); // refresh-1 -> refresh-2
      await cli.token(); // refresh-2 -> refresh-3, kept by the other process
      now = 1;
      await daemon.token();
      expect(requests.map((r) => r.refresh_token)).toEqual(['refresh-1', 'refresh-2', 'refresh-3']);
      // A damaged file: the token in memory serves, and the next rotation writes a good file again.
      writeFileSync(file, '{"from": ');
      now = 2;
      await daemon.token();
      expect(requests.at(-1)?.refresh_token).toBe('refresh-4');
      expect(JSON.parse(readFileSync(file, 'utf8')).refreshToken).toBe('refresh-5');
      // ...and the log says what was wrong with it: a token lost there would otherwise fail with no reason given.
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^the OAuth2 refresh token file .*oauth2-refresh-token\.json cannot be read \(.*JSON.*\): the token this process holds \(or IMAP_OAUTH2_REFRESH_TOKEN\) is offered instead; the next rotation writes the file again$/);
      warnings.length = 0;
      // A missing file is no problem: there is none before the first rotation.
      rmSync(file);
      now = 2.5;
      await daemon.token();
      expect(warnings).toEqual([]);
      // A file it cannot write (its folder is gone): the token still comes, the rotated one serves this process,
      // and the log says so.
      const unkept = new OAuth2TokenSource({ ...settings, refreshTokenFile: join(dir, 'gone', 'oauth2-refresh-token.json') }, () => now);
      expect(await unkept.token()).toMatch(/^token-/);
      now = 3;
      await unkept.token();
      expect(requests.at(-1)?.refresh_token).toBe(`refresh-${requests.length}`);
      expect(warnings[0]).toMatch(/^the OAuth2 refresh token the provider rotated to could not be kept in .*gone\/oauth2-refresh-token\.json \(ENOENT/);
    } finally {
      reportOAuth2WarningsTo({ warn: (message) => process.emitWarning(message) });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns, once, that a refresh token file other users may read should be chmod 600; its next rotation writes it so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-oauth2-'));
    const warnings: string[] = [];
    reportOAuth2WarningsTo({ warn: (message) => warnings.push(message) });
    try {
      const file = join(dir, 'oauth2-refresh-token.json');
      // Copied in by an admin (a restored backup, a move to another machine) with the usual umask 022.
      new RefreshTokenFile(file, 'refresh-1').save('refresh-2');
      chmodSync(file, 0o644);
      answer = () => [200, { access_token: 'token', expires_in: 60 }];
      let now = 0;
      const source = new OAuth2TokenSource({ tokenUrl: url, clientId: 'app', refreshToken: 'refresh-1', refreshTokenFile: file }, () => now);
      await source.token();
      expect(requests.at(-1)?.refresh_token).toBe('refresh-2');
      now = 1;
      await source.token();
      expect(warnings).toEqual([
        `the OAuth2 refresh token file ${file} is readable by every user of this machine (mode 644): the refresh token opens the mailbox; make it readable by the gateway's user only (chmod 600 ${file})`,
      ]);
      // Rotated: written anew, mode 600, and nothing more to say.
      answer = () => [200, { access_token: 'token', expires_in: 60, refresh_token: 'refresh-3' }];
      now = 2;
      await source.token();
      chmodSync(file, 0o640);
      now = 3;
      await source.token();
      expect(warnings.slice(1)).toEqual([expect.stringContaining(`${file} is readable by the file's group (mode 640)`)]);
    } finally {
      reportOAuth2WarningsTo({ warn: (message) => process.emitWarning(message) });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('offers the token it rotated to when it could not be kept, not the older one still in the file', async () => {
    // A full disk (or DATA_DIR remounted read-only) after a first good save: the file holds an older token. Read
    // before each request, it replaced the newer one in memory; a provider that revokes the old token at rotation
    // then refused it at once, and Microsoft's kept working only until that older token's own expiry.
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-oauth2-'));
    const warnings: string[] = [];
    reportOAuth2WarningsTo({ warn: (message) => warnings.push(message) });
    try {
      const file = join(dir, 'oauth2-refresh-token.json');
      let latest = 'refresh-1';
      answer = (form, n) => {
        if (form.refresh_token !== latest) return [400, { error: 'invalid_grant' }];
        latest = `refresh-${n + 1}`;
        return [200, { access_token: `token-${n}`, expires_in: 60, refresh_token: latest }];
      };
      let now = 0;
      const source = new OAuth2TokenSource({ tokenUrl: url, clientId: 'app', refreshToken: 'refresh-1', refreshTokenFile: file }, () => now);
      expect(await source.token()).toBe('token-1'); // refresh-2, kept
      const full = vi.spyOn(RefreshTokenFile.prototype, 'save').mockImplementation(() => {
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      });
      now = 1;
      expect(await source.token()).toBe('token-2'); // refresh-3, not kept
      expect(warnings).toHaveLength(1);
      now = 2;
      expect(await source.token()).toBe('token-3');
      expect(requests.map((r) => r.refresh_token)).toEqual(['refresh-1', 'refresh-2', 'refresh-3']);
      // Another process's rotation, written to the file, is still picked up.
      full.mockRestore();
      new RefreshTokenFile(file, 'refresh-1').save('refresh-9');
      latest = 'refresh-9';
      now = 3;
      expect(await source.token()).toBe('token-4');
      expect(requests.at(-1)?.refresh_token).toBe('refresh-9');
    } finally {
      vi.restoreAllMocks();
      reportOAuth2WarningsTo({ warn: (message) => process.emitWarning(message) });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the mailbox and SMTP_USER, when it names another address, one token source: one grant, one chain of rotations', async () => {
    // SMTP_USER=avisos@ next to IMAP_USER=soporte@ made two sources of one refresh token in the daemon: asking at
    // once (a restart with mail waiting in the outbox), both offered it, and a provider that revokes the old
    // token at rotation refused the second ("expired or revoked: a person grants a new one").
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-oauth2-'));
    try {
      let latest = 'refresh-1';
      answer = (form, n) => {
        if (form.refresh_token !== latest) return [400, { error: 'invalid_grant' }];
        latest = `refresh-${n + 1}`;
        return [200, { access_token: `token-${n}`, expires_in: 3600, refresh_token: latest }];
      };
      const settings = { tokenUrl: url, clientId: 'app', refreshToken: 'refresh-1', refreshTokenFile: join(dir, 'oauth2-refresh-token.json') };
      const imap = tokenSourceFor('soporte@example.com', settings);
      const smtp = tokenSourceFor('avisos@example.com', settings);
      expect(await Promise.all([imap.token(), smtp.token()])).toEqual(['token-1', 'token-1']);
      expect(requests).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says what the endpoint answered when it refuses, and when it cannot be reached", async () => {
    answer = () => [401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }];
    const refused = new OAuth2TokenSource({ tokenUrl: url, clientId: 'app', clientSecret: 'wrong' });
    await expect(refused.token()).rejects.toThrow("the OAuth2 token endpoint refused a token (invalid_client: AADSTS7000215: Invalid client secret provided.): check IMAP_OAUTH2_CLIENT_ID, IMAP_OAUTH2_CLIENT_SECRET, IMAP_OAUTH2_SCOPE and the app's rights on the mailbox");
    const unreachable = new OAuth2TokenSource({ tokenUrl: 'http://127.0.0.1:1/token', clientId: 'app' });
    await expect(unreachable.token()).rejects.toThrow(/^the OAuth2 token endpoint http:\/\/127\.0\.0\.1:1\/token did not answer: /);
  });

  it('names the refresh token when the endpoint refuses it: expired, revoked, or rotated and lost at a restart', async () => {
    // Google's testing apps' grants last 7 days, and a person may revoke one: the log sent the admin to the client
    // id, secret and scope, which were right.
    answer = () => [400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }];
    const refused = new OAuth2TokenSource({ tokenUrl: url, clientId: 'app', clientSecret: 's', refreshToken: 'old' });
    await expect(refused.token()).rejects.toThrow(
      'the OAuth2 token endpoint refused a token (invalid_grant: Token has been expired or revoked.): check IMAP_OAUTH2_REFRESH_TOKEN (expired or revoked: a person grants a new one), IMAP_OAUTH2_CLIENT_ID, IMAP_OAUTH2_CLIENT_SECRET and IMAP_OAUTH2_SCOPE',
    );
  });

  it("does not call a page that is not the endpoint's JSON, or an answer cut short, a refusal of the app", async () => {
    // A proxy's error page, or a login page (IMAP_OAUTH2_TOKEN_URL names something else): "refused a token
    // (HTTP 200): check IMAP_OAUTH2_CLIENT_ID..." sent the admin to credentials that were right.
    const pages = createServer((req, res) => {
      req.resume();
      if (req.url === '/login') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in</html>');
      if (req.url === '/down') return res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
      res.writeHead(200, { 'content-type': 'application/json' }).write('{"access_token":"');
      setTimeout(() => req.socket.destroy(), 20);
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(pages.address() as { port: number }).port}`;
    try {
      await expect(new OAuth2TokenSource({ tokenUrl: `${base}/login`, clientId: 'app' }).token()).rejects.toThrow(`the OAuth2 token endpoint ${base}/login answered HTTP 200 with text/html, not the JSON of a token endpoint`);
      await expect(new OAuth2TokenSource({ tokenUrl: `${base}/down`, clientId: 'app' }).token()).rejects.toThrow(`the OAuth2 token endpoint ${base}/down answered HTTP 502 with text/html, not the JSON of a token endpoint`);
      await expect(new OAuth2TokenSource({ tokenUrl: `${base}/cut`, clientId: 'app' }).token()).rejects.toThrow(`the OAuth2 token endpoint ${base}/cut did not finish its answer: terminated`);
    } finally {
      await new Promise<void>((resolve) => pages.close(() => resolve()));
    }
  });
});
