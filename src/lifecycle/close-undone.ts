import { cancelQueuedMail } from '../store/outbox-repo.js';
import type { Tx } from '../store/database.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import type { TimerClose } from './jobs.js';

/**
 * The timer's close undone by an answer that reached the mailbox in time (jobs.ts closedByTimerBefore): its closing
 * mail, if still queued, is cancelled (kept in the outbox as `cancelled`, never sent), so that the customer reads
 * nothing of a close that did not stand. True when they may have read it all the same (sent, being sent, or tried:
 * a connection broken after the end of the mail, some recipients who took it): then the next mail must say the
 * close was a mistake (the `close_undone` notice).
 */
export async function withdrawClosingMail(tx: Tx, ticketId: number, close: TimerClose, answeredAt: Date, now: Date): Promise<boolean> {
  const reason = `not sent: the customer's answer reached the mailbox in time (${answeredAt.toISOString()}), the close was undone`;
  const mail = cancelQueuedMail(tx, close.closingMailKey, reason);
  if (mail?.cancelled) {
    const tried = mail.attempts > 0 ? `; tried ${mail.attempts} time(s) before, so the customer is told the close was a mistake` : '';
    await addTicketEvent(tx, { ticketId, type: 'notice_cancelled', actor: 'system', detail: `closed: ${reason}${tried}`, at: now });
  }
  return mail !== null && mail.attempts > 0;
}
