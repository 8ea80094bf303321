import addressparser from 'nodemailer/lib/addressparser';
import { parseIdList } from '../../domain/thread-refs.js';
import { heldForAuthorisation } from '../../store/access-repo.js';
import type { Tx } from '../../store/database.js';
import { organisationIdForEmail, type StoredTicket } from '../../store/tickets-repo.js';
import type { PeekedHeaders } from '../peek-headers.js';
import { resolveThread } from './thread.js';

// A mail too large to parse that answers a ticket (too-large.ts) goes on that ticket: it opened a ticket of its own,
// two tickets for one event (DOMAIN.md rule 1), its sender told of a number she never asked for. Its ticket is found
// from its header block by the rules every mail's is (thread.ts): In-Reply-To and References, the plus-address, the
// subject tag; and only for one of the ticket's people whose From is believed, as on the normal path. A closed
// ticket (with no follow-up to continue it) is none: its follow-up would carry history to a mail nobody can read;
// unless the timer closed it while her answer, in time, waited unread (`closedInTime`: too-large-close-undone.ts).
// Nor is one held for its sender's authorisation (too-large-continues.ts): an authorised Cc's too-large reply-all
// went on it, and its too_large notice, in the held ticket's thread, was mailed before the hold was lifted.

const RECIPIENT_FIELDS = ['to', 'cc', 'delivered-to', 'x-original-to'];

/** The ticket the too-large mail answers, or null: it opens its own (too-large.ts openTooLargeTicket). */
export async function ticketTooLargeAnswers(
  tx: Tx,
  ctx: { secret: string; supportAddress: string },
  peek: PeekedHeaders & { from: string },
  believed: boolean,
  closedInTime?: (ticketId: number) => Promise<boolean>,
): Promise<StoredTicket | null> {
  const headers = peek.headers ?? new Map<string, string[]>();
  const recipients = RECIPIENT_FIELDS.flatMap((name) =>
    (headers.get(name) ?? []).flatMap((value) => addressparser(value, { flatten: true }).map((a) => a.address.trim().toLowerCase())),
  ).filter((a) => a.includes('@'));
  const mail = {
    inReplyTo: parseIdList(headers.get('in-reply-to')).at(-1) ?? null,
    references: parseIdList(headers.get('references')),
    recipients: [...new Set(recipients)],
    subject: peek.subject ?? '',
  };
  const organisationId = await organisationIdForEmail(tx, peek.from);
  const thread = await resolveThread(tx, mail, peek.from, organisationId, { secret: ctx.secret, supportAddress: ctx.supportAddress, senderTrusted: believed });
  if (thread.kind !== 'existing' || !thread.ticket || !thread.takesPart) return null;
  if (thread.ticket.status === 'closed' && !(await closedInTime?.(thread.ticket.id))) return null;
  return (await heldForAuthorisation(tx, thread.ticket.id)) ? null : thread.ticket;
}
