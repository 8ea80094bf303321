import { createSignedMessageId, domainOf } from '../domain/thread-refs.js';
import { pickLocale } from '../outbound/locale.js';
import { mailsOfTemplatesTo } from '../store/access-repo.js';
import type { Tx } from '../store/database.js';
import { insertOutboxMail } from '../store/outbox-repo.js';
import { confirmSubscriber, ensurePendingSubscriber, setPendingCountries, subscriberById, unsubscribe, type SubscriberRow } from '../store/subscriber-repo.js';
import { suppressedAmong } from '../store/suppression-repo.js';
import type { BulletinConfig } from '../config.js';
import { decodeList, encodeList } from './countries.js';
import { confirmToken, confirmUrl, type ConfirmPayload, type LinkSettings, type UnsubscribePayload } from './links.js';
import type { BulletinRenderer, RenderedParts } from './render.js';

// Subscribing by mail is double opt-in: the mail only asks, a link mailed to the address confirms (so no
// one can subscribe someone else). Leaving takes one step: the one-click link, the page, or a reply.

export interface SubscriptionDeps {
  config: BulletinConfig;
  links: LinkSettings;
  renderer: BulletinRenderer;
}

/** At most one confirmation mail per address in this time (a forged request cannot flood someone)... */
const CONFIRMATION_INTERVAL_MS = 60 * 60_000;
/** ...unless a pending request names other countries (the first mail explains how): a few more then. */
const CONFIRMATIONS_WHEN_CHANGED = 3;
/**
 * What each mail counts in that hour. A link counts the links only: the "already subscribed" reply invites
 * "SUSCRIBIR MX AR", and its reader writing so at once must get their link. The reply counts both: none after a link
 * or another reply (counted apart, "SUSCRIBIR AR" then "SUSCRIBIR MX" written with a subscriber's address mailed them
 * twice, and then again). A forged run gets a subscriber at most two mails an hour, a reply then a link.
 */
const COUNTED = { bulletin_confirm: ['bulletin_confirm'], bulletin_subscribed: ['bulletin_confirm', 'bulletin_subscribed'] } as const;

/** What the confirmation explains beyond the link: no country was named, or some words were not understood. */
export interface ConfirmationHint {
  guessed: boolean;
  unknown: string[];
}

/**
 * `reply`: what the mail asked for is a confirmation link, or (a reader already subscribed to every country named)
 * a short mail saying so. A link goes at most once an hour per address (three when a pending request names other
 * countries), a reply at most once an hour and not within the hour after a link; never to a suppressed address.
 */
export type RequestResult = { reply: 'confirmation' | 'already_subscribed'; subscriber: SubscriberRow } & ({ queued: true } | { queued: false; why: 'recently_sent' | 'suppressed' });

export async function requestSubscription(
  tx: Tx,
  deps: SubscriptionDeps,
  req: { email: string; name: string | null; locale: string | null; countries: string[]; hint?: ConfirmationHint; idempotencyKey: string; inReplyTo: string | null; now: Date },
): Promise<RequestResult> {
  const asked = encodeList(req.countries);
  let subscriber = await ensurePendingSubscriber(tx, { email: req.email, name: req.name, locale: req.locale, countries: asked, topics: '' }, req.now);
  const active = subscriber.status === 'active';
  // A reader we know who names no country ("Suscribirme por favor") asks for what she has: a subscriber is told she
  // is subscribed, one whose link waits gets it again for the countries she asked. A new reader's default (the
  // address's country, else every one) sent them a link for countries they never named.
  const kept = req.hint?.guessed === true && subscriber.status !== 'unsubscribed';
  const wanted = kept ? [] : req.countries;
  // A reader who follows México and writes "SUSCRIBIR AR" wants Argentina too: confirming must not drop México.
  const countries = active ? encodeList([...decodeList(subscriber.countries), ...wanted]) : kept ? subscriber.countries : asked;
  // Nothing to confirm: they are told so, rather than left wondering whether the request was lost.
  const reply = active && subscriber.countries === countries ? 'already_subscribed' : 'confirmation';
  if ((await suppressedAmong(tx, [subscriber.email], req.now)).size > 0) return { reply, subscriber, queued: false, why: 'suppressed' };
  const changed = reply === 'confirmation' && subscriber.status === 'pending' && subscriber.countries !== countries;
  const template = reply === 'confirmation' ? 'bulletin_confirm' : 'bulletin_subscribed';
  const recent = await mailsOfTemplatesTo(tx, COUNTED[template], subscriber.email, new Date(req.now.getTime() - CONFIRMATION_INTERVAL_MS));
  if (recent >= (changed ? CONFIRMATIONS_WHEN_CHANGED : 1)) return { reply, subscriber, queued: false, why: 'recently_sent' };
  if (changed) subscriber = await setPendingCountries(tx, subscriber.id, countries);
  const locale = pickLocale({ locale: subscriber.locale ?? req.locale, country: wanted[0] ?? decodeList(countries)[0] ?? null });
  const common = { listName: deps.config.name, countries: decodeList(countries), email: subscriber.email, address: deps.config.address };
  let mail: RenderedParts;
  if (reply === 'already_subscribed') {
    mail = deps.renderer.renderAlreadySubscribed(locale, { ...common, unknown: req.hint?.unknown });
  } else {
    const token = confirmToken(deps.links.secret, { s: subscriber.id, c: countries }, new Date(req.now.getTime() + deps.config.confirmDays * 86_400_000));
    mail = deps.renderer.renderConfirmation(locale, { ...common, confirmUrl: confirmUrl(deps.links, token), days: deps.config.confirmDays, hint: req.hint });
  }
  await insertOutboxMail(tx, {
    idempotencyKey: req.idempotencyKey,
    ticketId: null,
    template,
    fromAddress: `"${deps.config.name.replace(/["\\\r\n]/g, '')}" <${deps.config.address}>`,
    to: [subscriber.email],
    cc: [],
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    // Signed like an access mail ("ticket 0"): a bounce of it is recognised as our own mail.
    messageId: createSignedMessageId(deps.links.secret, 0, domainOf(deps.config.address)),
    headers: {
      inReplyTo: req.inReplyTo,
      references: req.inReplyTo ? [req.inReplyTo] : [],
      replyTo: null,
      extra: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
    },
    attachments: [],
    automatic: true,
    now: req.now,
  });
  return { reply, subscriber, queued: true };
}

/** The confirmation link was used: active, with the countries it names. Null when the subscriber is gone. */
export async function confirmSubscription(tx: Tx, payload: ConfirmPayload, now: Date): Promise<SubscriberRow | null> {
  return confirmSubscriber(tx, payload.s, payload.c, now);
}

/** One-click, the page, or a reply: unsubscribed at once. */
export async function unsubscribeByToken(tx: Tx, payload: UnsubscribePayload, reason: string, now: Date): Promise<{ subscriber: SubscriberRow | null; changed: boolean }> {
  const changed = await unsubscribe(tx, { id: payload.s }, reason, now);
  return { subscriber: await subscriberById(tx, payload.s), changed };
}
