import type { Db } from './database.js';

// A ticket's mail is recorded as its message when it is queued (outbound/notices.ts), before anyone knows whether it
// leaves: an acknowledgement held back by ACK_LIMIT and cancelled by the answer, a closing mail the customer's answer
// undid, a survey of a reopened ticket, a mail to an address suppressed meanwhile, one the server refused for good.
// Its outbox row (joined by Message-ID) says what became of it, so that `tickets show` does not list a mail the
// customer never got as one they did.

/** What became of a ticket's mail: its outbox row's status, as `outbox list` says it. */
export interface DeliveryJson {
  /** `pending` (queued; a retry's or ACK_LIMIT's wait), `sending`, `sent`, `failed` (for good), `cancelled` (taken back). */
  status: string;
  /** Why it is not sent (cancelled, failed, waiting: its lastError), or the recipients a sent mail was refused for. */
  detail: string | null;
  /** A try may have left it with its reader though it is failed or cancelled (the connection lost after its end). */
  mayHaveReached: boolean;
  sentAt: string | null;
}

/** The outbox's word on each of these Message-IDs that it holds; a message it does not (inbound, a note) has none. */
export async function deliveriesOf(db: Db, messageIds: string[]): Promise<Map<string, DeliveryJson>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db.outboxMail.findMany({
    where: { messageId: { in: messageIds } },
    select: { messageId: true, status: true, lastError: true, mayHaveReached: true, sentAt: true },
  });
  return new Map(rows.map((r) => [r.messageId, { status: r.status, detail: r.lastError, mayHaveReached: r.mayHaveReached, sentAt: r.sentAt?.toISOString() ?? null }]));
}
