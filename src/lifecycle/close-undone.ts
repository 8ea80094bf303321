import { cancelQueuedMail } from '../store/outbox-cancel.js';
import type { Tx } from '../store/database.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import type { TimerClose } from './jobs.js';

/**
 * The timer's close undone by an answer that reached the mailbox in time (jobs.ts closedByTimerBefore): its closing
 * mail, if still queued, is cancelled (kept in the outbox as `cancelled`, never sent), so that the customer reads
 * nothing of a close that did not stand. True when they may have read it all the same (sent, being sent, or a try
 * that may have delivered it: a connection broken after the end of the mail, some recipients who took it): then the
 * next mail must say the close was a mistake (the `close_undone` notice). Not for tries the mail server refused
 * (a 451 to the end of the mail) or that never reached it: the customer never had it, and gets what an answer
 * read before the tick gets.
 */
export async function withdrawClosingMail(tx: Tx, ticketId: number, close: TimerClose, answeredAt: Date, now: Date): Promise<boolean> {
  const reason = `not sent: the customer's answer reached the mailbox in time (${answeredAt.toISOString()}), the close was undone`;
  const mail = cancelQueuedMail(tx, close.closingMailKey, reason);
  if (mail?.cancelled) {
    const told = mail.mayHaveReached ? '; a try may have left it with the customer, so they are told the close was a mistake' : '';
    await addTicketEvent(tx, { ticketId, type: 'notice_cancelled', actor: 'system', detail: `closed: ${mail.reason}${told}`, at: now });
  }
  return mail?.mayHaveReached ?? false;
}
