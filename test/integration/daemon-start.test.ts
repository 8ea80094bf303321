import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { daemonLogLines as logLines, imapDaemonEnv, startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';

// What `ventanilla start` brings up besides the mailbox. The warm-up (compiling every template) waits until the
// mailbox is caught up: a backlog found at start-up is not slowed by it, and a daemon that starts idle is warm
// before its first customer's mail. The HTTP server (loaded only by this command) serves every feature's routes.

const BACKLOG = 6;

describe.skipIf(!dovecotAvailable() || !cliBuilt)('the daemon at start-up', () => {
  let dovecot: DovecotServer;
  let daemon: Daemon;
  let dataDir: string;

  beforeAll(async () => {
    dovecot = await startDovecot();
    dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-warm-'));
    for (let i = 0; i < BACKLOG; i++) await dovecot.append(mail({ headers: { 'Message-ID': `<backlog-${i}@cliente.mx>`, Subject: `Factura ${i}` } }));
    daemon = startDaemon(imapDaemonEnv(dovecot, dataDir));
  });

  afterAll(async () => {
    await daemon?.kill();
    await dovecot?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('warms up after the last mail of a backlog found at start, not before the first', async () => {
    await waitFor(() => logLines(daemon).some((l) => l.msg === 'warmed up'), 'the warm-up', 30_000);
    const lines = logLines(daemon);
    const processed = lines.map((l, i) => (l.msg === 'mail processed' ? i : -1)).filter((i) => i >= 0);
    const warmed = lines.findIndex((l) => l.msg === 'warmed up');
    expect(processed).toHaveLength(BACKLOG);
    expect(warmed).toBeGreaterThan(processed.at(-1) as number);
  });

  it('runs the shipped bundle with both worker threads: no warning that a worker script is missing', async () => {
    await waitFor(() => logLines(daemon).some((l) => l.msg === 'ventanilla started'), 'the start', 30_000);
    // The daemon's first drain starts the composition worker; a bundle without the worker scripts would warn.
    await waitFor(() => logLines(daemon).some((l) => l.msg === 'job ran' && l.job === 'outbox-drain'), 'the first drain', 30_000);
    expect(logLines(daemon).filter((l) => /worker script/.test(String(l.msg)))).toEqual([]);
  });

  it('warms up once: a mail after it, and the idle wake-ups, do not warm up again', async () => {
    await dovecot.append(mail({ headers: { 'Message-ID': '<after-warm-up@cliente.mx>', Subject: 'Otra factura' } }));
    await waitFor(() => logLines(daemon).filter((l) => l.msg === 'mail processed').length === BACKLOG + 1, 'the new mail', 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(logLines(daemon).filter((l) => l.msg === 'warmed up')).toHaveLength(1);
  });

  it('serves its health check and the survey page on the HTTP server', async () => {
    const listening = await waitFor(() => logLines(daemon).find((l) => l.msg === 'HTTP server listening')?.address, 'the HTTP server', 10_000);
    const health = await fetch(`${listening}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    // A feature's route is there: a survey link with a forged token gets the survey page's refusal, not a 404.
    const survey = await fetch(`${listening}/survey?t=forged`);
    expect(survey.status).not.toBe(404);
    expect(survey.headers.get('content-type')).toMatch(/text\/html/);
  });

  // Last: it stops the daemon. Closing the terminal it runs in sends SIGHUP, which Node answers by dying on the spot.
  it('stops cleanly on SIGHUP, as on SIGTERM: it says so and exits 0', async () => {
    await daemon.kill('SIGHUP');
    expect(logLines(daemon).find((l) => l.msg === 'stopping')).toMatchObject({ signal: 'SIGHUP' });
    expect(daemon.child.signalCode).toBeNull();
    expect(daemon.child.exitCode).toBe(0);
  });
});
