import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCliOk } from '../support/cli.js';
import { openHourDaysAgo } from '../support/open-hour.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';

// An address whose mail was refused for good gets no survey until a later mail reaches it (README "Surveys", who is
// skipped). "Later" compared the refusal's time, read from the failed row's nextAttemptAt, with when other mails
// reached the address (their sentAt, on the drainer's clock). But nextAttemptAt is when the try was due, not when the
// server refused it: for a mail queued by `scheduler run-once --now` at an earlier instant (sent by the drain at the
// wall clock), it is that instant, days before the refusal, and every mail the address took in between read as
// having reached it after the refusal: its next CSAT was queued, to be refused again.

interface Shown {
  events: Array<{ type: string; detail: string | null }>;
}

describe.skipIf(!cliBuilt)('a survey refused for good, queued by run-once --now at an earlier instant', () => {
  let smtp: SmtpPeer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-survey-refusal-'));
    env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-survey-secret-0123456789', CSAT_ENABLED: 'true', NPS_ENABLED: 'true', ...smtp.env() };
  });
  afterAll(async () => {
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ok = (args: string[], input?: string | Buffer) => runCliOk(args, { env, input });

  it('blocks her next CSAT: the mails she took before the refusal do not lift it', async () => {
    // Ana's ticket: acknowledged, solved (its notice and CSAT reach her, today, on the wall clock).
    await ok(['ingest', '-'], mail({ headers: { Subject: 'No puedo timbrar' } }));
    await ok(['scheduler', 'run-once']);
    await ok(['tickets', 'set', '1000', '--status', 'solved', '--as', 'maria']);
    expect(smtp.received.map((m) => m.header('x-ventanilla-survey') ?? 'notice').sort()).toEqual(['csat', 'notice', 'notice']);

    // The NPS campaign run as of an earlier business hour asks her; the server refuses that mail for good.
    smtp.failWith = 550;
    const run = JSON.parse(await ok(['scheduler', 'run-once', '--now', openHourDaysAgo(), '--json'])) as { runs: Array<{ job: string; result?: Record<string, number> }> };
    expect(run.runs.find((r) => r.job === 'nps-campaign')?.result).toEqual({ asked: 1 });
    expect(run.runs.find((r) => r.job === 'outbox-drain')?.result).toMatchObject({ failed: 1 });

    // Her next ticket, solved while the server only says "later" (nothing reaches her, nothing fails for good).
    smtp.failWith = 451;
    await ok(['ingest', '-'], mail({ headers: { Subject: 'Otra factura' } }));
    await ok(['tickets', 'set', '1001', '--status', 'solved', '--as', 'maria']);
    const shown = JSON.parse(await ok(['tickets', 'show', '1001', '--json'])) as Shown;
    expect(shown.events.filter((e) => e.type.startsWith('csat_'))).toEqual([expect.objectContaining({ type: 'csat_skipped', detail: 'ana@cliente.mx: bounced' })]);
  }, 150_000);
});
