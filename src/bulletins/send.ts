import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { domainOf } from '../domain/thread-refs.js';
import { pickLocale, type Locale } from '../outbound/locale.js';
import {
  bulletinsToWorkOn,
  ensureBody,
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
import type { BulletinVariant } from './bulletin-file.js';
import { decodeList } from './countries.js';
import type { BulletinDeps } from './deps.js';
import { bulletinMessageId, unsubscribeMailto, unsubscribeToken, unsubscribeUrl } from './links.js';
import { readerFill } from './render.js';
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
      const resumed = bulletin.cancelledAt === null ? null : await requeueResumed(tx, bulletin, want, { now, slot, interval }, report);
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
  const variants = JSON.parse(bulletin.variants) as Partial<Record<Locale, BulletinVariant>>;
  const blocked = await suppressedAmong(tx, recipients.map((r) => r.email), at.now);
  // Per language: the shared body and the Subject (bulletin.subject.hbs, what the preview shows).
  const bodies = new Map<Locale, { bodyId: number; subject: string }>();
  const { address, name, listId } = deps.config;
  const from = `"${name.replace(/["\\\r\n]/g, '')}" <${address}>`;
  const domain = domainOf(address);
  let slot = at.slot;
  const mails: BulletinMail[] = [];
  for (const r of recipients) {
    const locale = localeFor(r, variants, bulletin.defaultLocale as Locale);
    if (blocked.has(r.email)) {
      mails.push({ subscriberId: r.id, email: r.email, locale, outbox: null, detail: 'suppressed (bounces)' });
      report.skipped++;
      continue;
    }
    const variant = variants[locale] as BulletinVariant;
    let body = bodies.get(locale);
    if (body === undefined) {
      const ctx = { listName: name, countries: decodeList(bulletin.countries) };
      const bodyId = await ensureBody(tx, `bulletin:${bulletin.id}:${locale}`, () => deps.renderer.renderBulletin(variant, locale, ctx));
      body = { bodyId, subject: deps.renderer.bulletinSubject(variant, locale, ctx) };
      bodies.set(locale, body);
    }
    const token = unsubscribeToken(deps.links.secret, { s: r.id, b: bulletin.id }, at.now);
    const url = unsubscribeUrl(deps.links, token);
    // Every recipient follows at least one of the bulletin's countries (audienceWhere): never an empty list.
    const fill = readerFill({ email: r.email, countries: decodeList(r.countries) }, locale, url);
    mails.push({
      subscriberId: r.id,
      email: r.email,
      locale,
      detail: null,
      outbox: {
        idempotencyKey: `bulletin:${bulletin.id}:${r.id}`,
        template: 'bulletin',
        fromAddress: from,
        toList: JSON.stringify([r.email]),
        subject: body.subject,
        messageId: bulletinMessageId(deps.links.secret, bulletin.id, r.id, domain),
        headers: JSON.stringify({
          replyTo: null,
          extra: {
            // RFC 2369 / RFC 8058: one-click unsubscribe (https, answered by src/bulletins/http-routes.ts) and mailto.
            'List-Unsubscribe': `<${url}>, <${unsubscribeMailto(address, token)}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            'List-Id': listIdHeader(name, listId),
            Precedence: 'bulk',
            'Auto-Submitted': 'auto-generated',
            'X-Auto-Response-Suppress': 'All',
          },
        }),
        bodyId: body.bodyId,
        // The values of the body's placeholders (renderBulletin, readerFill).
        fill: JSON.stringify(fill),
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

/** The reader's language when the bulletin has it, else the bulletin's own. */
function localeFor(r: Recipient, variants: Partial<Record<Locale, BulletinVariant>>, fallback: Locale): Locale {
  const wanted = pickLocale({ locale: r.locale, country: decodeList(r.countries)[0] ?? null });
  return variants[wanted] ? wanted : fallback;
}

/** RFC 2047 section 2: an encoded word is at most 75 characters long. */
const ENCODED_WORD_MAX = 75;

/**
 * RFC 2919: `phrase <list-id>`. The phrase is encoded here (RFC 2047) when it is not ASCII, because a
 * mailer encoding the whole value would hide the id inside the encoded word. nodemailer's encoder splits a
 * long name into several encoded words of at most 75 characters, each of whole characters.
 */
export function listIdHeader(name: string, listId: string): string {
  const clean = name.replace(/["\\\r\n<>]/g, '').trim();
  const phrase = /^[\x20-\x7e]*$/.test(clean) ? `"${clean}"` : encodeWord(clean, 'B', ENCODED_WORD_MAX);
  return `${phrase} <${listId}>`;
}
