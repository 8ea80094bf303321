// GET /kb/<slug>: a knowledge-base article as a page (the link in the mail that opens a ticket, for an article
// without a `url` of its own). Its Markdown is the support team's, shown as the bulletins' is: raw HTML as text,
// links http(s) and mailto only.

import type { App } from '../app.js';
import { markdownToHtml } from '../bulletins/markdown.js';
import { localeFromAcceptLanguage, PAGE_CSP, sendPage } from '../http/page-reply.js';
import { renderPage } from '../http/page-template.js';
import { registerRoutes } from '../http/server.js';
import type { Locale } from '../outbound/locale.js';

// The pictures of a how-to ("![El botón](https://...)", kept by markdown.ts) are where the team published
// them: under the pages' policy (images from this server only) the customer saw broken images. The page names
// no one, and no-referrer tells their host nothing of where it was shown.
const ARTICLE_CSP = PAGE_CSP.replace("img-src 'self' data:", "img-src 'self' data: https:");

const STILL_STUCK: Record<Locale, string> = {
  es: '¿No resolvió su duda? Escríbanos a',
  pt: 'Não resolveu a sua dúvida? Escreva-nos para',
  en: 'Still stuck? Write to us at',
};

registerRoutes((server, app: App) => {
  server.get<{ Params: { slug: string } }>('/kb/:slug', async (request, reply) => {
    const article = app.lifecycle.notices.knowledge?.folder.current().articles.find((a) => a.slug === request.params.slug.toLowerCase());
    if (!article) return reply.callNotFound();
    const locale = article.lang ?? localeFromAcceptLanguage(request.headers['accept-language']);
    const page = renderPage('article', {
      locale,
      title: article.title,
      brand: app.config.supportName,
      body: markdownToHtml(article.body),
      contact: STILL_STUCK[locale],
      support: app.config.supportAddress,
    });
    return sendPage(reply.header('Content-Security-Policy', ARTICLE_CSP), 200, page);
  });
});
