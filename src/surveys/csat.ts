import type { Tx } from '../store/database.js';
import { requesterOf } from '../store/survey-repo.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import type { SurveyDeps } from './deps.js';
import { enqueueSurveyMail } from './survey-mail.js';

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
