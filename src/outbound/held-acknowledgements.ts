// ACK_LIMIT holds a new ticket's acknowledgement back for up to hours (ack-throttle.ts). Written when its mail came
// in, it went out telling the ticket as it was then: "Estado: Nuevo" for a ticket support had taken up, an answer-by
// time gone by, and "we received your request" after the ticket was solved. So the drainer, about to send one,
// writes it again with the ticket as it is, in a transaction that keeps the new words on the outbox row (and on the
// ticket's message) before it goes: no mail leaves that the outbox does not hold, and no row is added.
//
// One whose ticket was solved or closed, or answered, meanwhile is not sent: it is cancelled with why, and the
// ticket records `notice_dropped`. An agent's mail cancels a held one at once (withdrawHeldAcknowledgement); this
// catches the rest: a ticket solved or closed without a mail to the customer (an internal note), and an answer
// given while the acknowledgement was claimed for sending already (a drainer's batch, a dead drainer's lease).
// Done as each one goes, not when its batch is claimed: a slow relay takes minutes over a batch.

import { isUnresolved } from '../domain/ticket-status.js';
import { isTemporaryFailure } from '../errors.js';
import { cancelClaimedAcknowledgement, rewriteHeldAcknowledgement, stillClaimedBy } from '../store/acknowledgement-repo.js';
import { inTransaction, type Db, type Tx } from '../store/database.js';
import { noticeTicket, type NoticeTicket } from '../store/notice-queries.js';
import type { ClaimedMail } from '../store/outbox-claims.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import { recordFailedMail } from './failed-mail.js';
import { noticeContext } from './notice-context.js';
import type { NoticeDeps } from './notices.js';
import { pickLocale, type RenderedMail } from './templates.js';

/**
 * What the drainer does with a held-back acknowledgement: send it (its row now has the new words), or not: cancelled
 * (`dropped`), failed for good (`failed`, with the error, recorded on the row and the ticket), or taken over by
 * another drainer meanwhile (`taken`: that one sends it).
 */
export type HeldOutcome = { go: 'send' } | { go: 'dropped' } | { go: 'taken' } | { go: 'failed'; error: string };

/** Why the acknowledgement would come too late, or null when it is still owed. */
function tooLate(ticket: NoticeTicket): string | null {
  if (!isUnresolved(ticket.status)) return `the ticket was ${ticket.status}`;
  if (ticket.firstRespondedAt) return 'support answered the ticket';
  return null;
}

function rendered(tx: Tx, deps: NoticeDeps, ticket: NoticeTicket, now: Date): RenderedMail {
  const locale = pickLocale(ticket.requester);
  return deps.renderer.render('acknowledgement', locale, noticeContext(tx, deps, { notice: 'acknowledgement', now }, ticket, locale));
}

/**
 * Writes the held-back acknowledgement `row`, claimed by `holder`, again as of `now`, or settles it unsent. A render
 * that fails fails this mail alone; a database that fails (busy, full) fails the drain, as elsewhere.
 */
export async function prepareHeldAcknowledgement(db: Db, deps: NoticeDeps, row: ClaimedMail, holder: string, now: Date): Promise<HeldOutcome> {
  const ticketId = row.ticketId;
  if (ticketId === null) return { go: 'send' };
  const outcome = await inTransaction(db, async (tx): Promise<HeldOutcome & { mail?: RenderedMail }> => {
    if (!stillClaimedBy(tx, row.id, holder)) return { go: 'taken' };
    const ticket = await noticeTicket(tx, ticketId);
    const late = tooLate(ticket);
    if (late) {
      const reason = `not sent: held back by ACK_LIMIT, and ${late} before it could go`;
      cancelClaimedAcknowledgement(tx, row.id, reason);
      await addTicketEvent(tx, { ticketId, type: 'notice_dropped', actor: 'system', detail: `acknowledgement: ${reason}`, at: now });
      return { go: 'dropped' };
    }
    let mail: RenderedMail;
    try {
      mail = rendered(tx, deps, ticket, now);
    } catch (error) {
      if (isTemporaryFailure(error)) throw error;
      const message = `held back by ACK_LIMIT, and could not be written again to send: ${error instanceof Error ? error.message : String(error)}`;
      await recordFailedMail(tx, row, message, now);
      return { go: 'failed', error: message };
    }
    rewriteHeldAcknowledgement(tx, row.id, row.messageId, mail);
    return { go: 'send', mail };
  });
  // Only once committed: the mail the drainer sends is the one the outbox holds.
  if (outcome.mail) Object.assign(row, outcome.mail);
  return outcome.go === 'failed' ? { go: 'failed', error: outcome.error } : { go: outcome.go };
}
