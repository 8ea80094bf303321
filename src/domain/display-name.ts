import { oneLine } from './one-line.js';

// A sender's display name as it is stored (the contact's name, the message's fromName) and greeted in every notice
// ("Hola, <name>:"). Mail clients write names that are no person's name: Outlook a sender without one as the
// address in single quotes ("'ana@cliente.mx'"), an address-book entry as a name in single quotes ("'Ana Pérez'"),
// others the address again in capitals. Greeted as written, the customer read "Hola, 'ana@cliente.mx':".

/**
 * The name on one line, its control characters gone (oneLine), without single quotes around the whole of it; null
 * when nothing is left or what is left is the sender's address.
 */
export function personName(name: string | null | undefined, address: string): string | null {
  if (!name) return null;
  const line = oneLine(name);
  const unquoted = /^'[^']+'$/.test(line) ? line.slice(1, -1).trim() : line;
  return unquoted === '' || unquoted.toLowerCase() === address.trim().toLowerCase() ? null : unquoted;
}

/** Longest name quoted to others (mentionableName), in characters: longer ones are cut at a word. */
const MENTION_MAX = 60;

/**
 * A sender's name as the desk may quote it to others in its own words ("una respuesta de Luis García"), or null.
 * The name is the sender's choice (the From of any mail): one with anything but letters, spaces and a name's
 * punctuation (a link "Luis <http://…>", a host "banco.example", digits of a phone number to call, an address,
 * control or direction characters) is not repeated, and one of more than MENTION_MAX characters (a sentence) is
 * cut at a word, with "…".
 */
export function mentionableName(name: string | null | undefined, address: string): string | null {
  const person = personName(name, address);
  if (!person || !/^[\p{L}\p{M} .,'’()&-]+$/u.test(person) || !/\p{L}/u.test(person) || /\p{L}{2,}\.\p{L}{2,}/u.test(person)) return null;
  if (person.length <= MENTION_MAX) return person;
  const cut = person.slice(0, MENTION_MAX);
  const atWord = cut.lastIndexOf(' ') > MENTION_MAX / 2 ? cut.slice(0, cut.lastIndexOf(' ')) : cut;
  return `${atWord.replace(/[ .,'’(&-]+$/u, '')}…`;
}
