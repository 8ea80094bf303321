import { isParticipant } from '../../domain/threading.js';
import { parseIdList, ticketsFromSubjectTags, verifySignedMessageId } from '../../domain/thread-refs.js';
import type { Tx } from '../../store/database.js';
import { heldForAuthorisation } from '../../store/access-repo.js';
import { organisationIdForEmail, ticketByNumber, ticketsByMessageIds, type StoredTicket } from '../../store/tickets-repo.js';
import type { PeekedHeaders } from '../peek-headers.js';

// A mail too large to parse that continues a ticket is not screened as a new mail (too-large-screen.ts), as mail
// continuing a ticket on the normal path never is (access.ts): a Cc'd colleague's too-large reply to our
// acknowledgement was held for authorisation as a new ticket, unanswered. Sent by one of that ticket's people, it goes
// on the ticket (too-large-thread.ts); else it opens a ticket of its own, sent the too_large notice.

/**
 * Whether the peeked headers name an open ticket: a Message-ID of ours (signed) in In-Reply-To or References, or
 * a stored mail's Message-ID there or a subject tag, of a ticket its sender takes part in. A stored mail's Message-ID
 * is no more proof than a tag: a customer's travels in list copies and forwards, and any stranger naming one passed
 * the screening with a 25 MB mail (its own ticket opened, its clock running, its notice sent), as "[#1]" would.
 * A closed ticket is continued by none: a mail to it opens a follow-up, screened as any new mail (access.ts); but one
 * the timer closed while this mail, in time, waited unread (`closedInTime`) is continued by its people, as their
 * readable answer would undo the close (too-large-close-undone.ts). Nor is
 * one held for authorisation: a stranger's mail joins their held ticket, held with it; a too-large one, a ticket of its
 * own, passed the hold by naming the Message-ID of the stranger's own first mail. Nor, for one who takes no part in it,
 * is a solved ticket or a pending one past its window (`windowOver`): their answer to it is new mail on the normal
 * path; a too-large one naming our signed Message-ID passed the hold.
 */
export async function continuesATicket(
  tx: Tx,
  secret: string | undefined,
  peek: PeekedHeaders & { from: string },
  windowOver: (ticketId: number) => Promise<boolean> = async () => false,
  closedInTime: (ticketId: number) => Promise<boolean> = async () => false,
): Promise<boolean> {
  const headers = peek.headers ?? new Map<string, string[]>();
  const ids = [...parseIdList(headers.get('in-reply-to')), ...parseIdList(headers.get('references'))].slice(-100);
  const organisationId = await organisationIdForEmail(tx, peek.from);
  const reopens = async (ticket: StoredTicket) => isParticipant(ticket, peek.from, organisationId) && (await closedInTime(ticket.id));
  const open = async (ticket: StoredTicket | null): Promise<boolean> =>
    ticket !== null && (ticket.status !== 'closed' || (await reopens(ticket))) && !(await heldForAuthorisation(tx, ticket.id));
  // A stranger's answer to a solved ticket, or to a pending one past its window, is new mail (thread.ts), screened.
  const strangersMayAnswer = async (ticket: StoredTicket) =>
    isParticipant(ticket, peek.from, organisationId) ||
    (ticket.status !== 'solved' && ticket.status !== 'closed' && !(ticket.status === 'pending' && (await windowOver(ticket.id))));
  for (const id of ids) {
    const signed = secret ? verifySignedMessageId(secret, id) : null;
    const ticket = signed !== null ? await ticketByNumber(tx, signed) : null;
    if (ticket && (await open(ticket)) && (await strangersMayAnswer(ticket))) return true;
  }
  const takesPart = async (ticket: StoredTicket | null) => ticket !== null && isParticipant(ticket, peek.from, organisationId) && (await open(ticket));
  const named = ids.length > 0 ? [...(await ticketsByMessageIds(tx, ids)).values()].flat() : [];
  for (const ticket of named) if (await takesPart(ticket)) return true;
  for (const n of ticketsFromSubjectTags(peek.subject ?? '')) if (await takesPart(await ticketByNumber(tx, n))) return true;
  return false;
}
