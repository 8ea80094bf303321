import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Locale } from '../outbound/locale.js';

// What the public pages behind links in mail (surveys, unsubscribe) share in how they answer.

/** Every answer's: no type sniffing, no referrer sent on, no framing by another site. */
const SECURITY_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' } as const;

/**
 * RFC 6797: a browser that got this over https uses https only for this host for a year, so a link typed or
 * rewritten as http:// is never sent in the clear (its token, a form's answer). No includeSubDomains (the
 * domain's other hosts are not the desk's to decide) and no preload (a list browsers ship, slow to leave).
 */
const HSTS = 'max-age=31536000';

/**
 * The fields of every answer of a server whose links are `publicUrl`: SECURITY_HEADERS, and HSTS when the
 * links are https. Decided by PUBLIC_URL, not by the request: behind the TLS proxy every request is http. A
 * browser ignores HSTS received over http (RFC 6797 8.1): a request that reaches the daemon directly is not hurt.
 */
export function everyAnswerHeaders(publicUrl: string): Record<string, string> {
  return publicUrl.startsWith('https:') ? { ...SECURITY_HEADERS, 'Strict-Transport-Security': HSTS } : { ...SECURITY_HEADERS };
}

/** An HTML page's: no scripts, and nothing loaded from elsewhere. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** All that sendPage and the server's onSend hook give a page: for one sent without that hook (a bad address) or written on the socket. */
export const HTML_PAGE_HEADERS = { ...SECURITY_HEADERS, 'Content-Security-Policy': PAGE_CSP, 'Cache-Control': 'no-store', 'Content-Type': 'text/html; charset=utf-8' } as const;

/** A page that names a person: never cached by a browser or a proxy. */
export function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(body);
}

/** The page language for someone we cannot identify (a broken link): their browser's Accept-Language. */
export function localeFromAcceptLanguage(header: string | undefined): Locale {
  // By the weights the browser gives (RFC 9110 12.5.4), the first listed first among equals; q=0 is "not this
  // one", and an entry whose weight is unreadable counts for nothing.
  const ranked = (header ?? '')
    .split(',')
    .map((part, index) => {
      const [range, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)).find(Boolean);
      const weight = params.some((p) => /^\s*q\s*=/i.test(p)) ? Number(q?.[1] ?? NaN) : 1;
      return { tag: range?.trim().toLowerCase().split('-')[0], weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((r) => r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { tag } of ranked) if (tag === 'es' || tag === 'pt' || tag === 'en') return tag;
  return 'es';
}

/**
 * The page's own URL with this token, for its form and its redirect: relative (only the query), because
 * PUBLIC_URL may have a path that a reverse proxy takes off (https://example.com/soporte/survey reaches the
 * server as /survey); "/survey?t=..." would leave that path and miss the server.
 */
export const thisPageWith = (token: string): string => `?t=${token}`;

/**
 * RFC 8058 one-click: the mail provider POSTs `List-Unsubscribe=One-Click`, as a form, as multipart, as
 * text/plain or with no body at all; the token in the URL is all that counts. Call it in a scope of the
 * unsubscribe routes only (server.register), so that other routes keep refusing bodies they do not read.
 */
export function acceptAnyBody(scope: FastifyInstance): void {
  // The built-in JSON parser would answer 400 to a "Content-Type: application/json" POST whose body is no JSON.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_request, _body, done) => done(null, {}));
  // A Content-Type that is empty or no media type ("form-urlencoded") is refused (415) before any parser,
  // and the person stayed subscribed: the body is never read here, so its stated type is dropped.
  scope.addHook('onRequest', async (request) => {
    delete request.headers['content-type'];
  });
}
