import { withdrawClosingMail } from '../../lifecycle/close-undone.js';
import { closedByTimerBefore } from '../../lifecycle/jobs.js';
import { applyChange, closeHours, type LifecycleDeps } from '../../lifecycle/transitions.js';
import { enqueueNotice } from '../../outbound/notices.js';
import type { Tx } from '../../store/database.js';
import { loadTicketState } from '../../store/lifecycle-repo.js';
import { ensureContact, type StoredTicket } from '../../store/tickets-repo.js';
import { clockResumesAt } from './apply.js';
import { addTooLargeNote, megabytes, tooLargeNotice, type TooLargeNoteInput } from './too-large-note.js';

// A customer's too-large answer that reached the mailbox within her ticket's window, read after the timer's tick
// closed the ticket "we received nothing" (between two polls, or an operator's `scheduler run-once` with the daemon
// down). It came in time, as a readable one that undoes the close (apply.ts closedByTimerBefore): the ticket goes
// back to support with its note, not a ticket of its own with the old one left closed. Back to support, not waiting
// for her again as on a ticket still in its window (window-restart.ts): the timer ran out once already, and the
// closing mail she may have read needs a person's answer more than a second wait. She gets one mail, the too_large
// notice on that ticket; where the closing mail may have reached her (close-undone.ts), it also says the close was a
// mistake and the ticket open. Not close_undone: "our team will review the information you sent" is untrue of a mail
// nobody could read, and a second mail would ask her nothing the too_large notice does not.

/** Whether the timer closed ticket `ticketId` while a mail that reached the mailbox at `answeredAt` waited unread. */
export async function closedWhileUnread(tx: Tx, deps: LifecycleDeps, ticketId: number, answeredAt: Date, now: Date): Promise<boolean> {
  return answeredAt < now && (await closedByTimerBefore(tx, deps, ticketId, answeredAt)) !== null;
}

/**
 * Undoes the timer's close of `ticket` for her too-large mail: its note, the closing mail withdrawn if still queued,
 * pending -> open (`customer_answered`) or solved -> open (`reopened`), from `closed`, the SLA clock running from her
 * mail, and the too_large notice to her alone (none when `silent`); where the closing mail may have reached them, the
 * ticket's other people are told it is open again (close_undone). Null when the close does not give way (it was
 * not the timer's, or her mail came after the window): the caller opens a ticket of its own.
 */
export async function undoCloseForTooLarge(
  tx: Tx,
  deps: LifecycleDeps,
  ticket: StoredTicket,
  input: TooLargeNoteInput & { answeredAt: Date; slaFrom?: Date; silent: boolean },
): Promise<number | null> {
  const { now, answeredAt } = input;
  const close = await closedByTimerBefore(tx, deps, ticket.id, answeredAt);
  const state = close && answeredAt < now ? await loadTicketState(tx, { id: ticket.id }) : null;
  if (!close || !state) return null;
  const from = input.peek.from;
  await ensureContact(tx, from, input.peek.fromName);
  await addTooLargeNote(tx, ticket.id, input);
  const closeRead = await withdrawClosingMail(tx, ticket.id, close, answeredAt, now);
  // The event a readable answer records (domain/ticket-status.ts effectOfReply).
  const event = close.from === 'solved' ? 'reopened' : 'customer_answered';
  const detail = `a mail of ${megabytes(input.size)} too large to read, in time (reached the mailbox ${answeredAt.toISOString()}): the timer's close undone, its sender asked to send it again smaller`;
  const notice = input.silent ? undefined : { ...tooLargeNotice(input), autoSubmitted: 'auto-replied' as const, onlyTo: from, closedAfter: closeRead ? close.from : undefined };
  await applyChange(tx, deps, state, { to: 'open', now, clockAt: clockResumesAt(state, close.from, input.slaFrom ?? now), actor: from, event, detail, notice });
  // The closing mail went to the requester and her copies, as a readable answer's close_undone does: the others are
  // told the ticket is open again, and nothing of a mail they did not send nor of what nobody could read.
  if (notice?.closedAfter) {
    const windowHours = closeHours(close.from, deps.policies);
    const others = { notice: 'close_undone' as const, idempotencyKey: `close_undone:too_large:${input.sha256}`, autoSubmitted: 'auto-replied' as const };
    await enqueueNotice(tx, deps.notices, { ...others, ticketId: ticket.id, now, closedAfter: close.from, windowHours, notTo: from, answerUnread: true });
  }
  return ticket.number;
}
