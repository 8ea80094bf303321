// The bulletin links on the public HTTP server (src/http/server.ts):
//   GET  /bulletins/unsubscribe?t=<token>  a page that asks (link scanners open links: a GET changes nothing)
//   POST /bulletins/unsubscribe?t=<token>  unsubscribes at once: RFC 8058 one-click (List-Unsubscribe-Post),
//                                          sent by Gmail, Outlook... with the body List-Unsubscribe=One-Click
//   GET  /bulletins/confirm?t=<token>      a page that asks to confirm a subscription asked for by mail
//   POST /bulletins/confirm?t=<token>      confirms it
// Pages are in the subscriber's language; a bad or expired token gets a page in the browser's language.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { acceptAnyBody, localeFromAcceptLanguage, sendPage, thisPageWith } from '../http/page-reply.js';
import { registerRoutes } from '../http/server.js';
import { pickLocale, type Locale } from '../outbound/locale.js';
import { inTransaction } from '../store/database.js';
import { subscriberById, type SubscriberRow } from '../store/subscriber-repo.js';
import { countryNames, decodeList } from './countries.js';
import { readConfirmToken, readUnsubscribeToken } from './links.js';
import { renderBulletinPage, type PageKind } from './pages.js';
import { confirmSubscription, unsubscribeByToken } from './subscription.js';

const token = (request: FastifyRequest): string => {
  const t = (request.query as { t?: unknown }).t;
  return typeof t === 'string' ? t : '';
};

const localeOf = (s: SubscriberRow): Locale => pickLocale({ locale: s.locale, country: decodeList(s.countries)[0] ?? null });

function page(app: App, reply: FastifyReply, status: number, locale: Locale, kind: PageKind, v: { email?: string; countries?: string; action?: string } = {}): FastifyReply {
  const body = renderBulletinPage(locale, kind, { email: v.email ?? '', list: app.config.bulletins.name, countries: v.countries ?? '', address: app.config.bulletins.address, action: v.action });
  return sendPage(reply, status, body);
}

function invalid(app: App, request: FastifyRequest, reply: FastifyReply, kind: 'invalid' | 'confirm_invalid' = 'invalid'): FastifyReply {
  app.log.warn({ path: request.url.split('?')[0], ip: request.ip }, 'bulletin link refused: bad or expired token');
  return page(app, reply, 400, localeFromAcceptLanguage(request.headers['accept-language']), kind);
}

function routes(scope: FastifyInstance, app: App): void {
  // Any body of a one-click POST is accepted and ignored: the token in the URL is all that counts.
  acceptAnyBody(scope);

  scope.get('/bulletins/unsubscribe', async (request, reply) => {
    const payload = readUnsubscribeToken(app.config.secretKey, token(request), app.now());
    const subscriber = payload ? await subscriberById(app.db, payload.s) : null;
    if (!subscriber) return invalid(app, request, reply);
    const kind = subscriber.status === 'unsubscribed' ? 'already_unsubscribed' : 'unsubscribe_ask';
    return page(app, reply, 200, localeOf(subscriber), kind, { email: subscriber.email, action: thisPageWith(token(request)) });
  });

  scope.post('/bulletins/unsubscribe', async (request, reply) => {
    const payload = readUnsubscribeToken(app.config.secretKey, token(request), app.now());
    if (!payload) return invalid(app, request, reply);
    const { subscriber, changed } = await inTransaction(app.db, (tx) => unsubscribeByToken(tx, payload, 'one_click', app.now()));
    if (!subscriber) return invalid(app, request, reply);
    if (changed) app.log.info({ subscriber: subscriber.id, bulletin: payload.b ?? null }, 'unsubscribed (one-click)');
    return page(app, reply, 200, localeOf(subscriber), 'unsubscribed', { email: subscriber.email });
  });

  scope.get('/bulletins/confirm', async (request, reply) => {
    const payload = readConfirmToken(app.config.secretKey, token(request), app.now());
    const subscriber = payload ? await subscriberById(app.db, payload.s) : null;
    if (!payload || !subscriber) return invalid(app, request, reply, 'confirm_invalid');
    const locale = localeOf(subscriber);
    const countries = countryNames(decodeList(payload.c), locale);
    const done = subscriber.status === 'active' && subscriber.countries === payload.c;
    return page(app, reply, 200, locale, done ? 'confirmed' : 'confirm_ask', { email: subscriber.email, countries, action: thisPageWith(token(request)) });
  });

  scope.post('/bulletins/confirm', async (request, reply) => {
    const payload = readConfirmToken(app.config.secretKey, token(request), app.now());
    if (!payload) return invalid(app, request, reply, 'confirm_invalid');
    const subscriber = await inTransaction(app.db, (tx) => confirmSubscription(tx, payload, app.now()));
    if (!subscriber) return invalid(app, request, reply, 'confirm_invalid');
    app.log.info({ subscriber: subscriber.id, countries: payload.c }, 'bulletin subscription confirmed');
    const locale = localeOf(subscriber);
    return page(app, reply, 200, locale, 'confirmed', { email: subscriber.email, countries: countryNames(decodeList(payload.c), locale) });
  });
}

registerRoutes(async (server, app) => {
  // In a scope of its own: the catch-all body parser above applies to these routes only.
  await server.register(async (scope) => routes(scope, app));
});
