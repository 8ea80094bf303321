import type { ClockFields, ClockState, TimerFields } from '../lifecycle/clocks.js';
import { isTicketStatus } from '../domain/ticket-status.js';
import type { Db, Tx } from './database.js';

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

export async function loadTicketState(tx: Tx | Db, where: { id: number } | { number: number }): Promise<TicketState | null> {
  const t = await tx.ticket.findUnique({ where, include: { requester: { include: { organisation: { select: { slaPlan: true } } } } } });
  if (!t) return null;
  return {
    id: t.id,
    number: t.number,
    status: isTicketStatus(t.status) ? t.status : 'open',
    priority: t.priority,
    slaPlan: t.requester.organisation?.slaPlan ?? 'standard',
    slaElapsedHours: t.slaElapsedHours,
    slaRunningSince: t.slaRunningSince,
    firstRespondedAt: t.firstRespondedAt,
    slaWarnedFor: t.slaWarnedFor,
    escalationLevel: t.escalationLevel,
    productIssueRef: t.productIssueRef,
    pendingSince: t.pendingSince,
    reminderSentAt: t.reminderSentAt,
    solvedAt: t.solvedAt,
    timerDueAt: t.timerDueAt,
    firstResponseDueAt: t.firstResponseDueAt,
    resolutionDueAt: t.resolutionDueAt,
  };
}

export type TicketStateUpdate = Partial<ClockFields> &
  Partial<TimerFields> & { status?: string; statusChangedAt?: Date; productIssueRef?: string | null; updatedAt?: Date };

export async function saveTicketState(tx: Tx, ticketId: number, data: TicketStateUpdate): Promise<void> {
  await tx.ticket.update({ where: { id: ticketId }, data });
}

/** Ids of tickets whose lifecycle timer is due (indexed on timerDueAt). */
export async function ticketsWithTimerDue(db: Db, now: Date, limit: number): Promise<number[]> {
  const rows = await db.ticket.findMany({ where: { timerDueAt: { lte: now } }, select: { id: true }, orderBy: { timerDueAt: 'asc' }, take: limit });
  return rows.map((r) => r.id);
}

/** Ids of tickets whose SLA needs a look (indexed on slaNextCheckAt). */
export async function ticketsWithSlaCheckDue(db: Db, now: Date, limit: number): Promise<number[]> {
  const rows = await db.ticket.findMany({ where: { slaNextCheckAt: { lte: now } }, select: { id: true }, orderBy: { slaNextCheckAt: 'asc' }, take: limit });
  return rows.map((r) => r.id);
}

export async function ticketsOnHoldFor(db: Db, issueRef: string): Promise<number[]> {
  const rows = await db.ticket.findMany({ where: { status: 'on_hold', productIssueRef: issueRef }, select: { id: true }, orderBy: { number: 'asc' } });
  return rows.map((r) => r.id);
}
