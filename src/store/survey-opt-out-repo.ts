import type { Db, Tx } from './database.js';
import { sqlOf } from './sql.js';

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

/** Opts the contact out; the first date is kept (idempotent). False when it had opted out already, or is gone. */
export async function optOutOfSurveys(tx: Tx, id: number, now: Date): Promise<boolean> {
  const changed = await tx.contact.updateMany({ where: { id, surveysOptedOutAt: null }, data: { surveysOptedOutAt: now } });
  return changed.count === 1;
}

/**
 * Whether the contact of this address (as the contact row spells it) opted out of surveys. Direct SQL: the
 * NPS campaign asks it for each contact.
 */
export async function optedOutOfSurveys(tx: Tx | Db, email: string): Promise<boolean> {
  return sqlOf(tx).get(`SELECT 1 FROM "Contact" WHERE "email" = ? AND "surveysOptedOutAt" IS NOT NULL`, email) !== undefined;
}

/**
 * Support records a customer's wish given another way (by phone, a ticket): `at` opts the address out (the first
 * date is kept), null lets surveys go to it again. 'unknown' when no contact has that address.
 */
export async function setSurveysOptOut(tx: Tx, email: string, at: Date | null): Promise<'changed' | 'unchanged' | 'unknown'> {
  const contact = await tx.contact.findUnique({ where: { email }, select: { surveysOptedOutAt: true } });
  if (!contact) return 'unknown';
  if ((contact.surveysOptedOutAt === null) === (at === null)) return 'unchanged';
  await tx.contact.update({ where: { email }, data: { surveysOptedOutAt: at } });
  return 'changed';
}
