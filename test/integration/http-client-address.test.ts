import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import '../../src/http/routes.js';
import { createTestApp, type TestApp } from '../support/app.js';

// The address logged with a refused link (someone trying tokens) is the client's: X-Forwarded-For is believed
// only from a reverse proxy on this machine or a private network, not from anyone who writes the header.

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => app?.dispose());

async function loggedAddressOf(remoteAddress: string, forwardedFor: string): Promise<unknown> {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, new Writable({ write: (line, _enc, done) => done(void lines.push(JSON.parse(String(line)))) }));
  const server = await buildServer({ ...app, log });
  await server.inject({ url: '/survey?t=forged.token', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });
  await server.close();
  return lines.find((l) => l.msg === 'survey link refused: nothing stored')?.ip;
}

describe('the client address in the log', () => {
  it('is the connection\'s when a client on the internet sends X-Forwarded-For', async () => {
    expect(await loggedAddressOf('203.0.113.9', '198.51.100.77')).toBe('203.0.113.9');
  });
  it('is the forwarded one behind a reverse proxy on this machine or a private network', async () => {
    expect(await loggedAddressOf('127.0.0.1', '198.51.100.77')).toBe('198.51.100.77');
    expect(await loggedAddressOf('10.0.0.5', '198.51.100.77')).toBe('198.51.100.77');
  });
});
