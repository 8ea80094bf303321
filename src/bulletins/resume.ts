import { ErrorCode, VentanillaError } from '../errors.js';
import { bulletinById, type BulletinRow } from '../store/bulletin-repo.js';
import { copyThatReached, markTakenBack, nextMarked, reopenBulletin, requeueMail, settleMarked, toResendCounts } from '../store/bulletin-resume-repo.js';
import { inTransaction, type Tx } from '../store/database.js';
import { suppressedAmong } from '../store/suppression-repo.js';
import type { BulletinDeps } from './deps.js';
import { readerMails } from './reader-mail.js';

// `bulletin resume <id>`: a bulletin cancelled halfway goes on, to the readers it has not reached. Scheduling the
// file again (--again) mailed everyone a second time. Each reader has one delivery row and, once queued, one outbox
// row: resuming queues again the mails the cancel took back and that can have reached no one, then the readers
// never queued, at the send rate, through the bulletin-send job. Readers who unsubscribed meanwhile, who follow none
// of its countries any more, or whose address is suppressed now, get nothing (src/store/bulletin-resume-repo.ts says
// which mails are taken as missed).

export interface Resumed {
  id: number;
  title: string;
  /** sending again, or scheduled (it was cancelled before it started: it goes at its send_at); sent: resumed before, and done since. */
  status: 'sending' | 'scheduled' | 'sent';
  /** Readers it goes to now, as things are: mails taken back and readers never queued, still subscribed, not suppressed. */
  toResend: number;
  /** Readers it has not reached who get nothing all the same: their address is suppressed now (bounces; skipped). */
  suppressed: number;
  /** It was resumed before (the command run twice, or two at once): nothing changed, exit 0 as `bulletin cancel` of a cancelled one. */
  already: boolean;
}

export async function resumeBulletinById(deps: BulletinDeps, id: number, now: Date): Promise<Resumed> {
  return inTransaction(deps.db, async (tx) => {
    const b = await bulletinById(tx, id);
    if (!b) throw new VentanillaError(ErrorCode.NOT_FOUND, `No bulletin ${id}; see \`ventanilla bulletin list\`.`);
    // Resumed already: a bulletin keeps its cancelledAt when resumed (bulletin-resume-repo.ts reopenBulletin).
    if (b.status !== 'cancelled' && b.cancelledAt !== null && (b.status === 'sending' || b.status === 'scheduled' || b.status === 'sent')) {
      return { id, title: b.title, status: b.status, ...(b.status === 'sending' ? await toResendCounts(tx, b, now) : NONE), already: true };
    }
    if (b.status !== 'cancelled') throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, `Bulletin ${id} is ${b.status}: only a cancelled bulletin can be resumed.`);
    // Sent again since (--again), the readers it missed had it from that one, even if that one was cancelled too.
    const again = await copyThatReached(tx, b);
    if (again) {
      // The copy found may be the earlier one, this bulletin the --again copy of it.
      const copy = again.id > id ? `was scheduled again as bulletin ${again.id} (${again.status})` : `is a copy of bulletin ${again.id} (${again.status}), scheduled before it`;
      throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, `Bulletin ${id} ${copy}: resumed, its readers would get it twice. Not resumed.`);
    }
    await markTakenBack(tx, id);
    const status = await reopenBulletin(tx, b, new Date());
    if (!status) throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, `Bulletin ${id} is no longer cancelled: not resumed.`);
    return { id, title: b.title, status, ...(b.startedAt ? await toResendCounts(tx, b, now) : NONE), already: false };
  });
}

/** Nothing to count: it had not started (it goes at its send_at, to its audience then), or it is done. */
const NONE = { toResend: 0, suppressed: 0 };

/**
 * For the bulletin-send job: queues again up to `limit` of the resumed bulletin's taken-back mails, each at the next
 * send slot. Each is built again for its reader as they are now (reader-mail.ts: language, the countries in the
 * footer): the cancel may be days old, and the reader may have changed their subscription since. A reader who
 * follows none of the bulletin's countries any more gets nothing, as the first send would not have chosen them.
 * `processed`: the deliveries settled (0: none left, go on with the readers never queued).
 */
export async function requeueResumed(
  tx: Tx,
  deps: BulletinDeps,
  b: BulletinRow,
  limit: number,
  at: { now: Date; slot: number; interval: number },
  report: { queued: number; skipped: number },
): Promise<{ processed: number; slot: number }> {
  const marked = await nextMarked(tx, b, limit);
  if (marked.length === 0) return { processed: 0, slot: at.slot };
  const blocked = await suppressedAmong(tx, marked.map((m) => m.email), at.now);
  const readers = readerMails(tx, deps, b, at.now);
  let slot = at.slot;
  for (const m of marked) {
    if (!m.reader) {
      await settleMarked(tx, m.id, 'queued', 'not resumed: no longer subscribed');
      continue;
    }
    const locale = readers.localeOf(m.reader);
    if (blocked.has(m.email)) {
      await settleMarked(tx, m.id, 'skipped', 'suppressed (bounces)', locale);
      report.skipped++;
    } else if (m.outboxMailId !== null && (await requeueMail(tx, m.outboxMailId, await readers.partsFor(m.reader, locale), new Date(slot), at.now))) {
      await settleMarked(tx, m.id, 'queued', 'resumed', locale);
      slot += at.interval;
      report.queued++;
    } else {
      await settleMarked(tx, m.id, 'queued', null);
    }
  }
  return { processed: marked.length, slot };
}
