import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { daemonLogLines, jobLeaseHolder, startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';

// A script that cleans temporary-looking folders (or an operator) deletes the lock files beside the database
// (`.live/`, scheduler/liveness.ts) while two daemons run. The one sending a mail is not taken for dead by the
// other, which would have taken over its drain and sent that mail a second time; each daemon makes its file
// again at its next lease renewal and logs that it did.

describe.skipIf(!cliBuilt)('the lock files of running daemons deleted by hand', () => {
  let smtp: SmtpPeer;
  let dataDir: string;
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-live-lock-'));
  });
  afterAll(async () => {
    for (const d of daemons) await d.kill('SIGKILL');
    smtp.answerDotAfterMs = 0;
    await smtp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the other daemon does not take over the drain of the one sending, and each makes its file again, saying so', async () => {
    const env = { DATA_DIR: dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'live-lock-secret-0123456789', ...smtp.env() };
    expect((await runCli(['ingest', '-'], { env, input: mail() })).code).toBe(0);
    smtp.answerDotAfterMs = 120_000;
    const first = startDaemon(env);
    daemons.push(first);
    await waitFor(() => smtp.held === 1, 'the mail written to the server', 30_000);
    const drainHolder = () => jobLeaseHolder(dataDir, 'outbox-drain');
    const sending = drainHolder();
    const second = startDaemon(env);
    daemons.push(second);
    await waitFor(() => daemonLogLines(second).some((l) => l.msg === 'ventanilla started'), 'the second daemon started', 30_000);

    // Deleted just after a 10-second mark: the second's drain (every 5 s) tries at the next 5-second mark, before
    // the first renews a lease (bulletin-send, every 10 s) and makes its file again.
    await waitFor(() => Date.now() % 10_000 > 500 && Date.now() % 10_000 < 2_000, 'a second past a 10-second mark', 15_000, 50);
    const live = join(dataDir, '.live');
    for (const name of readdirSync(live)) rmSync(join(live, name));
    await new Promise((r) => setTimeout(r, 6_000));
    expect(drainHolder()).toBe(sending);
    expect(smtp.held).toBe(1);
    const madeAgain = (d: Daemon) => daemonLogLines(d).find((l) => /lock file .* made again/.test(l.msg));
    await waitFor(() => madeAgain(first) && madeAgain(second), 'both daemons saying they made their lock file again', 20_000, 100);
    expect(madeAgain(first)).toMatchObject({ level: 40, was: 'deleted', file: expect.stringMatching(/\.live\/[0-9a-f]+\.lock$/) });
    expect(existsSync(madeAgain(first)?.file as string)).toBe(true);
    await new Promise((r) => setTimeout(r, 5_000));
    expect(drainHolder()).toBe(sending);
    expect(smtp.held).toBe(1);
    await second.kill('SIGKILL');
    await first.kill('SIGKILL');
  }, 120_000);
});
