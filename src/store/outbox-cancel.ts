import type { Tx } from './database.js';
import { sqlOf } from './sql.js';

// A queued mail taken back before it goes: a timer's closing mail the customer's answer undid (close-undone.ts), a
// CSAT survey whose ticket reopened (csat.ts), an acknowledgement held back and overtaken (ack-throttle.ts).
// Whether its reader may have it already decides what follows, and is not whether it was tried: a try the mail
// server refused, or that never reached it, left it with no one (OutboxMail.mayHaveReached, set by the drainer).

/**
 * By the unique index on idempotencyKey. The second and third values: a note the mail must have been held back with
 * (its lastError begins with it) and never tried, or null for any queued mail.
 */
export const CANCEL_QUEUED_SQL = `UPDATE "OutboxMail" SET "status" = 'cancelled', "lastError" = ?
  WHERE "idempotencyKey" = ? AND "status" = 'pending' AND (? IS NULL OR ("attempts" = 0 AND instr("lastError", ?) = 1))`;

/** Read before the cancel, in its transaction (which holds the write lock: inTransaction). */
const STATE_SQL = `SELECT "status", "attempts", "lastError", "mayHaveReached" OR "status" IN ('sent', 'sending') AS "reached"
  FROM "OutboxMail" WHERE "idempotencyKey" = ?`;

export interface QueuedMailCancel {
  /** Whether this call cancelled it: it was queued. Else it is sent, being sent, failed, or cancelled already. */
  cancelled: boolean;
  /**
   * Whether its reader may have it: sent, being sent (it goes all the same), or a try that may have left it with
   * them (taken for some recipients; the connection lost after the end of the mail, the server's answer with it).
   */
  mayHaveReached: boolean;
  /** The lastError it was cancelled with: `reason`, and for a mail tried and never delivered, that it was not. */
  reason: string;
}

/**
 * Cancels the mail queued under this key if no drainer holds it (`cancelled`, kept in the outbox, never sent); with
 * `heldWith`, only one held back with that note (ACK_LIMIT) and never tried. Null without such a mail.
 */
export function cancelQueuedMail(tx: Tx, idempotencyKey: string, reason: string, heldWith: string | null = null): QueuedMailCancel | null {
  const sql = sqlOf(tx);
  const row = sql.get<{ status: string; attempts: number; lastError: string | null; reached: number }>(STATE_SQL, idempotencyKey);
  if (!row) return null;
  const reached = row.reached === 1;
  // The cancel replaces lastError, the server's last refusal: kept after why, as it is why the customer is not told.
  const tries = row.attempts === 1 ? 'at its 1 try' : `at each of its ${row.attempts} tries`;
  const never = row.status === 'pending' && row.attempts > 0 && !reached ? `; refused by the mail server ${tries}, never delivered (last: ${row.lastError ?? 'no reply'})` : '';
  const written = `${reason}${never}`.slice(0, 2000);
  const { changes } = sql.run(CANCEL_QUEUED_SQL, written, idempotencyKey, heldWith, heldWith);
  return { cancelled: changes > 0, mayHaveReached: reached, reason: written };
}

/**
 * A cancelled mail's idempotency key freed (the row keeps it with `:withdrawn:<id>` after it), so that the same
 * effect may be queued again: a survey withdrawn unsent is asked when the ticket is solved again. Its Message-ID.
 */
export function setAsideCancelledMail(tx: Tx, idempotencyKey: string): string | null {
  const sql = sqlOf(tx);
  const row = sql.get<{ id: number; messageId: string }>(`SELECT "id", "messageId" FROM "OutboxMail" WHERE "idempotencyKey" = ? AND "status" = 'cancelled'`, idempotencyKey);
  if (!row) return null;
  sql.run('UPDATE "OutboxMail" SET "idempotencyKey" = ? WHERE "id" = ?', `${idempotencyKey}:withdrawn:${row.id}`, row.id);
  return row.messageId;
}
