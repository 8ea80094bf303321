import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { unsubscribeToken } from '../../src/bulletins/links.js';
import { addSubscriber } from '../../src/bulletins/subscribers.js';
import { buildServer } from '../../src/http/server.js';
import '../../src/http/routes.js';
import { optOutToken } from '../../src/surveys/links.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { freePort } from '../support/ports.js';

// What a person, a mail client's one-click or a bot sees when the request itself is wrong: a body too large,
// a content type no route reads, a body that is not what its type says, an address that is not valid
// percent-encoding or too long to read. Fastify and Node answer those themselves, in JSON with their internal
// codes, some repeating the address and its token; the gateway answers them as its other errors: a short page
// in the visitor's language, not cached, that repeats nothing of the request. The one-click POSTs of mail
// providers (RFC 8058) still work, as Gmail (a form) and Yahoo (multipart) send them.

const TOKEN = 'secret-token';
const PORTUGUESE = { 'accept-language': 'pt-PT,pt;q=0.9,en;q=0.5' };
let app: TestApp;
let server: FastifyInstance;
let base: string;
let port: number;
let log: Logger;
const logged: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  app = await createTestApp();
  log = pino({ level: 'info' }, new Writable({ write: (line, _enc, done) => done(void logged.push(JSON.parse(String(line)))) }));
  server = await buildServer({ ...app, log });
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await server.listen({ port, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
  await app?.dispose();
});
beforeEach(() => {
  logged.length = 0;
});

/** A multipart body, as a browser or Yahoo's one-click sends it. */
function multipart(fields: Record<string, string>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return form;
}

/** Bytes written to the server as they are, for what fetch refuses to send; the whole answer. */
function rawExchange(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let answer = '';
    socket.on('data', (chunk) => (answer += String(chunk)));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** An answer read off the socket as fetch would give it. */
function rawPage(answer: string, status: number): { status: number; html: string; headers: Headers } {
  const [head, html] = answer.split('\r\n\r\n') as [string, string];
  return { status, html, headers: new Headers(head.split('\r\n').slice(1).map((line) => line.split(/: (.*)/s).slice(0, 2) as [string, string])) };
}

/** The page of a request the gateway could not read, as a person sees it: no code, no echo, no cache. */
function expectRefusalPage(page: { status: number; html: string; headers: Headers }, status: number, locale: 'es' | 'pt' | 'en') {
  const heading = { es: 'No pudimos leer esta solicitud', pt: 'Não conseguimos ler este pedido', en: 'We could not read this request' }[locale];
  expect(page.status).toBe(status);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  expect(page.html).toContain(`<html lang="${locale}"`);
  expect(page.html).toContain(`<h1>${heading}</h1>`);
  expect(page.html).toContain('soporte@example.test');
  expect(page.html).not.toMatch(/FST_|HPE_|statusCode|secret-token|%zz|content-type|JSON|Payload|Media Type/i);
}

async function fetchPage(path: string, init: RequestInit = {}) {
  const response = await fetch(base + path, init);
  return { status: response.status, html: await response.text(), headers: response.headers };
}

const logOfRefusal = () => logged.filter((e) => e.msg === 'HTTP request refused');

describe('a request the gateway cannot read', () => {
  const cases: Array<{ name: string; path: string; init: RequestInit; status: number }> = [
    { name: 'a survey form too large', path: `/survey?t=${TOKEN}`, status: 413, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `comment=${'x'.repeat(70_000)}` } },
    { name: 'a one-click body too large', path: `/bulletins/unsubscribe?t=${TOKEN}`, status: 413, init: { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(70_000) } },
    { name: 'a survey answer as XML', path: `/survey?t=${TOKEN}`, status: 415, init: { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<answer>good</answer>' } },
    { name: 'a survey answer as multipart', path: `/survey?t=${TOKEN}`, status: 415, init: { method: 'POST', body: multipart({ answer: 'good' }) } },
    { name: 'a JSON survey answer that is no JSON', path: `/survey?t=${TOKEN}`, status: 400, init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{answer' } },
    { name: 'an empty JSON survey answer', path: `/survey?t=${TOKEN}`, status: 400, init: { method: 'POST', headers: { 'content-type': 'application/json' } } },
    { name: 'an address that is not valid percent-encoding', path: `/survey/%zz?t=${TOKEN}`, status: 400, init: {} },
  ];
  for (const { name, path, init, status } of cases) {
    it(`${name}: ${status}, a short page in the visitor's language, logged without the token`, async () => {
      const page = await fetchPage(path, { ...init, headers: { ...(init.headers as Record<string, string>), ...PORTUGUESE } });
      expectRefusalPage(page, status, 'pt');
      expect(logOfRefusal()).toEqual([expect.objectContaining({ level: 30, status, path: path.split('?')[0] })]);
      expect(JSON.stringify(logged)).not.toContain(TOKEN);
    });
  }

  it('the page is in Spanish without Accept-Language, in English for an English browser', async () => {
    const xml = { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' };
    expectRefusalPage(await fetchPage(`/survey?t=${TOKEN}`, xml), 415, 'es');
    expectRefusalPage(await fetchPage(`/survey?t=${TOKEN}`, { ...xml, headers: { ...xml.headers, 'accept-language': 'en-US,en;q=0.9' } }), 415, 'en');
  });

  it('an address too long to read (431) gets the page in Spanish (no header can be read), logged without the token', async () => {
    expectRefusalPage(await fetchPage(`/survey?t=${TOKEN}${'a'.repeat(20_000)}`, { headers: PORTUGUESE }), 431, 'es');
    expect(logOfRefusal()).toEqual([expect.objectContaining({ level: 30, status: 431 })]);
    expect(JSON.stringify(logged)).not.toContain(TOKEN);
  });

  it('a request whose body stops coming is answered 408 and closed, not held open for ever (each one a connection of the daemon)', async () => {
    // The daemon's server gives a request 30 s to arrive whole, and so does Node to its headers (a longer wait for the
    // headers, Node's 60 s default, left a request whose headers had arrived never timed out at all).
    expect([server.server.requestTimeout, server.server.headersTimeout]).toEqual([30_000, 30_000]);
    // The same server with 2 s, looked at every 0.5 s, not to wait half a minute here.
    const hurried = await buildServer({ ...app, log }, { timeoutMs: 2_000, checkEveryMs: 500 });
    const hurriedPort = await freePort();
    await hurried.listen({ port: hurriedPort, host: '127.0.0.1' });
    const started = Date.now();
    // The headers of a one-click POST, then 3 of the 1000 bytes announced, then nothing: a slow-body attack.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(hurriedPort, '127.0.0.1', () => socket.write(`POST /bulletins/unsubscribe?t=${TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nabc`));
      let received = '';
      socket.on('data', (chunk) => (received += String(chunk)));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      // Still open after 20 s: held for ever (the test ends it rather than wait).
      setTimeout(() => socket.destroy(), 20_000).unref();
    }).finally(() => hurried.close());
    expect(answer, `after ${Date.now() - started} ms`).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expectRefusalPage(rawPage(answer, 408), 408, 'es');
    expect(logOfRefusal()).toContainEqual(expect.objectContaining({ level: 30, status: 408 }));
    expect(JSON.stringify(logged)).not.toContain(TOKEN);
  });

  it('a request that is not HTTP gets a 400 page, not JSON', async () => {
    const answer = await rawExchange('GARBAGE secret-token\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const page = rawPage(answer, 400);
    expectRefusalPage(page, 400, 'es');
    expect(Buffer.byteLength(page.html)).toBe(Number(page.headers.get('content-length')));
  });
});

describe('what is not an error page of its own', () => {
  it('an unknown address, or a method no route takes (PUT, DELETE, OPTIONS, a POST to /health), is the same 404 page', async () => {
    for (const [method, path] of [['GET', '/nothing-here'], ['PUT', '/survey'], ['DELETE', '/bulletins/unsubscribe'], ['OPTIONS', '/survey'], ['POST', '/health']] as const) {
      const page = await fetchPage(`${path}?t=${TOKEN}`, { method, headers: PORTUGUESE });
      expect(page.status, `${method} ${path}`).toBe(404);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.html).toContain('<h1>Não existe nenhuma página neste endereço</h1>');
      expect(page.html).not.toContain(TOKEN);
    }
  });

  it('a GET with a body is read as the GET it is: the link\'s own page', async () => {
    const page = await fetchPage(`/survey/opt-out?t=${TOKEN}`, { method: 'GET', headers: PORTUGUESE });
    const withBody = await rawExchange(`GET /survey/opt-out?t=${TOKEN} HTTP/1.1\r\nHost: x\r\nAccept-Language: pt\r\nContent-Type: application/json\r\nContent-Length: 4\r\nConnection: close\r\n\r\n{bad`);
    expect(withBody).toMatch(/^HTTP\/1\.1 400 /);
    expect(withBody.split('\r\n\r\n')[1]).toBe(page.html);
  });
});

describe('RFC 8058 one-click, as mail providers post it', () => {
  const NOW = new Date();
  const bodies: Array<[string, () => RequestInit]> = [
    ['a form (Gmail)', () => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })],
    ['multipart (Yahoo)', () => ({ body: multipart({ 'List-Unsubscribe': 'One-Click' }) })],
    // "Any body": the token in the URL is all that counts, whatever a client writes of its body's type.
    ['an empty Content-Type', () => ({ headers: { 'content-type': '' }, body: 'List-Unsubscribe=One-Click' })],
    ['a Content-Type that is no media type', () => ({ headers: { 'content-type': 'form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })],
  ];
  for (const [index, [how, body]] of bodies.entries()) {
    it(`${how}: the bulletin's one-click unsubscribes, and the survey opt-out's opts out`, async () => {
      const email = `ana.${index}@cliente.mx`;
      await addSubscriber(app.db, { email, countries: 'MX' }, NOW);
      const subscriber = await app.db.subscriber.findUniqueOrThrow({ where: { email } });
      const contact = await app.db.contact.create({ data: { email } });
      const unsubscribe = await fetch(`${base}/bulletins/unsubscribe?t=${unsubscribeToken(app.config.secretKey, { s: subscriber.id, b: 1 }, NOW)}`, { method: 'POST', ...body() });
      expect(unsubscribe.status).toBe(200);
      expect((await app.db.subscriber.findUniqueOrThrow({ where: { id: subscriber.id } })).status).toBe('unsubscribed');
      const optOut = await fetch(`${base}/survey/opt-out?t=${optOutToken(app.config.secretKey, contact.id, NOW)}`, { method: 'POST', ...body() });
      expect(optOut.status).toBe(200);
      expect((await app.db.contact.findUniqueOrThrow({ where: { id: contact.id } })).surveysOptedOutAt).not.toBeNull();
    });
  }
});
