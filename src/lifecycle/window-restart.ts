import type { Tx } from '../store/database.js';
import { loadTicketState } from '../store/lifecycle-repo.js';
import { timerFields } from './clocks.js';
import { windowOverAt } from './jobs.js';
import { applyChange, closeDeadline, type LifecycleDeps } from './transitions.js';

// A ticket waiting for the customer (pending: DOMAIN.md rule 3; solved: rule 4) closes by itself when she does not
// write within its window. A mail of hers that could not be read (above MAX_MESSAGE_BYTES: ingest/stages/too-large.ts)
// is still her answer: the timer that went on as if she were silent told her "we are still waiting for you", then
// "we received nothing (no remarks on the solution), so we closed the ticket", after she had answered and been asked
// to send it again smaller. Her window starts again from that mail instead, the ticket kept where it was: the gateway
// is still waiting for her, for what she is asked to resend (a readable answer then does what any answer does:
// pending -> open, solved -> reopened). Not moved to open: support would be handed a ticket to work whose only news
// is a note that the mail could not be read, its SLA clock running on it.

/**
 * Restarts the window of a pending or solved ticket from `now`, for a mail of one of its people that reached the
 * mailbox at `answeredAt`: its reminder and close are then computed from it, a reminder of the old period still
 * queued is taken back, and the `window_restarted` event says why and the new dates. Nothing for a ticket in any
 * other status, or one whose window was over when the mail came (too-large.ts closes that one first, as a readable
 * late answer does). True when it restarted the window.
 */
export async function restartWindowForUnreadAnswer(
  tx: Tx,
  deps: LifecycleDeps,
  ticketId: number,
  answer: { from: string; now: Date; answeredAt: Date; why: string },
): Promise<boolean> {
  const ticket = await loadTicketState(tx, { id: ticketId });
  if (!ticket || (ticket.status !== 'pending' && ticket.status !== 'solved')) return false;
  if (await windowOverAt(tx, deps, ticketId, answer.answeredAt)) return false;
  const { now } = answer;
  const closes = closeDeadline(ticket.status, now, deps.policies)?.toISOString();
  // The dates the restart stores (clocks.ts timerFields), said as they are: a pending ticket's next timer is its reminder.
  const remind = ticket.status === 'pending' ? `reminder ${timerFields('pending', now, deps.policies).timerDueAt?.toISOString()}, ` : '';
  const detail = `${answer.why}: counted as the customer's answer, the ${ticket.status} window starts again from it (${remind}closes ${closes})`;
  await applyChange(tx, deps, ticket, { to: ticket.status, now, actor: answer.from, event: 'window_restarted', detail, restartsWindow: true });
  return true;
}
