import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { DEFAULT_LOCALE } from '../outbound/locale.js';
import { errorPageKind, renderHttpErrorPage } from './error-page.js';
import { everyAnswerHeaders, HTML_PAGE_HEADERS, localeFromAcceptLanguage } from './page-reply.js';
import { deskOf } from './page-template.js';
import { publicUrl } from './public-url.js';

// How the server answers what no route answers: the page of src/http/error-page.ts, never Fastify's or Node's
// JSON (their internal codes, and for a bad address the address itself, a link's token included). A person
// who clicks a link in a mail, or a mail client whose one-click POST is odd, reads a page in their language.
// The log gets the path, never the query: it holds the link's token.

const pathOf = (request: FastifyRequest): string => request.url.split('?')[0] ?? '';

/** Every header of a page here (HSTS included): the answer to a bad address is sent without the server's onSend hook. */
const errorPageHeaders = (app: App) => ({ ...HTML_PAGE_HEADERS, ...everyAnswerHeaders(publicUrl(app)) });

function sendErrorPage(app: App, request: FastifyRequest, reply: FastifyReply, status: number): FastifyReply {
  const locale = localeFromAcceptLanguage(request.headers['accept-language']);
  return reply.code(status).headers(errorPageHeaders(app)).send(renderHttpErrorPage(locale, errorPageKind(status), deskOf(app.config)));
}

/** Fastify's own 404 repeats the method and the whole address, a link's token included, to whoever asked. */
export function answerNotFound(app: App) {
  return (request: FastifyRequest, reply: FastifyReply) => sendErrorPage(app, request, reply, 404);
}

/**
 * A route's failure, and what Fastify refuses before a route runs (a body too large, a content type no route
 * reads, a body that is not what its type says, an address that is not valid percent-encoding). A client's
 * mistake (4xx) keeps its status and is logged as information: bots and odd mail clients send them, nothing
 * is wrong here. Anything else is ours: logged as an error (a Prisma or SQLite message names tables and paths:
 * the log only) and answered 500.
 */
export function answerFailure(app: App) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      app.log.info({ status, code: error.code, method: request.method, path: pathOf(request), ip: request.ip }, 'HTTP request refused');
      return sendErrorPage(app, request, reply, status);
    }
    app.log.error({ err: error, method: request.method, path: pathOf(request) }, 'HTTP request failed');
    return sendErrorPage(app, request, reply, 500);
  };
}

/**
 * What Node's parser refuses before there is a request (an address too long, bytes that are not HTTP, a
 * request too slow): no header can be read, so the page is in the default language. The error carries the
 * raw bytes read (the address, a token in it): only its code is logged.
 */
export function answerClientError(app: App) {
  return (error: Error & { code?: string }, socket: Duplex) => {
    // A connection reset has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    app.log.info({ status, code: error.code }, 'HTTP request refused');
    if (socket.writable) {
      const body = renderHttpErrorPage(DEFAULT_LOCALE, errorPageKind(status), deskOf(app.config));
      const headers = { ...errorPageHeaders(app), 'Content-Length': Buffer.byteLength(body), Connection: 'close' };
      const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
    }
    socket.destroy(error);
  };
}
