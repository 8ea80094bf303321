import { withoutGatewayTags } from '../domain/thread-refs.js';
import { matchCommand, wordsOf } from './command-words.js';
import { parseCountries } from './countries.js';

// What a mail to the bulletin address asks (README "Bulletins"), from its subject and the first lines of
// its visible text (quoted history already removed): "SUSCRIBIR MX AR", "Suscripción al boletín fiscal",
// "Quiero darme de baja", "UNSUBSCRIBE <token>" (the subject List-Unsubscribe's mailto writes). Spanish,
// Portuguese and English are understood (command-words.ts).
// The subject of a reply is the bulletin's title ("Re: Baja de tasas del ISR"): it is no command, only
// what the reader wrote is.

export type BulletinCommand =
  | { kind: 'subscribe'; countries: string[]; unknown: string[] }
  | { kind: 'unsubscribe'; token: string | null };

const TOKEN = /\b([A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})\b/;
const REPLY_PREFIX = /^\s*((re|fw|fwd|rv|enc|tr|wg|aw|res)\s*:\s*)+/i;

function candidates(subject: string, visibleText: string, isReply: boolean): string[] {
  const lines = visibleText.split(/\r\n|\r|\n/).map((l) => l.trim()).filter(Boolean).slice(0, 5);
  return isReply ? lines : [subject.trim(), ...lines];
}

function unsubscribeIn(line: string): BulletinCommand | null {
  const token = TOKEN.exec(line)?.[1] ?? null;
  const m = matchCommand(wordsOf(token ? line.replace(token, ' ') : line), 'unsubscribe');
  if (!m) return null;
  // "Baja MX" is a command; "Baja de tasas del ISR" is a title.
  if (m.strength === 'weak' && parseCountries(m.rest).unknown.length > 0) return null;
  return { kind: 'unsubscribe', token };
}

function subscribeIn(line: string): BulletinCommand | null {
  const m = matchCommand(wordsOf(line), 'subscribe');
  if (!m) return null;
  const { codes, unknown } = parseCountries(m.rest);
  if (m.strength === 'weak' && unknown.length > 0) return null;
  return { kind: 'subscribe', countries: codes, unknown };
}

/**
 * Unsubscribing wins over subscribing when a mail has both (the safe reading). Null: no command.
 * `inReplyTo`: the mail has In-Reply-To or References, so it answers a mail (a bulletin) even when its
 * subject has no "Re:".
 */
export function parseBulletinCommand(subject: string, visibleText: string, opts: { inReplyTo?: boolean } = {}): BulletinCommand | null {
  // A gateway's "[EXTERNAL]" is neither the reader's words nor hides a reply's "Re:".
  const bare = withoutGatewayTags(subject);
  const lines = candidates(bare, visibleText, opts.inReplyTo === true || REPLY_PREFIX.test(bare));
  for (const line of lines) {
    const command = unsubscribeIn(line);
    if (command) return command;
  }
  for (const line of lines) {
    const command = subscribeIn(line);
    if (command) return command;
  }
  return null;
}
