// Microsoft 365 turned basic authentication off for IMAP, and Google wants OAuth2 too: a mailbox there is reached
// with an access token (SASL XOAUTH2), fetched from the provider's token endpoint (RFC 6749) with the app's client
// credentials (Microsoft's IMAP.AccessAsApp), or with a refresh token a person granted once (Google, Microsoft
// delegated), or with a JWT a Google service account signs (oauth2-service-account.ts). Tokens live about an hour:
// one is kept until a minute before it expires, then fetched again.

import { RefreshTokenFile } from './oauth2-refresh-file.js';
import { GOOGLE_MAIL_SCOPE, JWT_BEARER_GRANT, rereadServiceAccountKey, serviceAccountAssertion, serviceAccountFix, type ServiceAccountKey } from './oauth2-service-account.js';

export interface OAuth2Settings {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  /** Microsoft: https://outlook.office365.com/.default; Google: https://mail.google.com/ */
  scope?: string;
  /** Given: the refresh_token grant (a person's consent); absent: client_credentials (the app's own right). */
  refreshToken?: string;
  /** Where the refresh token the provider rotates to is kept across restarts (oauth2-refresh-file.ts). */
  refreshTokenFile?: string;
  /** Given: the JWT bearer grant, the key signing for `subject` (Google Workspace domain-wide delegation). */
  serviceAccount?: ServiceAccountKey;
  /** The mailbox a service account acts for: the address that logs in (tokenSourceFor). */
  subject?: string;
}

const EARLY_MS = 60_000;
const TIMEOUT_MS = 15_000;

// A request in flight keeps the process alive until it ends: a token endpoint that does not answer held the
// daemon's stop for the whole timeout (Docker kills after 10 s).
const stopping = new AbortController();

/** The process is stopping: requests in flight are given up (their askers get an OAuth2Error), and any later. */
export function stopTokenRequests(): void {
  stopping.abort();
}

let warn: (message: string) => void = (message) => process.emitWarning(message);

/** Where a problem that fails nothing goes (a rotated refresh token that could not be kept): the app's log. */
export function reportOAuth2WarningsTo(log: { warn: (message: string) => void }): void {
  warn = (message) => log.warn(message);
}

/** The token endpoint's refusal or failure, in words for the log ("the session failed: ..."). */
export class OAuth2Error extends Error {}

export class OAuth2TokenSource {
  private cached: { token: string; until: number } | null = null;
  private refreshToken: string | undefined;
  private pending: Promise<{ token: string; until: number }> | null = null;
  private readonly kept: RefreshTokenFile | null;
  /** What the file held when last read or written here: only a token that differs is another process's rotation. */
  private onDisk: string | null = null;
  private lastFileProblem: string | null = null;
  private lastExposure: string | undefined;
  /** The service account's key as its file held it at the last token request (a rotated key replaces the file). */
  private serviceAccount: ServiceAccountKey | undefined;

  constructor(
    private readonly settings: OAuth2Settings,
    private readonly now: () => number = Date.now,
  ) {
    this.refreshToken = settings.refreshToken;
    this.serviceAccount = settings.serviceAccount;
    this.kept = settings.refreshToken && settings.refreshTokenFile ? new RefreshTokenFile(settings.refreshTokenFile, settings.refreshToken) : null;
  }

  /** A token valid for at least another minute; one request at a time however many ask. */
  async token(): Promise<string> {
    return (await this.tokenUntil()).token;
  }

  /** The token, and until when it serves (ms since the epoch): nodemailer asks again after that. */
  async tokenUntil(): Promise<{ token: string; until: number }> {
    if (this.cached && this.now() < this.cached.until) return this.cached;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** The server refused the token (revoked, or the app's rights changed): the next session asks for another. */
  forget(): void {
    this.cached = null;
  }

  /** The request's form: a service account's signed assertion, a person's refresh token, or the app's credentials. */
  private grantForm(): URLSearchParams {
    const s = this.settings;
    // The key's signature is the credential: no client ID or secret goes with it. Signed anew for each request
    // (~1 ms): an assertion lives an hour, as long as the token it is exchanged for.
    if (this.serviceAccount) return new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: serviceAccountAssertion(this.currentKey(this.serviceAccount), s.subject ?? '', s.scope ?? GOOGLE_MAIL_SCOPE, this.now()) });
    const form = new URLSearchParams({ client_id: s.clientId });
    if (s.clientSecret) form.set('client_secret', s.clientSecret);
    if (s.scope) form.set('scope', s.scope);
    // Read at each request, not once: the latest is on the disk after a restart, or after another process
    // (a CLI command sending with SMTP_OAUTH2) used the grant. The same token as last time is not taken: when a
    // save failed (a full disk), the file holds an older one than this process's, which the provider may refuse.
    const onDisk = this.kept?.read((why) => this.fileProblem(why)) ?? null;
    if (onDisk !== null) this.lastFileProblem = null;
    if (onDisk !== null) this.warnIfExposed();
    if (onDisk !== null && onDisk !== this.onDisk) this.refreshToken = onDisk;
    this.onDisk = onDisk;
    if (this.refreshToken) {
      form.set('grant_type', 'refresh_token');
      form.set('refresh_token', this.refreshToken);
    } else form.set('grant_type', 'client_credentials');
    return form;
  }

  private async fetchToken(): Promise<{ token: string; until: number }> {
    const s = this.settings;
    const form = this.grantForm();
    let response: Response;
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    try {
      response = await fetch(s.tokenUrl, { method: 'POST', body: form, headers: { accept: 'application/json' }, signal: AbortSignal.any([timeout, stopping.signal]) });
    } catch (error) {
      throw new OAuth2Error(`the OAuth2 token endpoint ${s.tokenUrl} did not answer: ${(error as Error).message}`);
    }
    let body: { access_token?: unknown; expires_in?: unknown; refresh_token?: unknown; error?: unknown; error_description?: unknown };
    try {
      // Any JSON that is not an object (null, a string) is one without a token: a refusal, below.
      body = Object(await response.json()) as typeof body;
    } catch (error) {
      // Not the endpoint refusing the app: a page that is not its JSON (a proxy's error page; a login page, when
      // IMAP_OAUTH2_TOKEN_URL names something else), or an answer cut short (the connection, or the timeout).
      const why =
        error instanceof SyntaxError
          ? `answered HTTP ${response.status} with ${response.headers.get('content-type') ?? 'no content type'}, not the JSON of a token endpoint`
          : timeout.aborted
            ? `did not finish its answer within ${TIMEOUT_MS / 1000} s`
            : `did not finish its answer: ${(error as Error).message}`;
      throw new OAuth2Error(`the OAuth2 token endpoint ${s.tokenUrl} ${why}`);
    }
    if (!response.ok || typeof body.access_token !== 'string' || body.access_token === '') {
      const why = [body.error, body.error_description].filter((v) => typeof v === 'string' && v !== '').join(': ') || `HTTP ${response.status}`;
      if (this.serviceAccount) throw new OAuth2Error(`the OAuth2 token endpoint refused a token (${why}): ${serviceAccountFix(this.serviceAccount, s.subject ?? '', s.scope ?? GOOGLE_MAIL_SCOPE, body.error)}`);
      // With a person's grant, the refresh token is the usual culprit: it expired, or was revoked.
      const check = this.refreshToken
        ? `IMAP_OAUTH2_REFRESH_TOKEN (expired or revoked: a person grants a new one${this.refreshToken === s.refreshToken ? '' : `; the one offered is the token the provider rotated it to${this.kept && this.refreshToken === this.onDisk ? `, kept in ${this.kept.path}` : ''}`}), IMAP_OAUTH2_CLIENT_ID, IMAP_OAUTH2_CLIENT_SECRET and IMAP_OAUTH2_SCOPE`
        : "IMAP_OAUTH2_CLIENT_ID, IMAP_OAUTH2_CLIENT_SECRET, IMAP_OAUTH2_SCOPE and the app's rights on the mailbox";
      throw new OAuth2Error(`the OAuth2 token endpoint refused a token (${why}): check ${check}`);
    }
    // A provider may rotate the refresh token with each use (Microsoft does): the old one then stops working.
    if (typeof body.refresh_token === 'string' && body.refresh_token !== '' && body.refresh_token !== this.refreshToken) this.keepRefreshToken(body.refresh_token);
    const seconds = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in) || 3600;
    this.cached = { token: body.access_token, until: this.now() + Math.max(0, seconds * 1000 - EARLY_MS) };
    return this.cached;
  }

  /** The key its file holds now (oauth2-service-account.ts): a file that cannot be used fails this request. */
  private currentKey(held: ServiceAccountKey): ServiceAccountKey {
    const read = rereadServiceAccountKey(held);
    if ('problem' in read) throw new OAuth2Error(read.problem);
    if (read.warning) warn(read.warning);
    this.serviceAccount = read.key;
    return read.key;
  }

  /** Said once for each new problem with the file, not at every token request. */
  private fileProblem(why: string): void {
    if (why === this.lastFileProblem || !this.kept) return;
    this.lastFileProblem = why;
    warn(`the OAuth2 refresh token file ${this.kept.path} cannot be read (${why}): the token this process holds (or IMAP_OAUTH2_REFRESH_TOKEN) is offered instead; the next rotation writes the file again`);
  }

  /** Said once for as long as the file stays so (read at each token request), again if it becomes so anew. */
  private warnIfExposed(): void {
    const exposure = this.kept?.exposure();
    if (exposure !== undefined && exposure !== this.lastExposure) warn(exposure);
    this.lastExposure = exposure;
  }

  /** The rotated token serves this process in any case; kept on the disk too, for the next one. */
  private keepRefreshToken(token: string): void {
    this.refreshToken = token;
    if (!this.kept) return;
    try {
      this.kept.save(token);
      this.onDisk = token;
      // Written anew by its owner only: should it be opened up again, that is news.
      this.lastExposure = undefined;
    } catch (error) {
      warn(`the OAuth2 refresh token the provider rotated to could not be kept in ${this.kept.path} (${(error as Error).message}): it serves until the gateway stops, and a restart offers an older one (the one kept before, or IMAP_OAUTH2_REFRESH_TOKEN), which the provider may refuse by then`);
    }
  }
}

const sources = new Map<string, OAuth2TokenSource>();

/**
 * One token source per app and grant, shared by the sessions of this process, whichever address (`user`) logs in
 * with it: the token is the app's, or the granting person's, either way. Keyed by the address too, SMTP_USER other
 * than IMAP_USER made a second source that offered the same refresh token at the same moment, and a provider that
 * revokes the old one at rotation refused one of them. A service account's token is the mailbox's it acts for:
 * one source per address there.
 */
export function tokenSourceFor(user: string, settings: OAuth2Settings): OAuth2TokenSource {
  const account = settings.serviceAccount ? [user, settings.serviceAccount.clientEmail, settings.serviceAccount.privateKeyId] : [];
  const key = JSON.stringify([settings.tokenUrl, settings.clientId, settings.scope ?? '', settings.refreshToken ?? '', ...account]);
  let source = sources.get(key);
  if (!source) sources.set(key, (source = new OAuth2TokenSource(settings.serviceAccount ? { ...settings, subject: user } : settings)));
  return source;
}
