import { createHash } from 'node:crypto';
import type { TicketStatus } from '../domain/ticket-status.js';
import type { Db, Tx } from '../store/database.js';
import { operationRecordedSince } from '../store/tickets-repo.js';

// An agent's command run again as it was: `tickets reply` or `tickets set` killed after its transaction committed,
// before its mail left (a closed terminal, a reboot). Its event keeps what it asked, hashed: the same command
// within SAME_COMMAND_WITHIN_MS finds it and records nothing twice, and the caller sends what is still queued.

/** Soon or the next morning: within this, the same command is the one run before, not a second mail to the customer. */
export const SAME_COMMAND_WITHIN_MS = 24 * 3_600_000;

export interface ReplyOperation {
  ticketId: number;
  actor: string;
  body: string;
  status?: TicketStatus;
  issueRef?: string | null;
  internal?: boolean;
  attachments: Array<{ filename: string; content: Buffer }>;
}

/** What `tickets reply` asks, hashed: the same ticket, agent, words, status, issue and files make the same key. */
export function replyOperationKey(op: ReplyOperation): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([op.ticketId, op.actor, op.body, op.status ?? null, op.issueRef ?? null, op.internal === true]));
  for (const file of op.attachments) hash.update(`\0${file.filename}\0${createHash('sha256').update(file.content).digest('hex')}`);
  return `reply:${hash.digest('hex')}`;
}

/** What `tickets set` asks: the same ticket, agent, status and issue. */
export function setOperationKey(op: { ticketId: number; actor: string; status: TicketStatus; issueRef?: string | null }): string {
  return `set:${createHash('sha256').update(JSON.stringify([op.ticketId, op.actor, op.status, op.issueRef ?? null])).digest('hex')}`;
}

/** When the same command was recorded on the ticket within SAME_COMMAND_WITHIN_MS before `now`; null: it was not. */
export function sameCommandRecordedAt(handle: Db | Tx, ticketId: number, key: string, now: Date): Date | null {
  return operationRecordedSince(handle, ticketId, key, new Date(now.getTime() - SAME_COMMAND_WITHIN_MS));
}
