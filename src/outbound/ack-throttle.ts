// Backscatter from acknowledgements: under UNKNOWN_SENDER_POLICY=accept a spam run that forges a new From address
// in each mail, with no spam verdict (ingest/stages/automatic.ts), passes every per-address limit (AUTO_MAIL_LIMIT),
// so each forged address, an innocent person's, got an acknowledgement, and the desk's mail server a place on
// blocklists. ACK_LIMIT throttles them to all senders together: at most that many go out per AUTO_MAIL_WINDOW_MINUTES.
// Throttled, not dropped (refusals are: stages/refusal-cap.ts): a mass outage's customers are real, so each one is
// queued (nothing lost) with its turn as nextAttemptAt, when the window has room, and a spam run's backscatter is
// spread thin. The log warns at the first held back of a run, as REFUSALS_CAPPED does.
//
// The turns: the next acknowledgement goes `window` after the one ACK_LIMIT before it, or at once if that is past,
// so no window of that length holds more than ACK_LIMIT turns (a sliding window, as the other limits are).

import type { Logger } from 'pino';
import { acknowledgementSlots, lastThrottledAt, NOTICE_THROTTLED, requesterKnown } from '../store/acknowledgement-repo.js';
import { cancelQueuedMail } from '../store/outbox-cancel.js';
import type { Tx } from '../store/database.js';
import { addTicketEvent } from '../store/tickets-repo.js';

/** How a held-back acknowledgement's lastError (`outbox list`) and the log's warning begin. */
export const ACKS_THROTTLED = 'acknowledgements throttled';

export interface AckThrottleDeps {
  /** ACK_LIMIT; absent or 0: no limit. */
  ackLimit?: number;
  automaticCap: { windowMs: number };
  log?: Pick<Logger, 'warn'>;
}

/**
 * Per transaction, the turns (epoch ms, oldest first) of the latest acknowledgements, its own included, so that a
 * batch (a backlog's owed notices, 100 to a transaction) reads them once. Null: it wrote one and read none yet
 * (a single mail's transaction reads one row: ACK_SLOTS_SQL with an offset).
 */
const turnsOf = new WeakMap<Tx, number[] | null>();

/** The turn of the acknowledgement `limit` before the next one; undefined: there are fewer. */
function turnLimitBefore(tx: Tx, limit: number, now: Date): number | undefined {
  const known = turnsOf.get(tx);
  if (known === undefined) {
    turnsOf.set(tx, null);
    return acknowledgementSlots(tx, 1, limit - 1, now)[0];
  }
  const turns = known ?? acknowledgementSlots(tx, limit, 0, now).reverse();
  turnsOf.set(tx, turns);
  return turns.length >= limit ? turns[turns.length - limit] : undefined;
}

/**
 * When a new ticket's acknowledgement, about to be queued, may go: null for at once (`base`, when a mail queued now
 * is due), else its turn, and why (the queued mail's lastError). A held-back one is recorded on its ticket.
 */
export async function acknowledgementTurn(tx: Tx, deps: AckThrottleDeps, ticketId: number, to: string, base: Date, now: Date): Promise<{ dueAt: Date; why: string } | null> {
  const limit = deps.ackLimit;
  if (!limit) return null;
  const windowMs = deps.automaticCap.windowMs;
  // A customer the desk knows (who wrote before, authorised, of a registered company) is no forged address: a mass
  // outage's customers are told at once. Their acknowledgements still take turns: the mail server's volume is one.
  const known = requesterKnown(tx, ticketId);
  const before = known ? undefined : turnLimitBefore(tx, limit, base);
  const due = before === undefined ? base.getTime() : Math.max(base.getTime(), before + windowMs);
  const turns = turnsOf.get(tx);
  if (turns) {
    turns.push(due);
    if (turns.length > limit) turns.shift();
  }
  if (due <= base.getTime()) return null;
  const dueAt = new Date(due);
  const windowMinutes = Math.round(windowMs / 60_000);
  const why = `${ACKS_THROTTLED}: ACK_LIMIT ${limit} per AUTO_MAIL_WINDOW_MINUTES ${windowMinutes}; due ${dueAt.toISOString()}`;
  // Before this ticket's own event is written: the first held back since a window is the one that tells.
  const last = lastThrottledAt(tx);
  if (last === null || last.getTime() < now.getTime() - windowMs) {
    deps.log?.warn(
      { code: 'ACKS_THROTTLED', limit, windowMinutes, dueAt: dueAt.toISOString() },
      `${why}: a run of new tickets from many senders (forged From addresses in a spam run, or a mass outage); every acknowledgement is queued, those past the limit go out as the window has room (ventanilla outbox list: their lines say when)`,
    );
  }
  await addTicketEvent(tx, { ticketId, type: NOTICE_THROTTLED, actor: 'system', detail: `acknowledgement to ${to}: ${why}`, at: now });
  return { dueAt, why };
}

/**
 * A person's mail to the customer (an agent's answer, a status's notice) goes at once: the acknowledgement still
 * held back for the ticket would come after it, saying the request was received. It is cancelled instead (kept
 * in the outbox as `cancelled`, never sent), and the ticket says so.
 */
export async function withdrawHeldAcknowledgement(tx: Tx, ticketId: number, notice: string, now: Date): Promise<void> {
  const reason = `not sent: held back by ACK_LIMIT, and the ticket was answered (${notice}) before it could go`;
  if (cancelQueuedMail(tx, `ack:${ticketId}`, reason, ACKS_THROTTLED)?.cancelled) {
    await addTicketEvent(tx, { ticketId, type: 'notice_cancelled', actor: 'system', detail: `acknowledgement: ${reason}`, at: now });
  }
}
