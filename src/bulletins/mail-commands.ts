import { parseCountries } from './countries.js';

// What a mail to the bulletin address asks (README "Bulletins"), from its subject and the first lines of
// its visible text (quoted history already removed): "SUSCRIBIR MX AR", "SUBSCRIBE", "BAJA",
// "UNSUBSCRIBE <token>" (the subject List-Unsubscribe's mailto writes). Any language is understood.
// The subject of a reply is the bulletin's title ("Re: Baja de tasas del ISR"): it is no command, only
// what the reader wrote is.

export type BulletinCommand =
  | { kind: 'subscribe'; countries: string[]; unknown: string[] }
  | { kind: 'unsubscribe'; token: string | null };

const SUBSCRIBE = /^(?:suscribir(?:me)?|subscribe|suscripci[oó]n|subscrever|inscrever(?:-me)?|alta)\b[\s:,-]*(.*)$/i;
const UNSUBSCRIBE = /^(?:baja|dar(?:me)? de baja|darse de baja|unsubscribe|desuscribir(?:me)?|cancelar(?: inscri[cç][aã]o)?|desinscrever(?:-me)?|remover|stop)\b[\s:,-]*(.*)$/i;
const TOKEN = /\b([A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})\b/;
const REPLY_PREFIX = /^\s*((re|fw|fwd|rv|enc|tr|wg|aw|res)\s*:\s*)+/i;

function candidates(subject: string, visibleText: string, isReply: boolean): string[] {
  const lines = visibleText.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(0, 5);
  return isReply ? lines : [subject.trim(), ...lines];
}

/**
 * Unsubscribing wins over subscribing when a mail has both (the safe reading). Null: no command.
 * `inReplyTo`: the mail has In-Reply-To or References, so it answers a mail (a bulletin) even when its
 * subject has no "Re:".
 */
export function parseBulletinCommand(subject: string, visibleText: string, opts: { inReplyTo?: boolean } = {}): BulletinCommand | null {
  const lines = candidates(subject, visibleText, opts.inReplyTo === true || REPLY_PREFIX.test(subject));
  for (const line of lines) {
    const m = UNSUBSCRIBE.exec(line);
    if (m) return { kind: 'unsubscribe', token: TOKEN.exec(m[1] ?? '')?.[1] ?? null };
  }
  for (const line of lines) {
    const m = SUBSCRIBE.exec(line);
    if (m) {
      const { codes, unknown } = parseCountries(m[1] ?? '');
      return { kind: 'subscribe', countries: codes, unknown };
    }
  }
  return null;
}
