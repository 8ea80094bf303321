import type { Logger } from 'pino';
import { ErrorCode } from '../errors.js';

/** After the server failed us (smtp-errors.ts isServerProblem), the drain waits this long, doubling to the cap. */
const FIRST_PAUSE_MS = 30_000;
const MAX_PAUSE_MS = 15 * 60_000;

/**
 * The drainer's pause while the SMTP server is in trouble (drainer.ts). A server that is down or refuses our login
 * would fail every mail alike: rather than mark each one (and log each), the drain stops, the mails wait untouched,
 * and drains try again after a pause (30 s doubling to 15 min, one log line each), however long the trouble lasts.
 * A mail sent ends the pause's growth.
 */
export class ServerPause {
  /** Drains before this time (ms) try nothing. */
  private until = 0;
  private ms = 0;

  constructor(private readonly log: Logger) {}

  /** Whether a drain starting at `now` tries nothing: the server failed us a moment ago. */
  holds(now: Date): boolean {
    return now.getTime() < this.until;
  }

  /** After a drain: `trouble`, the server's failure that stopped it (null: none); `sent`, how many mails it sent. */
  after(trouble: string | null, sent: number, now: Date): void {
    if (!trouble) {
      if (sent > 0) this.ms = 0;
      return;
    }
    this.ms = Math.min(Math.max(FIRST_PAUSE_MS, this.ms * 2), MAX_PAUSE_MS);
    this.until = now.getTime() + this.ms;
    this.log.error(
      { code: ErrorCode.SMTP_FAILED, error: trouble, retryInMs: this.ms },
      'the SMTP server cannot take mail (unreachable, or it refused the login: check SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, or with SMTP_OAUTH2 the IMAP_OAUTH2_* app); the outbox waits and tries again',
    );
  }
}
