import type { Db } from './database.js';

// A ticket's mail is recorded as its message when it is queued (outbound/notices.ts), before anyone knows whether it
// leaves: an acknowledgement held back by ACK_LIMIT and cancelled by the answer, a closing mail the customer's answer
// undid, a survey of a reopened ticket, a mail to an address suppressed meanwhile, one the server refused for good.
// Its outbox row (joined by Message-ID) says what became of it, so that `tickets show` does not list a mail the
// customer never got as one they did.

/**
 * A recipient of the message whom its outbox row no longer names: an address suppressed after bounces before the mail
 * left (while it waited for a retry or ACK_LIMIT, while a drainer held it, or before `outbox retry`) is taken out of
 * it (outbound/suppressed-recipients.ts), the only change made to a queued mail's recipients. With the address's suppression as it is now (null: no row, which nothing removes).
 */
export interface NotSentToJson {
  address: string;
  suppressedAt: string | null;
  /** Null once lifted (`suppressions lift`); in the past once it ran out. */
  suppressedUntil: string | null;
  liftedAt: string | null;
}

/** What became of a ticket's mail: its outbox row's status, as `outbox list` says it. */
export interface DeliveryJson {
  /** `pending` (queued; a retry's or ACK_LIMIT's wait), `sending`, `sent`, `failed` (for good), `cancelled` (taken back). */
  status: string;
  /** Why it is not sent (cancelled, failed, waiting: its lastError), or the recipients a sent mail was refused for. */
  detail: string | null;
  /** A try may have left it with its reader though it is failed or cancelled (the connection lost after its end). */
  mayHaveReached: boolean;
  sentAt: string | null;
  /** The message's recipients left out of the mail when their address was suppressed; [] when it goes to them all. */
  notSentTo: NotSentToJson[];
}

/** One of the desk's mails of a ticket: its Message-ID and the recipients its message lists (To and Cc). */
export interface QueuedMessage {
  messageId: string;
  recipients: string[];
}

/** The outbox's word on each of these mails that it holds; a message it does not (inbound, a note) has none. */
export async function deliveriesOf(db: Db, mails: QueuedMessage[]): Promise<Map<string, DeliveryJson>> {
  if (mails.length === 0) return new Map();
  const rows = await db.outboxMail.findMany({
    where: { messageId: { in: mails.map((m) => m.messageId) } },
    select: { messageId: true, status: true, lastError: true, mayHaveReached: true, sentAt: true, toList: true, ccList: true },
  });
  const listed = new Map(mails.map((m) => [m.messageId, m.recipients]));
  const leftOut = new Map(rows.map((r) => [r.messageId, missingFrom(listed.get(r.messageId) ?? [], [...parseList(r.toList), ...parseList(r.ccList)])]));
  const suppressions = await suppressionsOf(db, [...leftOut.values()].flat());
  return new Map(
    rows.map((r) => {
      const notSentTo = (leftOut.get(r.messageId) ?? []).map((address) => ({ address, ...(suppressions.get(address.toLowerCase()) ?? NO_SUPPRESSION) }));
      return [r.messageId, { status: r.status, detail: r.lastError, mayHaveReached: r.mayHaveReached, sentAt: r.sentAt?.toISOString() ?? null, notSentTo }];
    }),
  );
}

const parseList = (json: string): string[] => JSON.parse(json) as string[];

/** The addresses of `listed` that `kept` does not name (addresses compared without regard to case). */
function missingFrom(listed: string[], kept: string[]): string[] {
  const still = new Set(kept.map((a) => a.toLowerCase()));
  return listed.filter((a) => !still.has(a.toLowerCase()));
}

type SuppressionJson = Omit<NotSentToJson, 'address'>;
const NO_SUPPRESSION: SuppressionJson = { suppressedAt: null, suppressedUntil: null, liftedAt: null };

/** The suppression rows of these addresses, by address in lower case (as suppression-repo.ts keeps them). */
async function suppressionsOf(db: Db, addresses: string[]): Promise<Map<string, SuppressionJson>> {
  if (addresses.length === 0) return new Map();
  const rows = await db.suppression.findMany({ where: { email: { in: [...new Set(addresses.map((a) => a.toLowerCase()))] } } });
  return new Map(rows.map((r) => [r.email, { suppressedAt: r.suppressedAt?.toISOString() ?? null, suppressedUntil: r.suppressedUntil?.toISOString() ?? null, liftedAt: r.liftedAt?.toISOString() ?? null }]));
}
