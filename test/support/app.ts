import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Mailer } from '../../src/outbound/mailer.js';

export interface TestApp extends App {
  dataDir: string;
  dispose(): Promise<void>;
}

/**
 * Surveys (a CSAT mail when a ticket is solved, the hourly NPS campaign) add mail of their own: off in the
 * tests of other features, which count every mail; the survey tests turn them on.
 */
export const SURVEYS_OFF = { CSAT_ENABLED: 'false', NPS_ENABLED: 'false' } as const;

/**
 * A real app on a fresh SQLite file in a temporary DATA_DIR; env overrides the defaults; `mailer`: what the drainer
 * sends with; `explicitClock`: `now` stands for an operator's `scheduler run-once --now`, as that command opens the app.
 */
export async function createTestApp(env: Record<string, string> = {}, now?: () => Date, options: { mailer?: Mailer; explicitClock?: boolean } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-test-'));
  const config = loadConfig({ DATA_DIR: dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789', ...SURVEYS_OFF, ...env }, { dotenv: false });
  const app = await createApp({ config, log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), now, mailer: options.mailer, explicitClock: options.explicitClock });
  return {
    ...app,
    dataDir,
    dispose: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** A plain RFC 5322 mail; headers override the defaults, `null` removes one. */
export function mail(opts: { headers?: Record<string, string | null>; body?: string } = {}): Buffer {
  counter++;
  const headers: Record<string, string | null> = {
    From: 'Ana Pérez <ana@cliente.mx>',
    To: 'soporte@example.test',
    Subject: `Consulta ${counter}`,
    'Message-ID': `<m${counter}.${process.pid}.${Date.now()}@cliente.mx>`,
    Date: 'Mon, 23 Nov 2026 10:00:00 -0600',
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Transfer-Encoding': '8bit',
    ...opts.headers,
  };
  const head = Object.entries(headers)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return Buffer.from(`${head}\r\n\r\n${(opts.body ?? 'Hola, necesito ayuda.').replace(/\r?\n/g, '\r\n')}\r\n`);
}
