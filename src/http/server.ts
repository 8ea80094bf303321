import formbody from '@fastify/formbody';
import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { App } from '../app.js';

/** A feature's routes (surveys, unsubscribe, ...): registered on the one HTTP server `ventanilla start` runs. */
export type RouteModule = (server: FastifyInstance, app: App) => void | Promise<void>;

const routeModules: RouteModule[] = [];

/** Features call this at import time; src/http/routes.ts imports them all. */
export function registerRoutes(module: RouteModule): void {
  routeModules.push(module);
}

/**
 * The public HTTP side: small pages reached from links in mail, and a health endpoint. No scripts or
 * resources from outside; every page escapes what it shows.
 */
export async function buildServer(app: App): Promise<FastifyInstance> {
  // X-Forwarded-For is believed from a reverse proxy on this machine or a private network only: with `true`,
  // anyone could write the address logged with a refused link (someone trying tokens).
  const server = Fastify({ logger: false, trustProxy: 'loopback,linklocal,uniquelocal', bodyLimit: 64 * 1024 });
  await server.register(formbody);
  server.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    }
    return payload;
  });
  server.setErrorHandler(answerFailure(app));
  // Fastify's own 404 repeats the method and the whole address, a link's token included, to whoever asked.
  server.setNotFoundHandler((_request, reply) =>
    reply.code(404).header('Cache-Control', 'no-store').send({ statusCode: 404, error: 'Not Found', message: 'There is no page at this address.' }),
  );
  server.get('/health', async () => {
    await app.db.$queryRawUnsafe('SELECT 1');
    return { status: 'ok', time: new Date().toISOString() };
  });
  for (const module of routeModules) await module(server, app);
  return server;
}

/**
 * Fastify's own handler logs nothing here (logger: false) and answers a 500 with the error's message and code:
 * a Prisma or SQLite failure would show table names and paths to whoever asked, and the operator would see
 * nothing. A 5xx is logged, with the path but not the query (it holds the link's token), and answered plainly;
 * a client's mistake (4xx: a body too large, a content type no route reads) keeps Fastify's answer.
 */
function answerFailure(app: App) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ statusCode: status, code: error.code, error: STATUS_CODES[status], message: error.message });
    }
    app.log.error({ err: error, method: request.method, path: request.url.split('?')[0] }, 'HTTP request failed');
    return reply.code(500).header('Cache-Control', 'no-store').send({ statusCode: 500, error: 'Internal Server Error', message: 'The server could not answer this request. Try again later.' });
  };
}
