// "Don't send me surveys": the link in every survey mail's footer and its List-Unsubscribe header.
//   GET  /survey/opt-out?t=<token>  a page that asks, with one button; records nothing
//   POST /survey/opt-out?t=<token>  opts the contact out of CSAT and NPS mail: the page's button, and RFC 8058
//                                   one-click (List-Unsubscribe-Post), which mail providers POST with the body
//                                   List-Unsubscribe=One-Click
// A GET records nothing: link scanners (Defender Safe Links, Mimecast, Proofpoint...) open every link of a
// mail, as they do the answer links (routes.ts). Opting out twice changes nothing. A token that is not
// genuine, or names no contact, gets the surveys' error page and stores nothing.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { acceptAnyBody, localeFromAcceptLanguage, sendPage, thisPageWith } from '../http/page-reply.js';
import { deskOf } from '../http/page-template.js';
import { registerRoutes } from '../http/server.js';
import { pickLocale } from '../outbound/locale.js';
import { inTransaction } from '../store/database.js';
import { optOutContactById, setSurveysOptOut, type OptOutContact } from '../store/survey-opt-out-repo.js';
import { OPT_OUT_PATH, readOptOutToken } from './links.js';
import { renderErrorPage, renderOptOutPage } from './pages.js';

type Query = { t?: unknown };

/** The contact a genuine, unexpired opt-out token names, or why there is none. */
async function contactOf(app: App, request: FastifyRequest<{ Querystring: Query }>): Promise<{ contact: OptOutContact; token: string } | { why: string }> {
  const token = request.query.t;
  if (typeof token !== 'string' || token === '') return { why: 'no token' };
  const read = readOptOutToken(app.config.secretKey, token, app.now());
  if (!read.ok) return { why: read.reason };
  const contact = await optOutContactById(app.db, read.payload.c);
  return contact ? { contact, token } : { why: 'names no contact' };
}

function refuse(app: App, request: FastifyRequest, reply: FastifyReply, why: string): FastifyReply {
  app.log.warn({ reason: why, ip: request.ip }, 'survey opt-out link refused: nothing stored');
  // An expired link (five years) is shown as not valid: "the time to answer is over" would not fit.
  return sendPage(reply, 400, renderErrorPage(localeFromAcceptLanguage(request.headers['accept-language']), 'invalid', deskOf(app.config), 'opt_out'));
}

function showPage(app: App, reply: FastifyReply, contact: OptOutContact, token: string, done: boolean): FastifyReply {
  return sendPage(reply, 200, renderOptOutPage({ locale: pickLocale(contact), brand: app.config.supportName, email: contact.email, done, action: thisPageWith(token) }));
}

function routes(scope: FastifyInstance, app: App): void {
  // Any body of a one-click POST is accepted and ignored: the token in the URL is all that counts.
  acceptAnyBody(scope);

  scope.get<{ Querystring: Query }>(OPT_OUT_PATH, async (request, reply) => {
    const found = await contactOf(app, request);
    if ('why' in found) return refuse(app, request, reply, found.why);
    return showPage(app, reply, found.contact, found.token, found.contact.surveysOptedOutAt !== null);
  });

  scope.post<{ Querystring: Query }>(OPT_OUT_PATH, async (request, reply) => {
    const found = await contactOf(app, request);
    if ('why' in found) return refuse(app, request, reply, found.why);
    const changed = (await inTransaction(app.db, (tx) => setSurveysOptOut(tx, found.contact.email, app.now()))) === 'changed';
    if (changed) app.log.info({ contact: found.contact.id }, 'opted out of surveys');
    // 200 with the page, no redirect: RFC 8058's POST comes from the mail provider, not a browser.
    return showPage(app, reply, found.contact, found.token, true);
  });
}

registerRoutes(async (server, app) => {
  // In a scope of its own: the catch-all body parser applies to these routes only.
  await server.register(async (scope) => routes(scope, app));
});
