import type { Tx } from '../store/database.js';
import { cancelQueuedMail, setAsideCancelledMail } from '../store/outbox-cancel.js';
import { dropSurveysOfMails, requesterOf } from '../store/survey-repo.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import type { SurveyDeps } from './deps.js';
import { enqueueSurveyMail } from './survey-mail.js';
import { csatTicketSuppression } from './suppression.js';

export interface SolvedBySupport {
  ticketId: number;
  /** The agent who solved it (an answer, a status change, a product release). */
  actor: string;
  now: Date;
}

/**
 * The CSAT survey of a ticket support just solved, to its requester, in the same transaction: once per
 * ticket (a ticket reopened and solved again is not asked twice). A pending ticket that closes for lack of
 * an answer never comes here: only support's transitions to "solved" do (lifecycle/transitions.ts).
 */
export async function queueCsatSurvey(tx: Tx, deps: SurveyDeps, solved: SolvedBySupport): Promise<void> {
  if (!deps.settings.csatEnabled) return;
  const contact = await requesterOf(tx, solved.ticketId);
  if (!contact) return;
  const machine = await csatTicketSuppression(tx, solved.ticketId, contact.email);
  if (machine) {
    await addTicketEvent(tx, { ticketId: solved.ticketId, type: 'csat_skipped', actor: 'system', detail: `${contact.email}: ${machine}`, at: solved.now });
    return;
  }
  const result = await enqueueSurveyMail(tx, deps, {
    kind: 'csat',
    surveyKey: `csat:${solved.ticketId}`,
    contact,
    ticketId: solved.ticketId,
    agent: solved.actor,
    now: solved.now,
  });
  if (!result.queued && result.why !== 'duplicate') {
    await addTicketEvent(tx, { ticketId: solved.ticketId, type: 'csat_skipped', actor: 'system', detail: `${contact.email}: ${result.why}`, at: solved.now });
  }
}

/**
 * A solved ticket back at work (the customer says it still fails, or an agent reopens it): its CSAT survey, still
 * queued and never delivered (the outbox held back by a backlog or a mail server down, or each try refused by the
 * server), is withdrawn, as "how did we do?" about a problem open again reads as a mistake. The mail stays in the
 * outbox, cancelled with why; the survey, never asked, is dropped (the report does not count it) and the ticket
 * solved again is asked then. A survey that may have reached them (a try whose connection broke after the end of
 * the mail) stays, to be answered, and the ticket is not asked twice.
 */
export async function withdrawCsatSurvey(tx: Tx, reopened: { ticketId: number; actor: string; now: Date }): Promise<void> {
  const key = `csat:${reopened.ticketId}`;
  const reason = `not sent: the ticket was reopened (${reopened.actor}, ${reopened.now.toISOString()}) before the survey left`;
  const mail = cancelQueuedMail(tx, key, reason);
  if (!mail?.cancelled || mail.mayHaveReached) return;
  const messageId = setAsideCancelledMail(tx, key);
  if (messageId) await dropSurveysOfMails(tx, [messageId]);
  await addTicketEvent(tx, { ticketId: reopened.ticketId, type: 'csat_withdrawn', actor: 'system', detail: mail.reason, at: reopened.now });
}
