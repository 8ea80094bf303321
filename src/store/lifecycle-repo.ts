import type { ClockFields, ClockState, TimerFields } from '../lifecycle/clocks.js';
import { isTicketStatus, TICKET_STATUSES } from '../domain/ticket-status.js';
import type { Db, Tx } from './database.js';
import { dateOf, placeholders, sqlOf, type SqlValue } from './sql.js';

export interface TicketState extends ClockState {
  id: number;
  number: number;
  productIssueRef: string | null;
  pendingSince: Date | null;
  reminderSentAt: Date | null;
  solvedAt: Date | null;
  timerDueAt: Date | null;
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
}

const STATE_SELECT = `SELECT t."id", t."number", t."status", t."priority", COALESCE(o."slaPlan", 'standard') AS "slaPlan", t."slaElapsedHours", t."slaRunningSince",
  t."firstRespondedAt", t."slaWarnedFor", t."escalationLevel", t."productIssueRef", t."pendingSince", t."reminderSentAt", t."solvedAt", t."timerDueAt",
  t."firstResponseDueAt", t."resolutionDueAt"
  FROM "Ticket" t JOIN "Contact" c ON c."id" = t."requesterId" LEFT JOIN "Organisation" o ON o."id" = c."organisationId"`;

type StateRow = Record<keyof TicketState, unknown>;

function toState(t: StateRow): TicketState {
  const status = String(t.status);
  return {
    id: Number(t.id),
    number: Number(t.number),
    status: isTicketStatus(status) ? status : 'open',
    priority: String(t.priority),
    slaPlan: String(t.slaPlan),
    slaElapsedHours: Number(t.slaElapsedHours),
    slaRunningSince: dateOf(t.slaRunningSince),
    firstRespondedAt: dateOf(t.firstRespondedAt),
    slaWarnedFor: (t.slaWarnedFor as string | null) ?? null,
    escalationLevel: Number(t.escalationLevel),
    productIssueRef: (t.productIssueRef as string | null) ?? null,
    pendingSince: dateOf(t.pendingSince),
    reminderSentAt: dateOf(t.reminderSentAt),
    solvedAt: dateOf(t.solvedAt),
    timerDueAt: dateOf(t.timerDueAt),
    firstResponseDueAt: dateOf(t.firstResponseDueAt),
    resolutionDueAt: dateOf(t.resolutionDueAt),
  };
}

// Direct SQL (store/sql.ts): every scheduler tick runs these once per due ticket, ingest once per mail.

export async function loadTicketState(tx: Tx | Db, where: { id: number } | { number: number }): Promise<TicketState | null> {
  const row = 'id' in where ? sqlOf(tx).get<StateRow>(`${STATE_SELECT} WHERE t."id" = ?`, where.id) : sqlOf(tx).get<StateRow>(`${STATE_SELECT} WHERE t."number" = ?`, where.number);
  return row ? toState(row) : null;
}

/** Several tickets' states in one query (a scheduler batch), in the order of `ids`; missing ones are left out. */
export async function loadTicketStates(tx: Tx | Db, ids: number[]): Promise<TicketState[]> {
  if (ids.length === 0) return [];
  const rows = sqlOf(tx).all<StateRow>(`${STATE_SELECT} WHERE t."id" IN (${placeholders(ids.length)})`, ...ids).map(toState);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export type TicketStateUpdate = Partial<ClockFields> &
  Partial<TimerFields> & { status?: string; statusChangedAt?: Date; productIssueRef?: string | null; updatedAt?: Date };

/** The columns saveTicketState may write (the keys of TicketStateUpdate; anything else is a programming error). */
const STATE_COLUMNS = new Set([
  'slaElapsedHours', 'slaRunningSince', 'firstRespondedAt', 'firstResponseDueAt', 'resolutionDueAt', 'slaWarnedFor', 'escalationLevel', 'slaNextCheckAt',
  'pendingSince', 'reminderSentAt', 'solvedAt', 'closedAt', 'timerDueAt', 'status', 'statusChangedAt', 'productIssueRef', 'updatedAt',
]);

export async function saveTicketState(tx: Tx, ticketId: number, data: TicketStateUpdate): Promise<void> {
  const entries = Object.entries(data).filter(([, v]) => v !== undefined);
  for (const [key] of entries) if (!STATE_COLUMNS.has(key)) throw new Error(`saveTicketState: unknown column ${key}`);
  // Ticket.updatedAt is Prisma's @updatedAt: Prisma sets it on every update, so this does too.
  if (!('updatedAt' in data) || data.updatedAt === undefined) entries.push(['updatedAt', new Date()]);
  const assignments = entries.map(([key]) => `"${key}" = ?`).join(', ');
  sqlOf(tx).run(`UPDATE "Ticket" SET ${assignments} WHERE "id" = ?`, ...(entries.map(([, v]) => v) as SqlValue[]), ticketId);
}

/** The ticket's last change of status: which event made it, and from what (null: it never changed). */
export async function lastStatusChange(tx: Tx, ticketId: number): Promise<{ type: string; fromStatus: string | null } | null> {
  return sqlOf(tx).get<{ type: string; fromStatus: string | null }>(
    'SELECT "type", "fromStatus" FROM "TicketEvent" WHERE "ticketId" = ? AND "toStatus" IS NOT NULL AND "fromStatus" IS NOT "toStatus" ORDER BY "id" DESC LIMIT 1',
    ticketId,
  ) ?? null;
}

/**
 * The status events recorded on the ticket after the `too_large` note of the raw mail `rawSha256` (its detail names
 * the kept copy: ingest/stages/too-large.ts), oldest first, with when that note was made; null when it has none.
 */
export async function statusEventsSinceTooLargeNote(
  tx: Tx,
  ticketId: number,
  rawSha256: string,
): Promise<{ notedAt: Date; events: Array<{ type: string; fromStatus: string | null; toStatus: string; at: Date }> } | null> {
  const note = sqlOf(tx).get<{ id: number; createdAt: unknown }>(
    'SELECT "id", "createdAt" FROM "TicketEvent" WHERE "ticketId" = ? AND "type" = \'too_large\' AND instr("detail", ?) > 0 ORDER BY "id" DESC LIMIT 1',
    ticketId, `kept as ${rawSha256}`,
  );
  if (!note) return null;
  const rows = sqlOf(tx).all<{ type: string; fromStatus: string | null; toStatus: string; createdAt: unknown }>(
    'SELECT "type", "fromStatus", "toStatus", "createdAt" FROM "TicketEvent" WHERE "ticketId" = ? AND "id" > ? AND "toStatus" IS NOT NULL ORDER BY "id"',
    ticketId, note.id,
  );
  return { notedAt: dateOf(note.createdAt) as Date, events: rows.map((r) => ({ type: r.type, fromStatus: r.fromStatus, toStatus: r.toStatus, at: dateOf(r.createdAt) as Date })) };
}

/** Ids of tickets whose lifecycle timer is due (indexed on timerDueAt). */
export async function ticketsWithTimerDue(db: Db, now: Date, limit: number): Promise<number[]> {
  return sqlOf(db).all<{ id: number }>('SELECT "id" FROM "Ticket" WHERE "timerDueAt" <= ? ORDER BY "timerDueAt" LIMIT ?', now, limit).map((r) => r.id);
}

/** Ids of tickets whose SLA needs a look (indexed on slaNextCheckAt). */
export async function ticketsWithSlaCheckDue(db: Db, now: Date, limit: number): Promise<number[]> {
  return sqlOf(db).all<{ id: number }>('SELECT "id" FROM "Ticket" WHERE "slaNextCheckAt" <= ? ORDER BY "slaNextCheckAt" LIMIT ?', now, limit).map((r) => r.id);
}

/** Ids of the tickets whose SLA clock runs and whose requester belongs to the organisation (its plan times them). */
export async function runningTicketsOfOrganisation(tx: Tx, organisationId: number): Promise<number[]> {
  const rows = sqlOf(tx).all<{ id: number }>(
    'SELECT t."id" FROM "Ticket" t JOIN "Contact" c ON c."id" = t."requesterId" WHERE c."organisationId" = ? AND t."slaRunningSince" IS NOT NULL',
    organisationId,
  );
  return rows.map((r) => r.id);
}

/**
 * By the index on (status, productIssueRef), a search per status: by the reference alone SQLite read every ticket in
 * number's order, all of them for a reference no ticket had (`product-issue release` with a typo, or run twice).
 */
export const TICKETS_OF_ISSUE_SQL = `SELECT "number" FROM "Ticket"
  WHERE "status" IN (${TICKET_STATUSES.map((status) => `'${status}'`).join(', ')}) AND "productIssueRef" = ? ORDER BY "number" LIMIT ?`;

/** Numbers of the tickets ever put on hold for the issue (a ticket keeps its last one), the first `limit`. */
export async function ticketNumbersOfIssue(db: Db, issueRef: string, limit: number): Promise<number[]> {
  return sqlOf(db).all<{ number: number }>(TICKETS_OF_ISSUE_SQL, issueRef, limit).map((r) => r.number);
}

export async function ticketsOnHoldFor(db: Db | Tx, issueRef: string): Promise<number[]> {
  const rows = await db.ticket.findMany({ where: { status: 'on_hold', productIssueRef: issueRef }, select: { id: true }, orderBy: { number: 'asc' } });
  return rows.map((r) => r.id);
}
