import type { Tx } from './database.js';
import { sqlOf } from './sql.js';

// What suppression changes in a mail still to be sent (outbound/suppressed-recipients.ts): its recipients, or its
// status. A mail is changed only while it is queued (`pending`), or, by the drainer that claimed it (`holder`),
// while that drainer still holds it: never one another drainer may be sending.

/** A mail's recipients as its outbox row holds them (JSON text), with what tells whose mail it is. */
export interface MailRecipients {
  id: number;
  ticketId: number | null;
  template: string;
  messageId: string;
  toList: string;
  ccList: string;
  headers: string;
}

const STILL_OURS = `"id" = ? AND (CASE WHEN ? IS NULL THEN "status" = 'pending' ELSE "status" = 'sending' AND "leaseHolder" = ? END)`;

/**
 * The queued mails that name this address (lower case) as a recipient. By the index on (status, nextAttemptAt):
 * the pending mails only, a handful but for a bulletin's rows waiting for their send slot.
 */
export function queuedMailsNaming(tx: Tx, address: string): MailRecipients[] {
  const quoted = `"${address}"`;
  return sqlOf(tx).all<MailRecipients>(
    `SELECT "id", "ticketId", "template", "messageId", "toList", "ccList", "headers" FROM "OutboxMail"
      WHERE "status" = 'pending' AND (instr(lower("toList"), ?) > 0 OR instr(lower("ccList"), ?) > 0)`,
    quoted, quoted,
  );
}

/** The mail goes to these recipients instead; false when it is no longer queued, or no longer this holder's. */
export function setRecipients(tx: Tx, id: number, holder: string | null, r: { to: string[]; cc: string[]; headers: string }): boolean {
  return sqlOf(tx).run(`UPDATE "OutboxMail" SET "toList" = ?, "ccList" = ?, "primaryTo" = ?, "headers" = ? WHERE ${STILL_OURS}`,
    JSON.stringify(r.to), JSON.stringify(r.cc), (r.to[0] ?? '').toLowerCase(), r.headers, id, holder, holder).changes === 1;
}

/**
 * The mail is not sent (any more): `cancelled`, or `sent` when it went to all its other recipients already (a retry
 * owed to some only, OutboxHeaders.envelopeTo), `note` as its lastError. A claim's attempt is not counted.
 */
export function settleUnsent(tx: Tx, id: number, holder: string | null, status: 'cancelled' | 'sent', note: string, headers: string, now: Date): boolean {
  return sqlOf(tx).run(
    `UPDATE "OutboxMail" SET "status" = ?, "lastError" = ?, "headers" = ?, "sentAt" = CASE WHEN ? = 'sent' THEN coalesce("sentAt", ?) END,
       "attempts" = CASE WHEN "status" = 'sending' THEN max("attempts" - 1, 0) ELSE "attempts" END, "leasedUntil" = NULL, "leaseHolder" = NULL
     WHERE ${STILL_OURS}`,
    status, note.slice(0, 2000), headers, status, now, id, holder, holder,
  ).changes === 1;
}

/** A failed mail's recipients, to tell before it is retried whether anyone may still get it; null if none is failed. */
export function failedMail(tx: Tx, id: number): MailRecipients | null {
  return sqlOf(tx).get<MailRecipients>(`SELECT "id", "ticketId", "template", "messageId", "toList", "ccList", "headers" FROM "OutboxMail" WHERE "id" = ? AND "status" = 'failed'`, id) ?? null;
}
