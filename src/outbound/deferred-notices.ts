import type { Logger } from 'pino';
import { isTemporaryFailure } from '../errors.js';
import { inTransaction, type Db, type Tx } from '../store/database.js';
import { deferredNoticesAfter, deleteDeferredNotices, type DeferredNoticeRow } from '../store/deferred-notice-repo.js';
import { loadTicketState } from '../store/lifecycle-repo.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import { noticeFromJson } from './notice-json.js';
import { enqueueNotice, type NoticeDeps, type NoticeRequest } from './notices.js';

// While the daemon records a backlog (inbound-first.ts), an automatic notice (a new ticket's acknowledgement, a
// reopening) is one DeferredNotice row in the transaction that caused it, instead of a rendered mail with its
// checks and ticket message: some ten statements and a render, a fifth of the recording thread's work in a
// burst. Nothing is sent during a backlog anyway. Once the mailbox is caught up, the outbox drain renders what is
// owed here, oldest first, with the checks a notice always has (its idempotency key, the automatic-mail cap at the
// instant it was owed, suppressions) and then sends it. A crash in between loses nothing: the rows are committed
// with their tickets, and the next drain (of this daemon or of `scheduler run-once`) renders them.

const BATCH = 100;

/** Renders every owed notice into the outbox, written at `now`; returns how many rows it settled. */
export async function composeDeferredNotices(db: Db, deps: NoticeDeps, log: Pick<Logger, 'error'>, now?: Date): Promise<number> {
  const inline: NoticeDeps = { ...deps, deferAutomatic: undefined };
  let settled = 0;
  let after = 0;
  for (;;) {
    // Read without a transaction (no write lock): almost every drain finds nothing owed.
    const rows = deferredNoticesAfter(db, after, BATCH);
    if (rows.length === 0) return settled;
    after = (rows.at(-1) as DeferredNoticeRow).id;
    settled += await composeAll(db, inline, rows, log, now);
    if (rows.length < BATCH) return settled;
  }
}

/** One transaction for the batch; if it fails, one each, so that one bad row (logged, kept) holds up no other. */
async function composeAll(db: Db, deps: NoticeDeps, rows: DeferredNoticeRow[], log: Pick<Logger, 'error'>, now: Date | undefined): Promise<number> {
  const compose = (batch: DeferredNoticeRow[]) =>
    inTransaction(db, async (tx) => {
      for (const row of batch) {
        const request = noticeFromJson(row.request);
        // Checked as of when it was owed; its answer-by time told as of now (a daemon stopped in a backlog writes it hours later).
        if (await stillOwed(tx, request)) await enqueueNotice(tx, deps, now && now > request.now ? { ...request, writtenAt: now } : request);
      }
      deleteDeferredNotices(tx, batch.map((row) => row.id));
    });
  try {
    await compose(rows);
    return rows.length;
  } catch (error) {
    // A busy database: the job fails this tick and the next drain tries again.
    if (isTemporaryFailure(error)) throw error;
  }
  let settled = 0;
  for (const row of rows) {
    try {
      await compose([row]);
      settled++;
    } catch (error) {
      if (isTemporaryFailure(error)) throw error;
      log.error({ err: error, ticketId: row.ticketId, notice: row.idempotencyKey }, 'owed notice could not be rendered; kept for the next drain');
    }
  }
  return settled;
}

/**
 * What a notice owed during a backlog may have become false meanwhile, recorded on the ticket instead of sent:
 * a reminder whose pending period ended (the backlog held the customer's answer): "we are still waiting for your
 * reply"; an acknowledgement of a ticket support answered (an agent at work during the backlog): "we received your
 * request" after the answer.
 */
async function stillOwed(tx: Tx, request: NoticeRequest): Promise<boolean> {
  const reminder = request.pendingPeriod !== undefined;
  if (!reminder && request.notice !== 'acknowledgement') return true;
  const ticket = await loadTicketState(tx, { id: request.ticketId });
  if (reminder && ticket?.status === 'pending' && ticket.pendingSince?.toISOString() === request.pendingPeriod) return true;
  if (!reminder && ticket?.firstRespondedAt == null) return true;
  const why = reminder ? 'the pending period it was owed for ended' : 'support answered the ticket';
  await addTicketEvent(tx, { ticketId: request.ticketId, type: 'notice_dropped', actor: 'system', detail: `${request.notice}: ${why} before it could be sent`, at: request.now });
  return false;
}
