import type { ImapFlow, Logger } from 'imapflow';

/**
 * The server's words for a command it refused. imapflow answers a refused MOVE or COPY with false and gives the
 * server's answer (`[NOPERM] Permission denied`, `[OVERQUOTA] Quota exceeded`) only to its logger: without them an
 * alert could only guess why the processed folder refused the mail. This logger keeps that one thing and takes no
 * other level (isLevelEnabled: imapflow builds no debug entry for it).
 */
interface Kept {
  words: string | null;
}

const kept = new WeakMap<ImapFlow, Kept>();

/** The logger to give a new ImapFlow, and `attach` to call with that client once made. */
export function refusalKeeper(): { logger: Logger; attach(client: ImapFlow): void } {
  const last: Kept = { words: null };
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn(entry: unknown) {
      const err = (entry as { err?: { responseText?: unknown; serverResponseCode?: unknown } } | null)?.err;
      const text = typeof err?.responseText === 'string' ? err.responseText.replace(DOVECOT_TIMING, '') : '';
      const code = typeof err?.serverResponseCode === 'string' ? `[${err.serverResponseCode}]` : '';
      if (text || code) last.words = [code, text].filter(Boolean).join(' ');
    },
    // Without them imapflow writes errors to the console; the session's own failure is logged by ImapSource.
    error: () => undefined,
    fatal: () => undefined,
    isLevelEnabled: (level: string) => level === 'warn',
  };
  return { logger, attach: (client) => void kept.set(client, last) };
}

/** Dovecot's timing at the end of a tagged answer: "Permission denied (0.001 + 0.000 secs)." */
const DOVECOT_TIMING = / \(\d+\.\d+ \+ \d+\.\d+(?: \+ \d+\.\d+)? secs\)/;

/** The words of the last command `client`'s server refused since the last call (forgotten now); null when none. */
export function takeRefusal(client: ImapFlow): string | null {
  const last = kept.get(client);
  if (!last) return null;
  const words = last.words;
  last.words = null;
  return words;
}
