import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import type { App } from '../app.js';
import { answerClientError, answerFailure, answerNotFound } from './error-answers.js';
import { everyAnswerHeaders, PAGE_CSP } from './page-reply.js';
import { learnBoundPort, publicUrl } from './public-url.js';

/** A feature's routes (surveys, unsubscribe, ...): registered on the one HTTP server `ventanilla start` runs. */
export type RouteModule = (server: FastifyInstance, app: App) => void | Promise<void>;

const routeModules: RouteModule[] = [];

/**
 * The most a request may take to arrive whole. Fastify's default is no limit: a client that sends a POST's
 * headers and then a body that never ends held its connection open for ever, and enough of them exhaust the
 * daemon's file descriptors (IMAP, SMTP and SQLite share them). Node then answers 408 (error-answers.ts).
 * The largest body taken (64 KiB) arrives in a few seconds even on a poor mobile link.
 */
const REQUEST_TIMEOUT_MS = 30_000;
/** How often Node looks for such requests (its default, 30 s, could double the wait). */
const TIMEOUT_CHECK_MS = 5_000;

/** How long a request may take to arrive, and how often that is looked at: shorter in a test, not to wait 30 s. */
export interface RequestWaits {
  timeoutMs: number;
  checkEveryMs: number;
}

/** Features call this at import time; src/http/routes.ts imports them all. */
export function registerRoutes(module: RouteModule): void {
  routeModules.push(module);
}

/**
 * The public HTTP side: small pages reached from links in mail, and a health endpoint. No scripts or
 * resources from outside; every page escapes what it shows.
 */
export async function buildServer(app: App, waits: RequestWaits = { timeoutMs: REQUEST_TIMEOUT_MS, checkEveryMs: TIMEOUT_CHECK_MS }): Promise<FastifyInstance> {
  // X-Forwarded-For is believed from a reverse proxy on this machine or a private network only: with `true`,
  // anyone could write the address logged with a refused link (someone trying tokens).
  const server = Fastify({
    logger: false,
    trustProxy: 'loopback,linklocal,uniquelocal',
    bodyLimit: 64 * 1024,
    requestTimeout: waits.timeoutMs,
    // Node's headersTimeout (60 s) may not exceed requestTimeout: when it did, a request whose headers had
    // arrived was never timed out at all.
    http: { headersTimeout: waits.timeoutMs, connectionsCheckingInterval: waits.checkEveryMs },
    // An address that is not valid percent-encoding ("/survey/%zz"): Fastify's answer repeats it, token and all.
    frameworkErrors: answerFailure(app),
    // HEAD on every GET route, as RFC 9110 9.3.2 asks: the GET's status and header fields, no body. It runs the
    // GET's handler, which is safe because no GET changes anything (link scanners open every link of a mail).
    // No route turns it off (exposeHeadRoute: false): a HEAD of /kb/solved would then reach /kb/:slug ("no
    // article") and of /survey get a 404, and link checkers would call the mail's links broken.
    exposeHeadRoutes: true,
    clientErrorHandler: answerClientError(app),
  });
  await server.register(formbody);
  const everyAnswer = everyAnswerHeaders(publicUrl(app));
  server.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(everyAnswer);
    // A page that needs more (a knowledge-base article's pictures) sets its own.
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html') && !reply.hasHeader('Content-Security-Policy')) reply.header('Content-Security-Policy', PAGE_CSP);
    return payload;
  });
  // HTTP_PORT 0: the links of mail built from now on name the port the system gave (public-url.ts).
  server.addHook('onListen', async () => {
    const bound = server.server.address();
    if (bound !== null && typeof bound === 'object') learnBoundPort(app.config.env, bound.port);
  });
  server.setErrorHandler(answerFailure(app));
  server.setNotFoundHandler(answerNotFound(app));
  server.get('/health', async () => {
    await app.db.$queryRawUnsafe('SELECT 1');
    return { status: 'ok', time: new Date().toISOString() };
  });
  for (const module of routeModules) await module(server, app);
  return server;
}
