// Addresses that must not get a survey. Both surveys (the CSAT mail and the NPS campaign) ask here:
// - opted out: the person asked for no more surveys (the link in every survey mail, List-Unsubscribe;
//   opt-out-routes.ts). Both kinds: that is what they asked;
// - bounced: the suppression list of the bounces work (src/store/suppression-repo.ts), and any address whose
//   mail the outbox could not deliver for good (a 5xx refusal, or every retry failed) and has delivered none since;
// - no_reply: an address nobody reads (no-reply@, MAILER-DAEMON@, a list's owner-): a monitoring system or a
//   notifier may open tickets (machine-written mail does, without an acknowledgement), but no one would answer;
// - unsubscribed (NPS only): someone who unsubscribed from, or complained about, our bulletins does not want
//   mail they did not ask for. A CSAT mail is about the customer's own ticket, like the ticket's notices.
// And tickets that must not bring one: machine_written, a ticket opened by machine-written mail (an ERP's
// notifications from facturas@empresa.com, marked Auto-Submitted or Precedence: bulk; Ticket.openedByMachine). Its
// address is an ordinary one, so no_reply misses it, and nobody there answers "how did we do?". It gets no CSAT and
// makes no one due an NPS (store/survey-repo.ts npsCandidates). A person's mail that only asks for no automatic
// answer (Outlook's X-Auto-Response-Suppress, a list's copy) opens a person's ticket: asked as any.

import type { SurveyKind } from '../domain/survey-scale.js';
import { readsNoAnswers } from '../ingest/stages/automatic.js';
import type { Tx } from '../store/database.js';
import { subscriberStatus } from '../store/subscriber-repo.js';
import { suppressedAmong } from '../store/suppression-repo.js';
import { optedOutOfSurveys } from '../store/survey-opt-out-repo.js';
import { mailPermanentlyFailedTo } from '../store/survey-repo.js';

export type SuppressionReason = 'no_reply' | 'bounced' | 'opted_out' | 'unsubscribed';

/**
 * Why the solved ticket must bring its requester no CSAT (`machine_written (<evidence>)`), or null when it may. An
 * address that reads no answers is left to surveySuppression (`no_reply`, as before): its mail is machine-written too.
 */
export async function csatTicketSuppression(tx: Tx, ticketId: number, address: string): Promise<string | null> {
  if (readsNoAnswers(address)) return null;
  const ticket = await tx.ticket.findUnique({ where: { id: ticketId }, select: { openedByMachine: true } });
  return ticket?.openedByMachine ? `machine_written (${ticket.openedByMachine})` : null;
}

/** Why a survey must not be mailed to this address, or null when it may. */
export async function surveySuppression(tx: Tx, address: string, kind: SurveyKind, now: Date): Promise<SuppressionReason | null> {
  if (readsNoAnswers(address)) return 'no_reply';
  if ((await suppressedAmong(tx, [address], now)).size > 0 || (await mailPermanentlyFailedTo(tx, address))) return 'bounced';
  if (await optedOutOfSurveys(tx, address)) return 'opted_out';
  if (kind === 'nps' && (await subscriberStatus(tx, address)) === 'unsubscribed') return 'unsubscribed';
  return null;
}
