import { cancelQueuedMail } from '../store/outbox-cancel.js';
import type { Tx } from '../store/database.js';
import type { TicketState } from '../store/lifecycle-repo.js';
import { addTicketEvent } from '../store/tickets-repo.js';

// The pending reminder says "we still wait for the information we asked for; without it the ticket closes on <date>".
// It is queued by the 36-hour tick and can wait in the outbox for hours or days (the mail server down: the drain
// waits however long, README "Outbox"). Once its pending period is over (the customer answered, an agent asked anew
// with a new date, the 60-hour close) every word of it is false, so the change that ends the period takes it back.
// A reminder owed during a backlog and never rendered is dropped the same way (outbound/deferred-notices.ts).

/** The reminder's idempotency key: one per pending period, named by the instant the period began. */
export const reminderKey = (ticketId: number, pendingSince: Date): string => `pending_reminder:${ticketId}:${pendingSince.toISOString()}`;

/**
 * Called in the transaction of a change that ends the ticket's pending period (it leaves pending, or a new question
 * starts another): its reminder, if still queued, is cancelled (kept in the outbox as `cancelled`, with why) and the
 * ticket records `notice_cancelled`. One being sent, or sent, is past taking back.
 */
export async function withdrawStaleReminder(tx: Tx, ticket: TicketState, ended: { event: string; to: string; now: Date }): Promise<void> {
  if (ticket.status !== 'pending' || !ticket.pendingSince || ticket.reminderSentAt === null) return;
  const reason = `not sent: its pending period ended before it left (${ended.event} at ${ended.now.toISOString()}, ${ticket.status} -> ${ended.to})`;
  const mail = cancelQueuedMail(tx, reminderKey(ticket.id, ticket.pendingSince), reason);
  if (!mail?.cancelled) return;
  await addTicketEvent(tx, { ticketId: ticket.id, type: 'notice_cancelled', actor: 'system', detail: `pending_reminder: ${mail.reason}`, at: ended.now });
}
