import type { Db, Tx } from './database.js';
import { placeholders, sqlOf } from './sql.js';

// Notices owed while a backlog is recorded (outbound/deferred-notices.ts): one row each, in id order.

export interface DeferredNoticeRow {
  id: number;
  ticketId: number;
  idempotencyKey: string;
  request: string;
}

export function insertDeferredNotice(tx: Tx, row: Omit<DeferredNoticeRow, 'id'> & { createdAt: Date }): void {
  sqlOf(tx).run('INSERT INTO "DeferredNotice" ("ticketId", "idempotencyKey", "request", "createdAt") VALUES (?, ?, ?, ?)', row.ticketId, row.idempotencyKey, row.request, row.createdAt);
}

/** The oldest owed notices after `afterId`, at most `limit`. */
export function deferredNoticesAfter(db: Db | Tx, afterId: number, limit: number): DeferredNoticeRow[] {
  return sqlOf(db).all<DeferredNoticeRow>('SELECT "id", "ticketId", "idempotencyKey", "request" FROM "DeferredNotice" WHERE "id" > ? ORDER BY "id" LIMIT ?', afterId, limit);
}

export function deleteDeferredNotices(tx: Tx, ids: number[]): void {
  if (ids.length > 0) sqlOf(tx).run(`DELETE FROM "DeferredNotice" WHERE "id" IN (${placeholders(ids.length)})`, ...ids);
}

export function deferredNoticeCount(db: Db | Tx): number {
  return sqlOf(db).get<{ n: number }>('SELECT count(*) AS "n" FROM "DeferredNotice"')?.n ?? 0;
}
