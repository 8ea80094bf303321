import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
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
  const server = Fastify({ logger: false, trustProxy: true, bodyLimit: 64 * 1024 });
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
  server.get('/health', async () => {
    await app.db.$queryRawUnsafe('SELECT 1');
    return { status: 'ok', time: new Date().toISOString() };
  });
  for (const module of routeModules) await module(server, app);
  return server;
}
