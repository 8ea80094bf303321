import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import '../../src/http/routes.js';
import { createTestApp, type TestApp } from '../support/app.js';

// What the public HTTP server answers when a route fails: the operator finds the error in the log; the
// person at the browser (or whoever probes the server) learns nothing of the database or the code.

let app: TestApp;
const logged: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => app?.dispose());

async function serverWithFailingRoute() {
  const log = pino({ level: 'info' }, new Writable({ write: (line, _enc, done) => done(void logged.push(JSON.parse(String(line)))) }));
  const server = await buildServer({ ...app, log });
  // What a Prisma or SQLite failure says: table names, the file's path.
  server.get('/fails', async () => {
    throw Object.assign(new Error('SQLITE_IOERR: disk I/O error reading /srv/ventanilla/data/ventanilla.db table "SurveyRequest"'), { code: 'SQLITE_IOERR' });
  });
  return server;
}

describe('a route that fails', () => {
  it('answers 500 without the error\'s text or code, and logs the error with the request\'s path (not its token)', async () => {
    const server = await serverWithFailingRoute();
    const response = await server.inject({ method: 'GET', url: '/fails?t=secret-token' });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/SQLITE|srv|SurveyRequest|secret-token/);
    expect(response.headers['cache-control']).toBe('no-store');
    const entry = logged.find((e) => e.msg === 'HTTP request failed');
    expect(entry).toMatchObject({ level: 50, method: 'GET', path: '/fails', err: { code: 'SQLITE_IOERR' } });
    expect(JSON.stringify(entry)).not.toContain('secret-token');
    await server.close();
  });

  it('a client\'s mistake (a body too large) keeps its 4xx, answered with a page, not Fastify\'s code (more in http-client-errors)', async () => {
    const server = await serverWithFailingRoute();
    const response = await server.inject({ method: 'POST', url: '/survey?t=x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `comment=${'x'.repeat(70_000)}` });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).not.toContain('FST_ERR_CTP_BODY_TOO_LARGE');
    await server.close();
  });

  it('an unknown path or method answers 404 without repeating the address (its token) back, and not cached', async () => {
    const server = await serverWithFailingRoute();
    for (const request of [{ method: 'GET', url: '/survey/?t=secret-token' }, { method: 'PUT', url: '/survey?t=secret-token' }] as const) {
      const response = await server.inject(request);
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('secret-token');
      expect(response.headers['cache-control']).toBe('no-store');
    }
    await server.close();
  });
});
