import type { Tx } from './database.js';
import { dateOf, sqlOf } from './sql.js';

/** An escalation mail the lead's AUTO_MAIL_LIMIT held back, with what the digest says of its ticket now. */
export interface HeldEscalation {
  id: number;
  recipients: string[];
  ticketNumber: number;
  subject: string;
  status: string;
  level: number;
  kind: 'warning' | 'breach';
  dueAt: Date;
}

export function holdEscalation(tx: Tx, held: { recipients: string[]; ticketId: number; level: number; kind: 'warning' | 'breach'; dueAt: Date; heldAt: Date }): void {
  sqlOf(tx).run(
    'INSERT INTO "HeldEscalation" ("recipients", "ticketId", "level", "kind", "dueAt", "heldAt") VALUES (?, ?, ?, ?, ?, ?)',
    JSON.stringify(held.recipients), held.ticketId, held.level, held.kind, held.dueAt, held.heldAt,
  );
}

/** True while escalations held for exactly these recipients (a digest's group) wait for their digest. */
export function hasHeldFor(tx: Tx, recipients: string[]): boolean {
  return sqlOf(tx).get('SELECT 1 FROM "HeldEscalation" WHERE "recipients" = ? LIMIT 1', JSON.stringify(recipients)) !== undefined;
}

/** Every held escalation, oldest first (a burst's: tens, at most AUTO_MAIL_LIMIT's complement of an outage). */
export function heldEscalations(tx: Tx): HeldEscalation[] {
  const rows = sqlOf(tx).all<{ id: number; recipients: string; number: number; subject: string; status: string; level: number; kind: 'warning' | 'breach'; dueAt: string }>(
    `SELECT h."id", h."recipients", t."number", t."subject", t."status", h."level", h."kind", h."dueAt"
     FROM "HeldEscalation" h JOIN "Ticket" t ON t."id" = h."ticketId" ORDER BY h."id"`,
  );
  return rows.map((r) => ({ id: r.id, recipients: JSON.parse(r.recipients) as string[], ticketNumber: r.number, subject: r.subject, status: r.status, level: r.level, kind: r.kind, dueAt: dateOf(r.dueAt) as Date }));
}

export function forgetHeld(tx: Tx, ids: number[]): void {
  const sql = sqlOf(tx);
  for (const id of ids) sql.run('DELETE FROM "HeldEscalation" WHERE "id" = ?', id);
}
