import { domainOf } from '../domain/thread-refs.js';
import {
  bulletinsToWorkOn,
  finishBulletin,
  insertDeliveries,
  latestNextSlot,
  nextRecipients,
  outstandingMails,
  sendingBulletins,
  setNextSlot,
  startBulletin,
  type BulletinMail,
  type BulletinRow,
} from '../store/bulletin-repo.js';
import { markedLeft } from '../store/bulletin-resume-repo.js';
import { inTransaction, type Tx } from '../store/database.js';
import { suppressedAmong } from '../store/suppression-repo.js';
import type { BulletinDeps } from './deps.js';
import { bulletinMessageId } from './links.js';
import { readerMails } from './reader-mail.js';
import { requeueResumed } from './resume.js';

// The scheduler's bulletin-send job. At send_at a bulletin starts; each run then puts the next subscribers'
// mails into the outbox, in batches, each batch one transaction with its delivery rows (unique per
// bulletin and subscriber). The rate limit (BULLETIN_RATE_PER_MINUTE) is the mails' due times: each mail
// gets the next free slot, and only the slots of the next LOOKAHEAD are queued, so an unsubscribe or a
// cancel takes effect within that time, and a restart after hours down does not send the backlog at once.

const BATCH = 500;
const LOOKAHEAD_MS = 30_000;

export interface SendReport {
  [counter: string]: number;
  started: number;
  queued: number;
  skipped: number;
  finished: number;
}

/** What a run did; like the other jobs, counters that stayed at 0 are left out ({} when nothing was due). */
export async function runBulletinSends(deps: BulletinDeps, now: Date): Promise<Record<string, number>> {
  const report = await sendDue(deps, now);
  return Object.fromEntries(Object.entries(report).filter(([, n]) => n > 0));
}

async function sendDue(deps: BulletinDeps, now: Date): Promise<SendReport> {
  const report: SendReport = { started: 0, queued: 0, skipped: 0, finished: 0 };
  for (const bulletin of await bulletinsToWorkOn(deps.db, now)) {
    if (bulletin.status === 'scheduled') {
      if (!(await inTransaction(deps.db, (tx) => startBulletin(tx, bulletin.id, now, new Date())))) continue;
      report.started++;
      deps.log.info({ bulletin: bulletin.id, title: bulletin.title }, 'bulletin sending started');
    }
    if ((await queueDue(deps, bulletin.id, now, report)) && (await finishIfAllLeft(deps, bulletin.id, now))) report.finished++;
  }
  return report;
}

/**
 * After the outbox drain: a bulletin whose last mails that run sent is marked sent (with its finish time) at once.
 * Left to the next bulletin-send run, which comes before the drain, `bulletin status` said "sending" for a run
 * more (up to 10 s in the daemon, and until the next `scheduler run-once`), and its live bar kept waiting.
 */
export async function finishSentBulletins(deps: BulletinDeps, now: Date): Promise<number> {
  let finished = 0;
  for (const bulletin of await sendingBulletins(deps.db)) {
    const everyoneQueued = (await nextRecipients(deps.db, bulletin, 1)).length === 0 && (bulletin.cancelledAt === null || (await markedLeft(deps.db, bulletin.id)) === 0);
    if (everyoneQueued && (await finishIfAllLeft(deps, bulletin.id, now))) finished++;
  }
  return finished;
}

/** Every subscriber has a delivery: sent once no mail of it is waiting in the outbox. */
async function finishIfAllLeft(deps: BulletinDeps, bulletinId: number, now: Date): Promise<boolean> {
  if ((await outstandingMails(deps.db, bulletinId)) > 0) return false;
  if (!(await inTransaction(deps.db, (tx) => finishBulletin(tx, bulletinId, now)))) return false;
  deps.log.info({ bulletin: bulletinId }, 'bulletin sent');
  return true;
}

/** Queues batches until the lookahead is full or every subscriber has a delivery; true in the latter case. */
async function queueDue(deps: BulletinDeps, bulletinId: number, now: Date, report: SendReport): Promise<boolean> {
  const interval = 60_000 / deps.config.ratePerMinute;
  for (;;) {
    const step = await inTransaction(deps.db, async (tx) => {
      const bulletin = await tx.bulletin.findUnique({ where: { id: bulletinId } });
      if (!bulletin || bulletin.status !== 'sending') return 'stopped' as const;
      // Slots run on the wall clock (like the outbox's retries), whatever `scheduler run-once --now` says. One
      // chain of slots for every bulletin being sent: two sent at once went at twice BULLETIN_RATE_PER_MINUTE.
      const wall = Date.now();
      const slot = Math.max((await latestNextSlot(tx))?.getTime() ?? wall, wall);
      const room = Math.floor((wall + LOOKAHEAD_MS - slot) / interval) + 1;
      if (room <= 0) return 'later' as const;
      const want = Math.min(BATCH, room);
      // Resumed after a cancel (its cancelledAt stays): the mails it took back first, then the readers never queued.
      const resumed = bulletin.cancelledAt === null ? null : await requeueResumed(tx, deps, bulletin, want, { now, slot, interval }, report);
      if (resumed && resumed.processed > 0) {
        await setNextSlot(tx, bulletin.id, new Date(resumed.slot));
        return 'more' as const;
      }
      const recipients = await nextRecipients(tx, bulletin, want);
      if (recipients.length === 0) return 'all' as const;
      const next = await queueBatch(tx, deps, bulletin, recipients, { now, slot, interval }, report);
      await setNextSlot(tx, bulletin.id, new Date(next));
      return recipients.length < want ? ('all' as const) : ('more' as const);
    });
    if (step !== 'more') return step === 'all';
  }
}

type Recipient = Awaited<ReturnType<typeof nextRecipients>>[number];

async function queueBatch(
  tx: Tx,
  deps: BulletinDeps,
  bulletin: BulletinRow,
  recipients: Recipient[],
  at: { now: Date; slot: number; interval: number },
  report: SendReport,
): Promise<number> {
  const readers = readerMails(tx, deps, bulletin, at.now);
  const blocked = await suppressedAmong(tx, recipients.map((r) => r.email), at.now);
  const { address, name } = deps.config;
  const from = `"${name.replace(/["\\\r\n]/g, '')}" <${address}>`;
  const domain = domainOf(address);
  let slot = at.slot;
  const mails: BulletinMail[] = [];
  for (const r of recipients) {
    const locale = readers.localeOf(r);
    if (blocked.has(r.email)) {
      mails.push({ subscriberId: r.id, email: r.email, locale, outbox: null, detail: 'suppressed (bounces)' });
      report.skipped++;
      continue;
    }
    const parts = await readers.partsFor(r, locale);
    mails.push({
      subscriberId: r.id,
      email: r.email,
      locale,
      detail: null,
      outbox: {
        ...parts,
        idempotencyKey: `bulletin:${bulletin.id}:${r.id}`,
        template: 'bulletin',
        fromAddress: from,
        toList: JSON.stringify([r.email]),
        messageId: bulletinMessageId(deps.links.secret, bulletin.id, r.id, domain),
        nextAttemptAt: new Date(slot),
        primaryTo: r.email,
      },
    });
    slot += at.interval;
    report.queued++;
  }
  await insertDeliveries(tx, bulletin.id, mails, at.now);
  return slot;
}
