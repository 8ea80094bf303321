import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { retryUnsuppressed } from '../../src/outbound/suppressed-recipients.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { cliBuilt, runCliOk } from '../support/cli.js';
import { openHourDaysAgo } from '../support/open-hour.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';

// A mail the server defers (4xx) is retried for OUTBOX_RETRY_HOURS after it was queued (README "Outbox"). The
// window was counted from the row's createdAt, the instant of the clock that queued it, while its tries run on the
// wall clock: a mail queued by `scheduler run-once --now` days earlier met its first 451 "past" its window and was
// failed after one try, and, failed, kept its address from every survey after (README "Surveys", who is skipped).
// Such a mail now keeps the wall clock it was queued at (OutboxMail.retryFrom); every other mail counts from createdAt.

const HOUR = 3_600_000;
const later = (ms: number) => () => new Date(Date.now() + ms);

interface Listed {
  id: number;
  template: string;
  status: string;
  attempts: number;
  lastError: string | null;
}

describe.skipIf(!cliBuilt)('a survey queued by run-once --now two days ago, deferred by the server', () => {
  let smtp: SmtpPeer;
  let dir: string;
  let env: Record<string, string>;
  let app: App | undefined;

  beforeEach(async () => {
    smtp = await startSmtpPeer();
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-retry-window-'));
    env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-retry-window-0123456789', CSAT_ENABLED: 'false', NPS_ENABLED: 'true', OUTBOX_RETRY_HOURS: '24', ...smtp.env() };
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ok = (args: string[], input?: string | Buffer) => runCliOk(args, { env, input });
  const listed = async () => JSON.parse(await ok(['outbox', 'list', '--json'])) as Listed[];
  /** The same database, in this process: its drains on a clock of the test's (the wall clock, hours on). */
  const openHere = async (now?: () => Date) => (app = await createApp({ config: loadConfig(env, { dotenv: false }), log: pino({ level: 'silent' }), now }));

  /** Ana's ticket solved today; the NPS campaign run as of a business hour two days ago asks her, and the server says "later". */
  async function surveyDeferred(): Promise<Listed> {
    await ok(['ingest', '-'], mail({ headers: { Subject: 'No puedo timbrar' } }));
    await ok(['scheduler', 'run-once']);
    await ok(['tickets', 'set', '1000', '--status', 'solved', '--as', 'maria']);
    smtp.failWith = 451;
    const run = JSON.parse(await ok(['scheduler', 'run-once', '--now', openHourDaysAgo(2), '--json'])) as { runs: Array<{ job: string; result?: Record<string, number> }> };
    expect(run.runs.find((r) => r.job === 'nps-campaign')?.result).toEqual({ asked: 1 });
    expect(run.runs.find((r) => r.job === 'outbox-drain')?.result).toMatchObject({ retried: 1, failed: 0 });
    const nps = (await listed()).find((r) => r.template === 'nps_survey');
    if (!nps) throw new Error('no NPS survey in the outbox');
    return nps;
  }

  it('is kept for its next try, and sent by it', async () => {
    const nps = await surveyDeferred();
    expect(nps).toMatchObject({ status: 'pending', attempts: 1 });
    expect(nps.lastError).toMatch(/451/);
    expect(nps.lastError).not.toMatch(/gave up/);

    // The server takes it at the next try, after the backoff.
    smtp.failWith = null;
    const here = await openHere();
    expect(await here.drainer().drain(later(60_000))).toMatchObject({ sent: 1, retried: 0, failed: 0 });
    expect(smtp.received.filter((m) => m.header('x-ventanilla-survey') === 'nps').map((m) => m.envelopeTo)).toEqual([['ana@cliente.mx']]);
    // Only the mail the past clock queued keeps a wall clock of its own; those queued on the wall clock count from createdAt.
    const rows = await here.db.outboxMail.findMany({ select: { template: true, retryFrom: true }, orderBy: { id: 'asc' } });
    expect(rows.filter((r) => r.retryFrom !== null).map((r) => r.template)).toEqual(['nps_survey']);
  }, 150_000);

  it('is still given up OUTBOX_RETRY_HOURS after that command ran; `outbox retry` gives it a window of its own', async () => {
    const { id } = await surveyDeferred();
    const here = await openHere(later(26 * HOUR));
    expect(await here.drainer().drain(later(20 * HOUR))).toMatchObject({ retried: 1, failed: 0 });
    expect(await here.drainer().drain(later(25 * HOUR))).toMatchObject({ retried: 0, failed: 1 });
    const failed = await here.db.outboxMail.findUniqueOrThrow({ where: { id } });
    expect(failed.lastError).toMatch(/451.*gave up after 24 hours/);

    // `outbox retry` a day later queues it anew (what the command runs, on this app's clock): its window starts then,
    // not when the past run queued it; the server still says "later", and it waits for its next try.
    expect(await inTransaction(here.db, (tx) => retryUnsuppressed(tx, id, here.now()))).toMatchObject({ retried: true });
    expect(await here.drainer().drain(later(26 * HOUR))).toMatchObject({ retried: 1, failed: 0 });
    expect(await here.db.outboxMail.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'pending', retryFrom: null });
  }, 150_000);
});

describe('a mail queued on a clock of its own, not by run-once --now (a test\'s clock)', () => {
  let smtp: SmtpPeer;
  let app: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpPeer();
  });
  afterAll(async () => smtp.stop());
  afterEach(async () => app.dispose());

  it('counts its retries from its createdAt, as before', async () => {
    // Queued on a clock ten hours behind the wall clock (the ticket's acknowledgement), then tried on the wall clock.
    app = await createTestApp({ ...smtp.env(), OUTBOX_RETRY_HOURS: '24' }, () => new Date(Date.now() - 10 * HOUR));
    await app.pipeline.ingest(mail(), { source: 'file', sourceRef: 'test' });
    smtp.failWith = 451;
    expect(await app.drainer().drain(later(0))).toEqual({ sent: 0, retried: 1, failed: 0 });
    expect(await app.drainer().drain(later(15 * HOUR))).toEqual({ sent: 0, retried: 0, failed: 1 });
    const row = await app.db.outboxMail.findFirstOrThrow({ where: { status: 'failed' } });
    expect(row).toMatchObject({ retryFrom: null, lastError: expect.stringMatching(/451.*gave up after 24 hours/) });
  });
});
