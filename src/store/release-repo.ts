import type { Db, Tx } from './database.js';

// Product issue releases (lifecycle/product-issue-release.ts): the release and its tickets recorded first, then
// each ticket's row marked in the transaction that solves it, so a release killed mid-way is finished, not redone.

export interface ReleaseRecord {
  id: number;
  issueRef: string;
  actor: string;
  releasedAt: Date;
}

const RELEASE = { id: true, issueRef: true, actor: true, releasedAt: true } as const;

/** The release of this issue that a killed command left unfinished, if any. */
export function unfinishedRelease(tx: Tx, issueRef: string): Promise<ReleaseRecord | null> {
  return tx.productIssueRelease.findFirst({ where: { issueRef, finishedAt: null }, orderBy: { id: 'asc' }, select: RELEASE });
}

export function unfinishedReleases(db: Db): Promise<ReleaseRecord[]> {
  return db.productIssueRelease.findMany({ where: { finishedAt: null }, orderBy: { id: 'asc' }, select: RELEASE });
}

export function recordRelease(tx: Tx, release: Omit<ReleaseRecord, 'id'> & { ticketIds: number[] }): Promise<ReleaseRecord> {
  const { ticketIds, ...data } = release;
  return tx.productIssueRelease.create({ data: { ...data, tickets: { create: ticketIds.map((ticketId) => ({ ticketId })) } }, select: RELEASE });
}

/** The release's tickets not done yet, oldest first. */
export async function releaseTicketsToDo(db: Db, releaseId: number): Promise<number[]> {
  const rows = await db.productIssueReleaseTicket.findMany({ where: { releaseId, outcome: null }, select: { ticketId: true }, orderBy: { ticketId: 'asc' } });
  return rows.map((r) => r.ticketId);
}

/** Whether the ticket's part of the release is done (by this process, or by another meanwhile). */
export async function releaseTicketDone(tx: Tx, releaseId: number, ticketId: number): Promise<boolean> {
  const row = await tx.productIssueReleaseTicket.findUnique({ where: { releaseId_ticketId: { releaseId, ticketId } }, select: { outcome: true } });
  return row?.outcome != null;
}

export async function markReleaseTicket(tx: Tx, releaseId: number, ticketId: number, outcome: 'solved' | 'moved', at: Date): Promise<void> {
  await tx.productIssueReleaseTicket.update({ where: { releaseId_ticketId: { releaseId, ticketId } }, data: { outcome, doneAt: at } });
}

export async function finishRelease(db: Db, releaseId: number, at: Date): Promise<void> {
  await db.productIssueRelease.updateMany({ where: { id: releaseId, finishedAt: null }, data: { finishedAt: at } });
}

/** The numbers of the tickets the release solved, whoever carried it out. */
export async function ticketsSolvedBy(db: Db, releaseId: number): Promise<number[]> {
  const rows = await db.productIssueReleaseTicket.findMany({ where: { releaseId, outcome: 'solved' }, select: { ticket: { select: { number: true } } } });
  return rows.map((r) => r.ticket.number).sort((a, b) => a - b);
}
