import { decideThread, isParticipant, takesPart, type ThreadDecision } from '../../domain/threading.js';
import { ticketFromPlusAddress, ticketsFromSubjectTags, verifySignedMessageId } from '../../domain/thread-refs.js';
import type { Tx } from '../../store/database.js';
import { newestFollowUpOf, ticketByNumber, ticketsByMessageIds, type StoredTicket } from '../../store/tickets-repo.js';
import type { InboundMail } from '../parse.js';

export interface ThreadContext {
  secret: string;
  supportAddress: string;
  /** False when the From address failed authentication: the subject tag is then not accepted (layer 3). */
  senderTrusted?: boolean;
  /** Machine-written mail (stages/automatic.ts): its subject is not its writer's (domain/threading.ts). */
  automatic?: boolean;
  /** Nothing but thanks (stages/apply.ts onlyThanks), asked only when it matters. */
  onlyThanks?: () => boolean;
  /** Whether the pending ticket's window was over when the mail came (lifecycle/jobs.ts), asked of a stranger's answer. */
  windowOver?: (ticketId: number) => Promise<boolean>;
}

/**
 * `takesPart`: the sender is one of the ticket's people, believed (domain/threading.ts takesPart). `byOurMail`: found
 * through one of our own mails (the plus-address, or a signed Message-ID of the ticket anywhere in its
 * In-Reply-To or References), which shows its writer received it; the tag
 * or an inbound Message-ID (one an ERP writes for every customer) shows nothing (stages/mail-copies.ts).
 */
export type ResolvedThread = ThreadDecision & { ticket?: StoredTicket; takesPart?: boolean; byOurMail?: boolean };

/** Looks up every ticket the mail refers to (headers, plus-address, subject tag) and lets the domain decide. */
export async function resolveThread(
  tx: Tx,
  mail: Pick<InboundMail, 'inReplyTo' | 'references' | 'recipients' | 'subject'>,
  sender: string,
  senderOrganisationId: number | null,
  ctx: ThreadContext,
): Promise<ResolvedThread> {
  // In-Reply-To is the direct parent; then References from the newest to the oldest.
  const headerIds = [
    ...(mail.inReplyTo ? [{ id: mail.inReplyTo, via: 'in-reply-to' as const }] : []),
    ...[...mail.references].reverse().map((id) => ({ id, via: 'references' as const })),
  ].slice(0, 100);
  const stored = await ticketsByMessageIds(tx, headerIds.map((h) => h.id));
  const byNumber = new Map<number, StoredTicket | null>();
  const lookupNumber = async (n: number) => {
    if (!byNumber.has(n)) byNumber.set(n, await ticketByNumber(tx, n));
    return byNumber.get(n) ?? null;
  };

  const who = { sender, senderOrganisationId, senderTrusted: ctx.senderTrusted };
  // An inbound Message-ID that mails of several tickets carried (a web form's or an ERP's mailer that writes one ID
  // for every customer) names the sender's own ticket: the newest of them she takes part in, else the newest. The
  // newest alone put a customer's answer to her own copy on another company's ticket, as a stranger's note.
  const carrierFor = (carriers: StoredTicket[]) => carriers.find((t) => takesPart(t, who)) ?? carriers[0] ?? null;
  const headerMatches = [];
  for (const header of headerIds) {
    const signedNumber = verifySignedMessageId(ctx.secret, header.id);
    const ticket = signedNumber !== null ? await lookupNumber(signedNumber) : carrierFor(stored.get(header.id) ?? []);
    if (ticket) headerMatches.push({ ticket, via: header.via, signed: signedNumber !== null });
  }
  const plusNumber = ticketFromPlusAddress(ctx.secret, ctx.supportAddress, mail.recipients);
  // Of several tags (another helpdesk's number first), the one of a ticket the sender takes part in.
  const tagged: StoredTicket[] = [];
  for (const n of ticketsFromSubjectTags(mail.subject)) {
    const ticket = await lookupNumber(n);
    if (ticket) tagged.push(ticket);
  }
  const subjectTagTicket = tagged.find((t) => isParticipant(t, sender, senderOrganisationId)) ?? tagged[0] ?? null;

  const decision = decideThread({
    sender,
    senderOrganisationId,
    subject: mail.subject,
    senderTrusted: ctx.senderTrusted,
    automatic: ctx.automatic,
    onlyThanks: ctx.onlyThanks,
    headerMatches,
    plusAddressTicket: plusNumber !== null ? await lookupNumber(plusNumber) : null,
    subjectTagTicket,
  });
  if (decision.kind === 'new') return decision;
  const ticket = await continuationOf(tx, decision.ticket as StoredTicket, sender);
  // A closed ticket answered by someone who takes no part in it (a customer's mail forwarded to them, answered):
  // a follow-up would carry the customer's case to them, with the customer in copy. Their mail is their own.
  // So is their answer to a solved one: only the customer validates or rejects her solution, and a reopening
  // told her that "her answer" had reopened it, with a stranger's words on her case; and to a pending one past its
  // window, which the tick closes with the customer's mail (closed by the stranger's mail, she was told nothing).
  // Decided here, before the screening (stages/access.ts): it is new mail, to hold or refuse like any other.
  const participant = takesPart(ticket, who);
  if (!participant && (ticket.status === 'closed' || ticket.status === 'solved' || (ticket.status === 'pending' && (await ctx.windowOver?.(ticket.id))))) {
    return { kind: 'new', reason: 'followup-from-stranger' };
  }
  // Any of our signed Message-IDs for this ticket in In-Reply-To or References shows the writer received our mail,
  // whichever header found the ticket: Ana answering her own sent reply has In-Reply-To her own (inbound) ID and
  // ours only in References, as has a colleague replying to all on it. One signed for another ticket shows nothing.
  const ours = new Set([(decision.ticket as StoredTicket).number, ticket.number]);
  const byOurMail = decision.via === 'plus-address' || headerMatches.some((m) => m.signed && ours.has(m.ticket.number));
  return { ...decision, ticket, takesPart: participant, byOurMail };
}

/**
 * A closed ticket continues in its follow-up: the second reply to the closed thread (a screenshot sent a minute
 * later, a colleague answering too) joins the follow-up the first one opened instead of opening another
 * ticket for the same event (DOMAIN.md rule 1). Follow-up numbers only grow, so the walk ends. A follow-up held for
 * authorisation (UNKNOWN_SENDER_POLICY=hold) is the continuation only of its own requester's mail: their second mail
 * opened a second held ticket, both acknowledged once they were authorised; another's is not held in it. One an
 * agent closed unreleased is none: the walk went on from it, and their next mail followed up the discarded ticket.
 */
async function continuationOf(tx: Tx, ticket: StoredTicket, sender: string): Promise<StoredTicket> {
  let current = ticket;
  while (current.status === 'closed') {
    const next = (await newestFollowUpOf(tx, current.id)) ?? (await newestFollowUpOf(tx, current.id, sender));
    if (!next) break;
    current = next;
  }
  return current;
}
