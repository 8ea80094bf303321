import { inTransaction } from '../store/database.js';
import { loadTicketState, ticketsOnHoldFor } from '../store/lifecycle-repo.js';
import { finishRelease, markReleaseTicket, recordRelease, releaseTicketDone, releaseTicketsToDo, ticketsSolvedBy, unfinishedRelease, unfinishedReleases, type ReleaseRecord } from '../store/release-repo.js';
import type { ActionContext } from './agent-actions.js';
import { applyChange } from './transitions.js';

const RELEASE_BODY = {
  es: (ref: string) => `La corrección ${ref} del producto ya está disponible.`,
  pt: (ref: string) => `A correção ${ref} do produto já está disponível.`,
  en: (ref: string) => `The product fix ${ref} has been released.`,
};

/**
 * A product issue was released: every ticket on hold for it is solved and its customer told. The release is
 * recorded first, with those tickets; a command killed before it was done left it unfinished, and the same
 * command run again finishes that one (`resumedFrom`: when it was recorded) instead of starting another.
 */
export async function releaseProductIssue(ctx: ActionContext, input: { issueRef: string; actor: string; now: Date }): Promise<{ solved: number[]; resumedFrom?: Date }> {
  const { release, resumed } = await inTransaction(ctx.db, async (tx) => {
    const unfinished = await unfinishedRelease(tx, input.issueRef);
    if (unfinished) return { release: unfinished, resumed: true };
    const ticketIds = await ticketsOnHoldFor(tx, input.issueRef);
    if (ticketIds.length === 0) return { release: null, resumed: false };
    return { release: await recordRelease(tx, { issueRef: input.issueRef, actor: input.actor, releasedAt: input.now, ticketIds }), resumed: false };
  });
  if (!release) return { solved: [] };
  await carryOutRelease(ctx, release, input.now);
  const solved = await ticketsSolvedBy(ctx.db, release.id);
  return resumed ? { solved, resumedFrom: release.releasedAt } : { solved };
}

/** The scheduler's job: finishes the releases a killed command left unfinished (the daemon, `scheduler run-once`). */
export async function finishUnfinishedReleases(ctx: ActionContext, now: Date): Promise<{ solved?: number }> {
  let solved = 0;
  for (const release of await unfinishedReleases(ctx.db)) solved += await carryOutRelease(ctx, release, now);
  return solved > 0 ? { solved } : {};
}

/**
 * Solves each ticket of the release not done yet, each in its own transaction that marks it done: a ticket is
 * solved, and its customer told, once, whichever process (the command, a daemon) gets to it. How many it solved.
 */
async function carryOutRelease(ctx: ActionContext, release: ReleaseRecord, now: Date): Promise<number> {
  let solved = 0;
  for (const id of await releaseTicketsToDo(ctx.db, release.id)) {
    await inTransaction(ctx.db, async (tx) => {
      if (await releaseTicketDone(tx, release.id, id)) return;
      const ticket = await loadTicketState(tx, { id });
      // An agent may have moved it since the release was recorded: then it is not this release's to solve.
      const onHold = ticket !== null && ticket.status === 'on_hold' && ticket.productIssueRef === release.issueRef;
      if (ticket && onHold) {
        await applyChange(tx, ctx.lifecycle, ticket, {
          to: 'solved',
          now,
          actor: release.actor,
          event: 'product_issue_released',
          detail: release.issueRef,
          // One key per release and ticket: a ticket put on hold for the same issue again (the fix failed) and
          // released again is told again.
          notice: { notice: 'solved', idempotencyKey: `release:${release.id}:${id}`, autoSubmitted: null, body: (locale) => RELEASE_BODY[locale](release.issueRef), issueRef: release.issueRef },
        });
        solved++;
      }
      await markReleaseTicket(tx, release.id, id, onHold ? 'solved' : 'moved', now);
    });
  }
  await finishRelease(ctx.db, release.id, now);
  return solved;
}
