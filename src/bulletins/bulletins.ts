import { deskTime } from '../domain/desk-time.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { isLocale, type Locale } from '../outbound/locale.js';
import { fillBody } from '../outbound/shared-body.js';
import { audienceCount, bulletinById, cancelBulletin, createBulletin, deliveryCounts, sameBulletin, type BulletinRow } from '../store/bulletin-repo.js';
import { inTransaction } from '../store/database.js';
import type { BulletinDraft, BulletinVariant } from './bulletin-file.js';
import { decodeList, encodeList } from './countries.js';
import type { BulletinDeps } from './deps.js';
import { readerFill, type RenderedParts } from './render.js';

// Bulletin use cases behind `ventanilla bulletin ...`: schedule, preview, status, cancel.

/**
 * Stores a bulletin to be sent. The same content (title, countries, topics, every language's text) again
 * while the first one is scheduled, sending or sent is refused: scheduling one file twice would mail every
 * reader twice. So is it after the first was cancelled halfway: the readers its mails reached would get it again. The send time is not compared, since a file without send_at gets a new one each time.
 * `again`: a deliberate resend.
 */
export async function scheduleBulletin(deps: BulletinDeps, draft: BulletinDraft, now: Date, opts: { again?: boolean } = {}): Promise<{ bulletin: BulletinRow; audience: number }> {
  const content = { title: draft.title, countries: encodeList(draft.countries), topics: encodeList(draft.topics), variants: JSON.stringify(draft.variants) };
  const bulletin = await inTransaction(deps.db, async (tx) => {
    const same = opts.again ? null : await sameBulletin(tx, content);
    if (same?.status === 'cancelled') {
      throw new VentanillaError(
        ErrorCode.TRANSITION_REFUSED,
        `Bulletin ${same.id} has the same title, countries and text and was cancelled after ${same.sentMails} of its mails had left: scheduled again, it goes to those readers a second time. To send it to the readers it missed, \`ventanilla bulletin resume ${same.id}\`; to everyone anyway, use --again.`,
      );
    }
    if (same) {
      throw new VentanillaError(
        ErrorCode.TRANSITION_REFUSED,
        `Bulletin ${same.id} has the same title, countries and text and is ${same.status} (send_at ${deskTime(same.sendAt, deps.timeZone)}): not scheduled again. To send it a second time, use --again.`,
      );
    }
    return createBulletin(tx, { ...content, defaultLocale: draft.defaultLocale, sourceFile: draft.sourceFile, sendAt: draft.sendAt, now });
  });
  return { bulletin, audience: await audienceCount(deps.db, bulletin) };
}

/** The mail as a reader of `locale` gets it (the bulletin's own language when it has no such variant). */
export function previewDraft(deps: BulletinDeps, draft: BulletinDraft, locale?: Locale): RenderedParts & { locale: Locale } {
  const chosen = locale && draft.variants[locale] ? locale : draft.defaultLocale;
  const variant = draft.variants[chosen] as BulletinVariant;
  const parts = deps.renderer.renderBulletin(variant, chosen, { listName: deps.config.name, countries: draft.countries });
  // The sample reader follows the bulletin's countries.
  const fill = readerFill({ email: 'lectora@example.com', countries: draft.countries }, chosen, `${deps.links.baseUrl}/bulletins/unsubscribe?t=PREVIEW`);
  return { locale: chosen, subject: parts.subject, text: fillBody(parts.text, fill, false), html: fillBody(parts.html, fill, true) };
}

/** A stored bulletin as a draft again (preview by id). */
export function draftOf(b: BulletinRow): BulletinDraft {
  return {
    title: b.title,
    countries: decodeList(b.countries),
    topics: decodeList(b.topics),
    defaultLocale: isLocale(b.defaultLocale) ? b.defaultLocale : 'es',
    sendAt: b.sendAt,
    variants: JSON.parse(b.variants) as BulletinDraft['variants'],
    sourceFile: b.sourceFile,
  };
}

export interface BulletinStatus {
  id: number;
  title: string;
  status: string;
  countries: string[];
  sendAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The 100% of the progress bar: subscribers meant when sending started (or now, before it starts). */
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  cancelled: number;
  /** Not yet sent: in the outbox or not queued yet. */
  pending: number;
}

export async function bulletinStatus(deps: BulletinDeps, id: number): Promise<BulletinStatus> {
  const b = await bulletinById(deps.db, id);
  if (!b) throw new VentanillaError(ErrorCode.NOT_FOUND, `No bulletin ${id}; see \`ventanilla bulletin list\`.`);
  const counts = await deliveryCounts(deps.db, id);
  const n = (k: string) => counts[k] ?? 0;
  const delivered = Object.values(counts).reduce((a, v) => a + v, 0);
  const audience = b.status === 'scheduled' ? await audienceCount(deps.db, b) : b.audience;
  const done = n('sent') + n('failed') + n('skipped') + n('cancelled');
  const total = b.status === 'sending' || b.status === 'scheduled' ? Math.max(audience, delivered) : delivered;
  return {
    id: b.id,
    title: b.title,
    status: b.status,
    countries: decodeList(b.countries),
    sendAt: b.sendAt.toISOString(),
    startedAt: b.startedAt?.toISOString() ?? null,
    finishedAt: b.finishedAt?.toISOString() ?? null,
    total,
    sent: n('sent'),
    failed: n('failed'),
    skipped: n('skipped'),
    cancelled: n('cancelled'),
    pending: Math.max(0, total - done),
  };
}

/** `already`: it was cancelled before (nothing to do); a sent bulletin cannot be. */
export async function cancelBulletinById(deps: BulletinDeps, id: number, now: Date): Promise<{ mailsTakenBack: number; already: boolean }> {
  const b = await bulletinById(deps.db, id);
  if (!b) throw new VentanillaError(ErrorCode.NOT_FOUND, `No bulletin ${id}; see \`ventanilla bulletin list\`.`);
  const result = await inTransaction(deps.db, (tx) => cancelBulletin(tx, id, now));
  if (result.cancelled) return { mailsTakenBack: result.mailsTakenBack, already: false };
  // Read again: a run may have finished it, or another cancel cancelled it, since it was read above.
  const status = (await bulletinById(deps.db, id))?.status ?? b.status;
  if (status === 'cancelled') return { mailsTakenBack: 0, already: true };
  throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, `Bulletin ${id} is ${status}: only a scheduled or sending bulletin can be cancelled.`);
}
