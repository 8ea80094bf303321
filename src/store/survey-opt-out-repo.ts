import type { Db, Tx } from './database.js';
import { sqlOf } from './sql.js';
import { dropSurveysOfMails } from './survey-repo.js';

// "Don't send me surveys" (README "Surveys"): a date on the contact. Not the suppression list, which stops
// every mail to an address; the opt-out stops surveys only, and ticket notices and bulletins still go.

export interface OptOutContact {
  id: number;
  email: string;
  locale: string | null;
  /** The contact's, else its organisation's: what chose the language of their survey mails. */
  country: string | null;
  surveysOptedOutAt: Date | null;
}

export async function optOutContactById(tx: Tx | Db, id: number): Promise<OptOutContact | null> {
  const c = await tx.contact.findUnique({ where: { id }, select: { id: true, email: true, locale: true, country: true, surveysOptedOutAt: true, organisation: { select: { country: true } } } });
  return c && { id: c.id, email: c.email, locale: c.locale, country: c.country ?? c.organisation?.country ?? null, surveysOptedOutAt: c.surveysOptedOutAt };
}

/**
 * A survey mail still waiting in the outbox when its contact opts out is not sent either (cancelled, as a bulletin
 * to someone who unsubscribes is), and its survey is dropped: it was never asked, so the report does not count it.
 * One a drainer holds at this instant (its lease not run out) is on its way and goes.
 */
async function cancelQueuedSurveys(tx: Tx, email: string, now: Date): Promise<void> {
  const where = { status: 'pending', primaryTo: email, template: { in: ['csat_survey', 'nps_survey'] }, OR: [{ leasedUntil: null }, { leasedUntil: { lt: now } }] };
  const queued = await tx.outboxMail.findMany({ where, select: { messageId: true } });
  if (queued.length === 0) return;
  await tx.outboxMail.updateMany({ where, data: { status: 'cancelled', lastError: 'opted out of surveys' } });
  await dropSurveysOfMails(tx, queued.map((m) => m.messageId));
}

/**
 * Whether the contact of this address (as the contact row spells it) opted out of surveys. Direct SQL: the
 * NPS campaign asks it for each contact.
 */
export async function optedOutOfSurveys(tx: Tx | Db, email: string): Promise<boolean> {
  return sqlOf(tx).get(`SELECT 1 FROM "Contact" WHERE "email" = ? AND "surveysOptedOutAt" IS NOT NULL`, email) !== undefined;
}

/**
 * `at` opts the address out (the link in a survey mail, or support recording a wish given by phone; the first
 * date is kept, idempotent), null lets surveys go to it again. 'unknown' when no contact has that address.
 */
export async function setSurveysOptOut(tx: Tx, email: string, at: Date | null): Promise<'changed' | 'unchanged' | 'unknown'> {
  const contact = await tx.contact.findUnique({ where: { email }, select: { surveysOptedOutAt: true } });
  if (!contact) return 'unknown';
  if ((contact.surveysOptedOutAt === null) === (at === null)) return 'unchanged';
  await tx.contact.update({ where: { email }, data: { surveysOptedOutAt: at } });
  if (at) await cancelQueuedSurveys(tx, email, at);
  return 'changed';
}
