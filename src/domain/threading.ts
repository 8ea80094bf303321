import { isForwardSubject, repliesUnderAnotherSubject } from './thread-refs.js';
import type { TicketStatus } from './ticket-status.js';

// Which ticket an inbound mail belongs to, decided in layers (issue 2 §4). Pure: the caller looks up
// the tickets that the mail's references name and passes them in.

export interface TicketView {
  number: number;
  subject: string;
  status: TicketStatus;
  requester: string;
  ccs: string[];
  organisationId: number | null;
}

export interface HeaderMatch {
  ticket: TicketView;
  /** in-reply-to: the direct parent; references: somewhere up the chain. */
  via: 'in-reply-to' | 'references';
  /** A Message-ID Ventanilla signed (vs. a stored inbound Message-ID). */
  signed: boolean;
}

export interface ThreadInput {
  sender: string;
  senderOrganisationId: number | null;
  /** The mail's subject: a forward's prefix there, not the ticket's own, makes it a forward (thread-refs.ts). */
  subject: string;
  /** Matches from In-Reply-To first, then References newest first. */
  headerMatches: HeaderMatch[];
  plusAddressTicket: TicketView | null;
  subjectTagTicket: TicketView | null;
  /**
   * False when a trusted server says the From address is forged (stages/authenticity.ts): the sender's
   * identity then proves nothing, so it makes no one a participant and the subject tag is skipped.
   */
  senderTrusted?: boolean;
  /** Machine-written (an out-of-office): it writes a subject of its own, which says nothing of the conversation. */
  automatic?: boolean;
  /**
   * Nothing but thanks (domain/thanks.ts): about the solution it answers, whatever subject it was given. Asked only
   * of an answer under another subject: the words are not read for every mail.
   */
  onlyThanks?: () => boolean;
}

export type ThreadVia = 'in-reply-to' | 'references' | 'plus-address' | 'subject-tag';

export type ThreadDecision =
  | { kind: 'existing'; ticket: TicketView; via: ThreadVia }
  | {
      kind: 'new';
      reason: 'no-reference' | 'forward-from-stranger' | 'tag-from-stranger' | 'tag-from-unauthenticated' | 'ambiguous-references' | 'followup-from-stranger' | 'new-subject';
    };

export function isParticipant(ticket: TicketView, sender: string, senderOrganisationId: number | null): boolean {
  const who = sender.toLowerCase();
  return (
    ticket.requester.toLowerCase() === who ||
    ticket.ccs.some((cc) => cc.toLowerCase() === who) ||
    (senderOrganisationId !== null && senderOrganisationId === ticket.organisationId)
  );
}

/** A participant whose From address is believed: a forged one makes no one a participant. */
export function takesPart(ticket: TicketView, input: Pick<ThreadInput, 'sender' | 'senderOrganisationId' | 'senderTrusted'>): boolean {
  return input.senderTrusted !== false && isParticipant(ticket, input.sender, input.senderOrganisationId);
}

export function decideThread(input: ThreadInput): ThreadDecision {
  const senderTrusted = input.senderTrusted !== false;
  const participant = (t: TicketView) => takesPart(t, input);
  // A forward carries the old thread's headers and subject to someone new: it only continues the ticket
  // when the person forwarding already takes part in it.
  const acceptable = (t: TicketView) => !isForwardSubject(input.subject, t.subject) || participant(t);
  // What keeps the mail from joining ticket t, found by one of our own mails (`ours`: a signed Message-ID or the
  // plus-address); null when nothing does. An answer to our mail whose subject and [#n] its writer replaced is
  // about something else (RT opens a ticket once its tag is gone; Zammad follows References under the same subject).
  const refusal = (t: TicketView, ours: false | 'message-id' | 'plus-address'): ThreadDecision | null => {
    if (!acceptable(t)) return { kind: 'new', reason: 'forward-from-stranger' };
    const another = ours !== false && !input.automatic && repliesUnderAnotherSubject(input.subject, t.number, t.subject, ours);
    return another && !input.onlyThanks?.() ? { kind: 'new', reason: 'new-subject' } : null;
  };
  let refused: ThreadDecision | null = null;

  const first = input.headerMatches[0];
  if (first) {
    const distinct = new Set(input.headerMatches.map((m) => m.ticket.number));
    if (first.via === 'in-reply-to' || distinct.size === 1) {
      refused = refusal(first.ticket, first.signed && 'message-id');
      if (!refused) return { kind: 'existing', ticket: first.ticket, via: first.via };
    } else if (participant(first.ticket)) {
      // References shared by several tickets (a long thread that spawned more than one): take the most
      // recent one, but only for someone who takes part in it.
      refused = refusal(first.ticket, first.signed && 'message-id');
      if (!refused) return { kind: 'existing', ticket: first.ticket, via: 'references' };
    } else {
      refused = { kind: 'new', reason: 'ambiguous-references' };
    }
  }

  if (input.plusAddressTicket) {
    const refusedByPlus = refusal(input.plusAddressTicket, 'plus-address');
    if (!refusedByPlus) return { kind: 'existing', ticket: input.plusAddressTicket, via: 'plus-address' };
    refused ??= refusedByPlus;
  }

  if (input.subjectTagTicket) {
    // Anyone can type "[#123]": the tag alone is trusted only from the people of that ticket.
    if (participant(input.subjectTagTicket)) return { kind: 'existing', ticket: input.subjectTagTicket, via: 'subject-tag' };
    refused ??= { kind: 'new', reason: senderTrusted ? 'tag-from-stranger' : 'tag-from-unauthenticated' };
  }

  return refused ?? { kind: 'new', reason: 'no-reference' };
}
