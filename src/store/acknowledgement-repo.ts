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

/**
 * Of a mail claimed for sending (outbox-claims.ts CLAIMED_SQL): 1 for an acknowledgement that ACK_LIMIT held back (its
 * ticket records NOTICE_THROTTLED, whatever became of the note on the mail since: a retry's error replaces it), which
 * is written again before it goes (outbound/held-acknowledgements.ts). By the index on TicketEvent (type, ticketId).
 */
export const HELD_BACK_SQL = `CASE WHEN "template" = 'acknowledgement' THEN EXISTS (SELECT 1 FROM "TicketEvent" e
    WHERE e."type" = '${NOTICE_THROTTLED}' AND e."ticketId" = "OutboxMail"."ticketId") ELSE 0 END`;

/** Whether this drainer (`holder`) still holds the mail it claimed: not taken over since (its lease expired). */
export function stillClaimedBy(tx: Tx, id: number, holder: string): boolean {
  return sqlOf(tx).get(`SELECT 1 FROM "OutboxMail" WHERE "id" = ? AND "status" = 'sending' AND "leaseHolder" = ?`, id, holder) !== undefined;
}

/** A held-back acknowledgement's words, written again as it goes: on its outbox row and on the ticket's message of it. */
export function rewriteHeldAcknowledgement(tx: Tx, id: number, messageId: string, mail: { subject: string; text: string; html: string }): void {
  const sql = sqlOf(tx);
  sql.run('UPDATE "OutboxMail" SET "subject" = ?, "text" = ?, "html" = ? WHERE "id" = ?', mail.subject, mail.text, mail.html, id);
  sql.run('UPDATE "Message" SET "subject" = ?, "text" = ?, "visibleText" = ?, "html" = ? WHERE "dedupKey" = ?', mail.subject, mail.text, mail.text, mail.html, `out:${messageId}`);
}

/**
 * A held-back acknowledgement claimed for sending, cancelled instead (`reason` as its lastError): kept in the outbox,
 * never sent. The claim's attempt is taken back (no server saw it), so that its turn counts as a cancelled one's (SLOT).
 */
export function cancelClaimedAcknowledgement(tx: Tx, id: number, reason: string): void {
  sqlOf(tx).run(
    `UPDATE "OutboxMail" SET "status" = 'cancelled', "lastError" = ?, "leasedUntil" = NULL, "leaseHolder" = NULL, "attempts" = max("attempts" - 1, 0) WHERE "id" = ?`,
    reason.slice(0, 2000),
    id,
  );
}
