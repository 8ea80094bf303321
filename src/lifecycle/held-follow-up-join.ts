// One event, one follow-up (DOMAIN.md rule 1), when a follow-up of a closed ticket is held for its sender's
// authorisation (UNKNOWN_SENDER_POLICY=hold) and an authorised person of the ticket answers the closed thread too.
// Theirs becomes the follow-up: it may start at once, while the held one cannot be released (its sender is not
// authorised) nor take an authorised customer's mail (held with it, she would wait on her colleague's
// authorisation). The held one joins it: it stays held, its mail on it (not shown on the follow-up, nobody mailed),
// its administrators still asked; once its sender is authorised, its mail goes onto the follow-up, as his answer
// would have had it come after hers, and it is closed instead of released as a second follow-up.

import { HELD_FORGED } from '../store/access-repo.js';
import type { Tx } from '../store/database.js';
import { addCcs, addTicketEvent, setTicketStatus, touchTicket } from '../store/tickets-repo.js';
import { sqlOf } from '../store/sql.js';

/** On the held ticket: the follow-up it joined ("#1002"). */
export const JOINED_FOLLOW_UP = 'joined_follow_up';

/**
 * Read from the closed ticket's follow-ups (index on followUpOfId) and the held tickets that joined it (its
 * joined_follow_up events, index on (type, ticketId)): the same rows as the conditions after it, without the scan of
 * every ticket a bare OR of them took (~250 ms on 1M tickets, each follow-up of a closed ticket, in the ingest's
 * transaction). Parameters: closedId, JOINED_FOLLOW_UP, closedId, followUp.id, HELD_FORGED, closedId, JOINED_FOLLOW_UP,
 * JOINED_FOLLOW_UP, closedId.
 */
export const HELD_TO_JOIN_SQL = `SELECT t."id", t."number" FROM "Ticket" t
  WHERE (t."followUpOfId" = ? OR t."id" IN (SELECT j."ticketId" FROM "TicketEvent" j WHERE j."type" = ?
      AND j."detail" = (SELECT '#' || c."number" FROM "Ticket" c WHERE c."id" = ?)))
  AND t."id" <> ? AND t."heldForAuthorisation" = 1 AND t."status" <> 'closed'
  AND NOT EXISTS (SELECT 1 FROM "TicketEvent" e WHERE e."ticketId" = t."id" AND e."type" = 'held_for_authorisation' AND e."detail" = ?)
  AND ((t."followUpOfId" = ? AND NOT EXISTS (SELECT 1 FROM "TicketEvent" e WHERE e."ticketId" = t."id" AND e."type" = ?))
    OR (SELECT e."detail" FROM "TicketEvent" e WHERE e."ticketId" = t."id" AND e."type" = ? ORDER BY e."id" DESC LIMIT 1)
       = (SELECT '#' || c."number" FROM "Ticket" c WHERE c."id" = ?))
  ORDER BY t."number"`;

/**
 * The held, unclosed, not forged follow-ups of `closedId` join `followUp`, a follow-up of it not held; and so do the
 * held tickets that had joined `closedId` itself, a follow-up closed before their senders were authorised: the
 * customer's next follow-up of it is the same event's (released on their own, they were a second follow-up beside it).
 */
export async function joinHeldFollowUps(tx: Tx, closedId: number, followUp: { id: number; number: number }, actor: string, at: Date): Promise<void> {
  const held = sqlOf(tx).all<{ id: number; number: number }>(
    HELD_TO_JOIN_SQL,
    closedId, JOINED_FOLLOW_UP, closedId,
    followUp.id, HELD_FORGED, closedId, JOINED_FOLLOW_UP, JOINED_FOLLOW_UP, closedId,
  );
  for (const ticket of held) {
    await addTicketEvent(tx, { ticketId: ticket.id, type: JOINED_FOLLOW_UP, actor, detail: `#${followUp.number}`, at });
    await addTicketEvent(tx, { ticketId: followUp.id, type: 'held_follow_up_joined', actor, detail: `#${ticket.number}, held until its sender is authorised`, at });
  }
}

/**
 * The follow-up a held ticket joined, if it did and that ticket is not closed: closed meanwhile, nobody would read the
 * mail there, written before it was closed and never seen; the held ticket is then released as it would have been.
 */
function joinedFollowUpOf(tx: Tx, ticketId: number): { id: number; requesterId: number } | null {
  const row = sqlOf(tx).get<{ id: number; requesterId: number; status: string }>(
    `SELECT f."id", f."requesterId", f."status" FROM "TicketEvent" e JOIN "Ticket" f ON f."number" = CAST(substr(e."detail", 2) AS INTEGER)
     WHERE e."ticketId" = ? AND e."type" = ? ORDER BY e."id" DESC LIMIT 1`,
    ticketId, JOINED_FOLLOW_UP,
  );
  return row && row.status !== 'closed' ? row : null;
}

/**
 * At its sender's authorisation (lifecycle/access-actions.ts): a held ticket that joined a follow-up gives it its
 * mail and is closed, instead of starting as a second follow-up. False when it joined none.
 */
export async function settleJoinedFollowUp(tx: Tx, held: { id: number; number: number; status: string }, actor: string, now: Date): Promise<boolean> {
  const followUp = joinedFollowUpOf(tx, held.id);
  if (!followUp) return false;
  const sql = sqlOf(tx);
  const moved = sql.run(`UPDATE "Message" SET "ticketId" = ? WHERE "ticketId" = ? AND "direction" = 'in'`, followUp.id, held.id).changes;
  // Its people (the closed ticket's, and whom its sender copied) are the follow-up's too, as a comment's copies are.
  const ccs = sql.all<{ email: string }>(`SELECT "email" FROM "TicketCc" WHERE "ticketId" = ?`, held.id).map((r) => r.email);
  const requester = sql.get<{ email: string }>(`SELECT "email" FROM "Contact" WHERE "id" = ?`, followUp.requesterId)?.email;
  await addCcs(tx, followUp.id, ccs.filter((cc) => cc !== requester));
  await setTicketStatus(tx, held.id, 'closed', now);
  const number = sql.get<{ number: number }>(`SELECT "number" FROM "Ticket" WHERE "id" = ?`, followUp.id)?.number;
  await addTicketEvent(tx, { ticketId: held.id, type: 'closed', actor, fromStatus: held.status, toStatus: 'closed', detail: `its mail moved to #${number}, the follow-up it joined`, at: now });
  await addTicketEvent(tx, { ticketId: followUp.id, type: 'comment', actor, detail: `${moved} held mail of #${held.number}, its sender authorised`, at: now });
  await touchTicket(tx, followUp.id, now);
  return true;
}
