import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { cliBuilt, runCliOk } from '../support/cli.js';
import { openHourDaysAgo } from '../support/open-hour.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';

// A mail the server defers (4xx) is retried for OUTBOX_RETRY_HOURS after it was queued (README "Outbox"). The
// window was counted from the row's createdAt, the instant of the clock that queued it, while its tries run on the
// wall clock: a mail queued by `scheduler run-once --now` days earlier met its first 451 "past" its window and was
// failed after one try, and, failed, kept its address from every survey after (README "Surveys", who is skipped).

const HOUR = 3_600_000;

interface Listed {
  template: string;
  status: string;
  attempts: number;
  lastError: string | null;
}

describe.skipIf(!cliBuilt)('a mail queued by run-once --now at an earlier instant, deferred by the server', () => {
  let smtp: SmtpPeer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-retry-window-'));
    env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-retry-window-0123456789', CSAT_ENABLED: 'false', NPS_ENABLED: 'true', OUTBOX_RETRY_HOURS: '24', ...smtp.env() };
  });
  afterAll(async () => {
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ok = (args: string[], input?: string | Buffer) => runCliOk(args, { env, input });

  it('is retried, not failed after its first try', async () => {
    await ok(['ingest', '-'], mail({ headers: { Subject: 'No puedo timbrar' } }));
    await ok(['scheduler', 'run-once']);
    await ok(['tickets', 'set', '1000', '--status', 'solved', '--as', 'maria']);

    // The NPS campaign run as of a business hour two days ago (more than OUTBOX_RETRY_HOURS): the server says "later".
    smtp.failWith = 451;
    const run = JSON.parse(await ok(['scheduler', 'run-once', '--now', openHourDaysAgo(2), '--json'])) as { runs: Array<{ job: string; result?: Record<string, number> }> };
    expect(run.runs.find((r) => r.job === 'nps-campaign')?.result).toEqual({ asked: 1 });
    expect(run.runs.find((r) => r.job === 'outbox-drain')?.result).toMatchObject({ retried: 1, failed: 0 });

    const nps = (JSON.parse(await ok(['outbox', 'list', '--json'])) as Listed[]).find((r) => r.template === 'nps_survey');
    expect(nps).toMatchObject({ status: 'pending', attempts: 1 });
    expect(nps?.lastError).toMatch(/451/);
    expect(nps?.lastError).not.toMatch(/gave up/);
  }, 150_000);
});

describe('its retry window, counted from when it was queued on the wall clock', () => {
  let smtp: SmtpPeer;
  let app: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpPeer();
  });
  afterAll(async () => smtp.stop());
  afterEach(async () => app.dispose());

  it('still ends OUTBOX_RETRY_HOURS after that', async () => {
    // Queued on a clock three days behind the wall clock (the ticket's acknowledgement), then tried on the wall clock.
    const queuedOn = new Date(Date.now() - 72 * HOUR);
    app = await createTestApp({ ...smtp.env(), OUTBOX_RETRY_HOURS: '24' }, () => queuedOn);
    await app.pipeline.ingest(mail(), { source: 'file', sourceRef: 'test' });
    smtp.failWith = 451;
    const later = (ms: number) => () => new Date(Date.now() + ms);
    expect(await app.drainer().drain(later(0))).toEqual({ sent: 0, retried: 1, failed: 0 });
    expect(await app.drainer().drain(later(20 * HOUR))).toEqual({ sent: 0, retried: 1, failed: 0 });
    expect(await app.drainer().drain(later(25 * HOUR))).toEqual({ sent: 0, retried: 0, failed: 1 });
    const row = await app.db.outboxMail.findFirstOrThrow({ where: { status: 'failed' } });
    expect(row.lastError).toMatch(/451.*gave up after 24 hours/);
  });
});
