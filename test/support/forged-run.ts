import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { IngestResult } from '../../src/ingest/pipeline.js';
import type { Mailer } from '../../src/outbound/mailer.js';
import { SURVEYS_OFF, mail } from './app.js';

const START = '2026-11-24T16:00:00Z'; // a Tuesday, 10:00 in Mexico City

let sender = 0;

/**
 * A spam run that forges a new From address in each mail (the backscatter limits: REFUSAL_LIMIT, ACK_LIMIT): a real
 * app on a fresh DATA_DIR, on a clock the test moves, with what it logged at warn and above (pino's JSON lines).
 */
export class ForgedRun {
  clock = new Date(START);
  readonly logged: Array<{ level: number; msg: string; code?: string }> = [];
  private constructor(
    readonly app: App,
    private readonly dataDir: string,
  ) {}

  /** For the running test, disposed of when it finishes; `mailer`: instead of the file mailer (one that keeps what it is given). */
  static async start(env: Record<string, string>, options: { mailer?: Mailer } = {}): Promise<ForgedRun> {
    const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-test-'));
    const config = loadConfig({ DATA_DIR: dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'test-secret-key-0123456789', ...SURVEYS_OFF, ...env }, { dotenv: false });
    let run: ForgedRun | undefined;
    const sink = new Writable({ write: (chunk, _enc, done) => void (run?.logged.push(JSON.parse(String(chunk))), done()) });
    run = new ForgedRun(await createApp({ config, log: pino({ level: 'warn' }, sink), now: () => (run as ForgedRun).clock, mailer: options.mailer }), dataDir);
    onTestFinished(() => (run as ForgedRun).dispose());
    return run;
  }

  /** A mail from a forged address never seen before. */
  forgedMail(): Buffer {
    sender++;
    return mail({ headers: { From: `victima${sender}@dominio${sender}.example`, Subject: 'Oferta' } });
  }

  forged(): Promise<IngestResult> {
    return this.app.pipeline.ingest(this.forgedMail(), { source: 'file', sourceRef: 'test' });
  }

  minutes(m: number): void {
    this.clock = new Date(this.clock.getTime() + m * 60_000);
  }

  async dispose(): Promise<void> {
    await this.app.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
