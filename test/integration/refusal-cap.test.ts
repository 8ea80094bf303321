// Backscatter: a spam run with a forged From address in each mail (no spam headers) under UNKNOWN_SENDER_POLICY=reject
// made one refusal per address; the per-address limits never applied. REFUSAL_LIMIT caps them all per window.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { SURVEYS_OFF, mail } from '../support/app.js';

let app: App;
let dataDir: string;
let clock = new Date('2026-11-24T16:00:00Z');
const logged: Array<{ level: number; msg: string }> = [];
afterEach(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string>) {
  dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-test-'));
  clock = new Date('2026-11-24T16:00:00Z');
  logged.length = 0;
  const sink = new Writable({ write: (chunk, _enc, done) => void (logged.push(JSON.parse(String(chunk))), done()) });
  const config = loadConfig({ DATA_DIR: dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789', ...SURVEYS_OFF, ...env }, { dotenv: false });
  app = await createApp({ config, log: pino({ level: 'warn' }, sink), now: () => clock });
}

let n = 0;
const forged = () => app.pipeline.ingest(mail({ headers: { From: `victima${++n}@dominio${n}.example`, Subject: 'Oferta' } }), { source: 'file', sourceRef: 'test' });
const refusals = () => app.db.outboxMail.count({ where: { template: 'access_denied' } });
const capWarnings = () => logged.filter((l) => l.msg.startsWith('refusals capped'));
const minutes = (m: number) => (clock = new Date(clock.getTime() + m * 60_000));

describe('REFUSAL_LIMIT: refusals to all senders together per AUTO_MAIL_WINDOW_MINUTES', () => {
  it('past the limit a refusal is recorded but not sent, and the administrators are told once per window', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject', REFUSAL_LIMIT: '3', AUTO_MAIL_WINDOW_MINUTES: '60' });
    const results = [];
    for (let i = 0; i < 6; i++) {
      results.push(await forged());
      minutes(1);
    }
    // Nothing lost: every mail has its outcome; only the first three were answered.
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('rejected'));
    expect(await refusals()).toBe(3);
    const logs = await app.db.inboundLog.findMany({ orderBy: { id: 'asc' } });
    expect(logs.slice(0, 3).map((l) => l.detail)).toEqual(Array(3).fill('sender not authorised (reject); access_denied sent'));
    for (const l of logs.slice(3)) expect(l.detail).toBe('sender not authorised (reject); no answer sent (refusals capped: REFUSAL_LIMIT 3 per AUTO_MAIL_WINDOW_MINUTES 60)');
    expect(capWarnings()).toHaveLength(1);

    // An hour after the first refusals, the window has room again: refusals go out, and a new run is told anew.
    minutes(60);
    for (let i = 0; i < 5; i++) await forged();
    expect(await refusals()).toBe(6);
    expect(capWarnings()).toHaveLength(2);
  });
});
