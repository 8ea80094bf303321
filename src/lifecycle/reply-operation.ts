import { createHash } from 'node:crypto';
import type { TicketStatus } from '../domain/ticket-status.js';
import type { Db, Tx } from '../store/database.js';
import { operationRecordedSince } from '../store/tickets-repo.js';

/**
 * How long an agent's answer counts as the one just given when the same command comes again: the agent who ran
 * `tickets reply` and saw it killed (a closed terminal, a reboot) before its mail left runs it again, soon or the
 * next morning. Within this, the same words are that answer, not a second mail to the customer; `--again` sends
 * them once more on purpose.
 */
export const SAME_REPLY_WITHIN_MS = 24 * 3_600_000;

export interface ReplyOperation {
  ticketId: number;
  actor: string;
  body: string;
  status?: TicketStatus;
  issueRef?: string | null;
  internal?: boolean;
  attachments: Array<{ filename: string; content: Buffer }>;
}

/** What the command asks, hashed: the same ticket, agent, words, status, issue and files make the same key. */
export function replyOperationKey(op: ReplyOperation): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([op.ticketId, op.actor, op.body, op.status ?? null, op.issueRef ?? null, op.internal === true]));
  for (const file of op.attachments) hash.update(`\0${file.filename}\0${createHash('sha256').update(file.content).digest('hex')}`);
  return `reply:${hash.digest('hex')}`;
}

/** When the same answer was recorded on the ticket within SAME_REPLY_WITHIN_MS before `now`; null: it was not. */
export function sameReplyRecordedAt(handle: Db | Tx, ticketId: number, key: string, now: Date): Date | null {
  return operationRecordedSince(handle, ticketId, key, new Date(now.getTime() - SAME_REPLY_WITHIN_MS));
}
