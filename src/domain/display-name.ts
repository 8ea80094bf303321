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
