import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { pickLocale, type Locale } from '../outbound/locale.js';
import { bodyKey, ensureBody, type BulletinRow } from '../store/bulletin-repo.js';
import type { Tx } from '../store/database.js';
import type { BulletinVariant } from './bulletin-file.js';
import { decodeList } from './countries.js';
import type { BulletinDeps } from './deps.js';
import { unsubscribeMailto, unsubscribeToken, unsubscribeUrl } from './links.js';
import { readerFill } from './render.js';

// What one reader's mail of a bulletin carries of its own: the language (the body and Subject shared by the readers
// of that language), the List-Unsubscribe links and the footer's values (their address, the countries they follow).
// Built from the subscriber row when the mail is queued: by the first send, and again by a resume (resume.ts), so a
// mail taken back by a cancel and sent days later shows the reader as they are then, not as they were.

/** A subscriber as the mail needs them (Subscriber's columns). */
export interface Reader {
  id: number;
  email: string;
  locale: string | null;
  countries: string;
}

/** The outbox row's per-reader columns. */
export interface ReaderParts {
  subject: string;
  bodyId: number;
  headers: string;
  fill: string;
}

export interface ReaderMails {
  /** The reader's language when the bulletin has it, else the bulletin's own. */
  localeOf(r: Reader): Locale;
  /** The reader's mail in that language; each language's body is stored (OutboxBody) and rendered once. */
  partsFor(r: Reader, locale: Locale): Promise<ReaderParts>;
}

/** One bulletin's readers' mails, in the caller's transaction; `now`: the unsubscribe links' issue time. */
export function readerMails(tx: Tx, deps: BulletinDeps, bulletin: BulletinRow, now: Date): ReaderMails {
  const variants = JSON.parse(bulletin.variants) as Partial<Record<Locale, BulletinVariant>>;
  const fallback = bulletin.defaultLocale as Locale;
  // Per language: the shared body and the Subject (bulletin.subject.hbs, what the preview shows).
  const bodies = new Map<Locale, { bodyId: number; subject: string }>();
  const { address, name, listId } = deps.config;
  const bodyOf = async (locale: Locale) => {
    let body = bodies.get(locale);
    if (body === undefined) {
      const variant = variants[locale] as BulletinVariant;
      const ctx = { listName: name, countries: decodeList(bulletin.countries) };
      const bodyId = await ensureBody(tx, bodyKey(bulletin.id, locale), () => deps.renderer.renderBulletin(variant, locale, ctx));
      body = { bodyId, subject: deps.renderer.bulletinSubject(variant, locale, ctx) };
      bodies.set(locale, body);
    }
    return body;
  };
  return {
    localeOf(r) {
      const wanted = pickLocale({ locale: r.locale, country: decodeList(r.countries)[0] ?? null });
      return variants[wanted] ? wanted : fallback;
    },
    async partsFor(r, locale) {
      const { bodyId, subject } = await bodyOf(locale);
      const token = unsubscribeToken(deps.links.secret, { s: r.id, b: bulletin.id }, now);
      const url = unsubscribeUrl(deps.links, token);
      const headers = {
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
      };
      // Every reader follows at least one of the bulletin's countries (audienceWhere): never an empty list.
      const fill = readerFill({ email: r.email, countries: decodeList(r.countries) }, locale, url);
      // The values of the body's placeholders (renderBulletin, readerFill).
      return { subject, bodyId, headers: JSON.stringify(headers), fill: JSON.stringify(fill) };
    },
  };
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
