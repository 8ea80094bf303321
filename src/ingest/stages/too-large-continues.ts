import { isParticipant } from '../../domain/threading.js';
import { parseIdList, ticketsFromSubjectTags, verifySignedMessageId } from '../../domain/thread-refs.js';
import type { Tx } from '../../store/database.js';
import { organisationIdForEmail, ticketByNumber, ticketsByMessageIds } from '../../store/tickets-repo.js';
import type { PeekedHeaders } from '../peek-headers.js';

// A mail too large to parse that continues a ticket is not screened as a new mail (too-large-screen.ts), as mail
// continuing a ticket on the normal path never is (access.ts): a Cc'd colleague's too-large reply to our
// acknowledgement was held for authorisation as a new ticket, unanswered. It still opens a ticket of its own and is
// sent the too_large notice (its body is not read, so it is not threaded into the ticket it continues).

/**
 * Whether the peeked headers name an existing ticket: a Message-ID of ours (signed) or of a stored mail in
 * In-Reply-To or References, or a subject tag of a ticket its sender takes part in (a tag alone is anyone's to write:
 * it would let any stranger past the screening with "[#1]" in a 25 MB mail's subject).
 */
export async function continuesATicket(tx: Tx, secret: string | undefined, peek: PeekedHeaders & { from: string }): Promise<boolean> {
  const headers = peek.headers ?? new Map<string, string[]>();
  const ids = [...parseIdList(headers.get('in-reply-to')), ...parseIdList(headers.get('references'))].slice(-100);
  for (const id of ids) {
    const signed = secret ? verifySignedMessageId(secret, id) : null;
    if (signed !== null && (await ticketByNumber(tx, signed))) return true;
  }
  if (ids.length > 0 && (await ticketsByMessageIds(tx, ids)).size > 0) return true;
  const organisationId = await organisationIdForEmail(tx, peek.from);
  for (const n of ticketsFromSubjectTags(peek.subject ?? '')) {
    const ticket = await ticketByNumber(tx, n);
    if (ticket && isParticipant(ticket, peek.from, organisationId)) return true;
  }
  return false;
}
