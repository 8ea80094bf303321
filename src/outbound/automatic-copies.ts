import { namedList } from '../domain/named-list.js';
import type { Tx } from '../store/database.js';
import { sqlOf } from '../store/sql.js';
import { ACCESS_TEMPLATE_NAMES, TEMPLATE_NAMES } from './templates.js';

// The copies of an automatic answer to mail (an acknowledgement, a receipt: what AUTO_MAIL_LIMIT counts). Whoever
// writes a mail chooses its Cc, and its subject is repeated in the answer: with the copies neither counted nor
// bounded, anyone writing from addresses of their own (nothing forged, nothing a spam filter or DMARC catches) had
// the desk's mail server mail a third party without end, one mail from each sender, and hundreds of people with
// each mail. So a copy is held to the same per-address cap as a requester, counted over every automatic mail that
// reached it (as requester or in copy), and an automatic answer reaches at most AUTOMATIC_COPIES_AT_MOST of them. The
// ticket keeps all its CCs: a person's answer (an agent's) reaches each one.

/** Enough for a customer's colleagues and accountant; a mail Cc'd to more is a list or an abuse. */
export const AUTOMATIC_COPIES_AT_MOST = 10;

/**
 * The templates an automatic mail (OutboxMail.automatic) is written under: the notices, the access mails, the
 * bulletin confirmation and already-subscribed reply. Named so the count below goes through the (template, createdAt) index: the rows of the
 * window only. A template missing here would leave its copies uncounted (test/integration/automatic-copies-cap.test.ts).
 */
export const AUTOMATIC_TEMPLATES: readonly string[] = [...new Set<string>([...TEMPLATE_NAMES, ...ACCESS_TEMPLATE_NAMES, 'bulletin_confirm', 'bulletin_subscribed'])];

/**
 * The count of automatic mails since a time that reached an address other than as their primary recipient
 * (automaticMailsTo counts those): in copy, or in To beside others when the requester was suppressed. By the
 * (template, createdAt) index, the window's rows alone are read: through the ticket CCs it read every outbox row of
 * every ticket the address was ever copied on (an accountant copied on 20,000 old tickets: half a second in the
 * ingest's write transaction).
 */
export const AUTOMATIC_COPIES_SQL = `SELECT count(*) AS "n" FROM "OutboxMail" o
     WHERE o."template" IN (${AUTOMATIC_TEMPLATES.map(() => '?').join(', ')}) AND o."createdAt" >= ? AND o."automatic" = 1 AND o."primaryTo" <> ?
       AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(o."ccList") THEN o."ccList" ELSE '[]' END) WHERE lower(json_each."value") = ? UNION ALL SELECT 1 FROM json_each(CASE WHEN json_valid(o."toList") THEN o."toList" ELSE '[]' END) WHERE lower(json_each."value") = ?)`;

function automaticCopiesTo(tx: Tx, address: string, since: Date): number {
  const lower = address.toLowerCase();
  const row = sqlOf(tx).get<{ n: number }>(AUTOMATIC_COPIES_SQL, ...AUTOMATIC_TEMPLATES, since, lower, lower, lower);
  return row?.n ?? 0;
}

export interface CappedCopies {
  /** The copies the automatic answer goes to. */
  kept: string[];
  /** Why some were left out, for the ticket's event; null when none were. */
  why: string | null;
}

/**
 * Which of `copies` an automatic answer (`notice`) may reach: those below `limit` automatic mails in the window
 * (`perAddress(address)` counts those they got as primary recipient), and of them the first AUTOMATIC_COPIES_AT_MOST.
 */
export async function capAutomaticCopies(tx: Tx, notice: string, copies: string[], cap: { limit: number; since: Date }, perAddress: (address: string) => Promise<number>): Promise<CappedCopies> {
  const kept: string[] = [];
  const full: string[] = [];
  let beyond = 0;
  for (const address of copies) {
    if (kept.length >= AUTOMATIC_COPIES_AT_MOST) {
      beyond++;
      continue;
    }
    if ((await perAddress(address)) + automaticCopiesTo(tx, address, cap.since) >= cap.limit) full.push(address);
    else kept.push(address);
  }
  const reasons: string[] = [];
  if (full.length > 0) reasons.push(`${namedList(full, AUTOMATIC_COPIES_AT_MOST, 100)}: ${cap.limit} automatic mails already in the window`);
  if (beyond > 0) reasons.push(`${beyond} more in copy: an automatic mail goes to at most ${AUTOMATIC_COPIES_AT_MOST} copies (a person's answer goes to all)`);
  return { kept, why: reasons.length > 0 ? `${notice}, copies left out: ${reasons.join('; ')}` : null };
}
