import type { Tx } from './database.js';
import { dateOf, sqlOf } from './sql.js';

// The statements of ACK_LIMIT (src/outbound/ack-throttle.ts). Each goes through an index whatever the table holds
// (test/integration/minute-job-plans.test.ts): they run for every acknowledgement, thousands in a backlog.

/** An event on each ticket whose acknowledgement is held back (and the way the first of a run is found). */
export const NOTICE_THROTTLED = 'notice_throttled';

/**
 * When an acknowledgement went or goes out: sent, when it was; due and never tried, or being sent, when it is due or
 * now (`?`), whichever is later: one overdue (no drain ran: the daemon down) goes with the next drain, so it takes a
 * turn now; cancelled, the turn it had; else (retrying, failed) when it was queued, since a retry's backoff is no
 * turn of ours.
 */
const SLOT = `CASE WHEN "status" = 'sent' THEN "sentAt"
  WHEN "status" = 'sending' OR ("status" = 'pending' AND "attempts" = 0) THEN max("nextAttemptAt", ?)
  WHEN "attempts" = 0 THEN "nextAttemptAt" ELSE "createdAt" END`;

/** The turns of the latest acknowledgements, newest first; by the index on (template, createdAt). */
export const ACK_SLOTS_SQL = `SELECT ${SLOT} AS "slot" FROM "OutboxMail" WHERE "template" = 'acknowledgement' ORDER BY "createdAt" DESC, "id" DESC LIMIT ? OFFSET ?`;

/** The latest ticket whose acknowledgement was held back, when; by the index on TicketEvent (type, ticketId). */
export const LAST_THROTTLED_SQL = `SELECT "createdAt" FROM "TicketEvent" WHERE "type" = '${NOTICE_THROTTLED}' ORDER BY "ticketId" DESC, "id" DESC LIMIT 1`;

/**
 * A requester the desk knows: authorised, a member of a registered organisation, or with an earlier ticket. By the
 * primary keys and the index on Ticket (requesterId).
 */
export const KNOWN_REQUESTER_SQL = `SELECT (c."authorised" = 1 OR c."organisationId" IS NOT NULL
    OR EXISTS (SELECT 1 FROM "Ticket" e WHERE e."requesterId" = t."requesterId" AND e."id" < t."id")) AS "known"
  FROM "Ticket" t JOIN "Contact" c ON c."id" = t."requesterId" WHERE t."id" = ?`;

/** Whether the ticket's requester is one the desk knows (KNOWN_REQUESTER_SQL). */
export function requesterKnown(tx: Tx, ticketId: number): boolean {
  return sqlOf(tx).get<{ known: number }>(KNOWN_REQUESTER_SQL, ticketId)?.known === 1;
}

/** The turns (epoch ms) of `count` acknowledgements, skipping the `skip` latest, as of `now`; newest first. */
export function acknowledgementSlots(tx: Tx, count: number, skip: number, now: Date): number[] {
  return sqlOf(tx)
    .all<{ slot: string }>(ACK_SLOTS_SQL, now, count, skip)
    .map((row) => (dateOf(row.slot) as Date).getTime());
}

/** When an acknowledgement was last held back (to whichever ticket is newest); null: never. */
export function lastThrottledAt(tx: Tx): Date | null {
  return dateOf(sqlOf(tx).get<{ createdAt: string }>(LAST_THROTTLED_SQL)?.createdAt);
}
