import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { daemonLogLines, jobLeaseHolder, pidNamespaces, startDaemon, waitFor, type Daemon, type DaemonOptions } from '../support/daemon.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';

// A relay that takes long to answer the end of a mail is waited for up to 10 minutes (RFC 5321 4.5.3.2.6). A daemon
// stopped meanwhile (`systemctl stop`: SIGTERM, then SIGKILL after 90 s) must not wait that long: it gives the
// answer a short grace (SMTP_STOP_GRACE_SECONDS, 20 s by default), then closes the connection, and the mail stays
// queued for the next start.
// Killed instead (SIGKILL), its leases are taken over at the next start, also when that start has the same pid.

describe.skipIf(!cliBuilt)('the daemon stopped while the SMTP server holds its answer to a mail', () => {
  let smtp: SmtpPeer;
  let dataDir: string;
  let env: Record<string, string>;
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-stop-'));
    env = { DATA_DIR: dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'stop-test-secret-0123456789', ...smtp.env() };
  });
  afterAll(async () => {
    for (const d of daemons) await d.kill('SIGKILL');
    smtp.answerDotAfterMs = 0;
    await smtp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const outbox = async () => JSON.parse((await runCli(['outbox', 'list', '--json'], { env })).stdout) as Array<{ status: string; lastError: string | null }>;

  // The grace as set, 2 s rather than the default 20 s (config.test.ts): waited for, then the connection closed.
  it('exits once its grace after SIGTERM is over, and the mail is sent at the next start: queued, never lost', async () => {
    expect((await runCli(['ingest', '-'], { env, input: mail() })).code).toBe(0);
    smtp.answerDotAfterMs = 90_000;
    const first = startDaemon({ ...env, SMTP_STOP_GRACE_SECONDS: '2' });
    daemons.push(first);
    await waitFor(() => smtp.answering === 1, 'the mail written to the server', 30_000);
    const stoppedAt = Date.now();
    await first.kill('SIGTERM');
    const took = Date.now() - stoppedAt;
    expect(took).toBeGreaterThanOrEqual(2_000);
    expect(took).toBeLessThan(12_000);
    expect(first.child.exitCode).toBe(0);
    expect(daemonLogLines(first).filter((l) => /closed the connection/.test(l.msg)).map((l) => l.graceMs)).toEqual([2_000]);
    // Not recorded as sent: the server may not keep a mail whose sender left before its answer.
    const [row] = await outbox();
    expect(row?.status).toBe('pending');
    expect(row?.lastError).toMatch(/stopped/);

    smtp.answerDotAfterMs = 0;
    const second = startDaemon(env);
    daemons.push(second);
    await smtp.waitFor(1, 30_000);
    await waitFor(async () => (await outbox())[0]?.status === 'sent', 'the mail recorded as sent', 30_000);
    await second.kill('SIGTERM');
  }, 120_000);

  /**
   * A daemon killed while its drain waits for the server's answer to a mail (the drain job's lease is held then), a
   * mail queued while it is down, and another daemon started: true once that mail reached the server, within `ms`.
   */
  const killedThenStarted = async (first: DaemonOptions, second: DaemonOptions, ms: number) => {
    expect((await runCli(['ingest', '-'], { env, input: mail() })).code).toBe(0);
    smtp.answerDotAfterMs = 120_000;
    const held = smtp.held;
    const killed = startDaemon(env, first);
    daemons.push(killed);
    await waitFor(() => smtp.held > held, 'the first mail written to the server', 30_000);
    await killed.kill('SIGKILL');

    const queued = `queued${daemons.length}@cliente.mx`;
    expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { From: queued } }) })).code).toBe(0);
    smtp.answerDotAfterMs = 0;
    const next = startDaemon(env, second);
    daemons.push(next);
    await waitFor(() => smtp.received.some((m) => m.envelopeTo.includes(queued)), 'the mail queued while the daemon was down', ms, 100);
    await next.kill('SIGKILL');
  };

  // A container restarted after a crash (OOM kill, `docker kill`) runs the daemon again as process 1 on the same host
  // name: the leases the killed process held name the new one's pid. Waited out, the drain job's held every mail
  // queued meanwhile for 10 minutes.
  it.skipIf(!pidNamespaces)('killed, and started again as the same pid (a restarted container): the mail queued meanwhile is sent at once', async () => {
    await killedThenStarted({ asPidOne: true }, { asPidOne: true }, 30_000);
  }, 120_000);

  // Re-created (a new container, a rescheduled pod), it runs on another host name, on the same volume: the lock the
  // killed process held on a file beside the database died with it. Waited out, the drain job's lease held every
  // mail queued meanwhile for a minute, and the mail it was sending for 5 minutes.
  it.skipIf(!pidNamespaces)('killed, and started again on another host name (a re-created container): the mail queued meanwhile is sent at once', async () => {
    await killedThenStarted({ hostname: 'ventanilla-a' }, { hostname: 'ventanilla-b' }, 30_000);
  }, 120_000);

  // Killed while its drain waited for the server (one connection), it had claimed the mails queued behind: a
  // re-created container waited 5 minutes, the claims' lease, before sending them.
  it.skipIf(!pidNamespaces)('killed with mails claimed and not yet written, and started again on another host name: those mails are sent at once', async () => {
    const senders = ['claimed1@cliente.mx', 'claimed2@cliente.mx', 'claimed3@cliente.mx'];
    for (const from of senders) expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { From: from } }) })).code).toBe(0);
    smtp.answerDotAfterMs = 120_000;
    const held = smtp.held;
    const oneConnection = { ...env, SMTP_POOL_SIZE: '1' };
    const killed = startDaemon(oneConnection, { hostname: 'ventanilla-a' });
    daemons.push(killed);
    await waitFor(() => smtp.held > held, 'the first mail written to the server', 30_000);
    expect((await outbox()).filter((m) => m.status === 'sending').length).toBeGreaterThan(0);
    await killed.kill('SIGKILL');

    smtp.answerDotAfterMs = 0;
    const next = startDaemon(oneConnection, { hostname: 'ventanilla-b' });
    daemons.push(next);
    const arrived = (from: string) => smtp.received.some((m) => m.envelopeTo.includes(from));
    await waitFor(() => senders.filter(arrived).length >= senders.length - 1, 'the claimed mails', 30_000, 100);
    await next.kill('SIGKILL');
  }, 120_000);

  // Two containers with one host name (compose's `hostname:`, scaled to 2) on one volume both run the daemon as
  // process 1: each took the other's leases and claims as those of a dead predecessor, so both ran every job at once.
  it.skipIf(!pidNamespaces)('two daemons on one host name, both process 1 (two containers): the second does not run the drain the first is running', async () => {
    expect((await runCli(['ingest', '-'], { env, input: mail() })).code).toBe(0);
    smtp.answerDotAfterMs = 120_000;
    const held = smtp.held;
    const first = startDaemon(env, { asPidOne: true });
    daemons.push(first);
    await waitFor(() => smtp.held > held, 'the mail written to the server', 30_000);
    const drainHolder = () => jobLeaseHolder(dataDir, 'outbox-drain');
    const running = drainHolder();
    // At debug, the second says each time it leaves a job to the holder of its lease.
    const second = startDaemon({ ...env, LOG_LEVEL: 'debug' }, { asPidOne: true });
    daemons.push(second);
    // The second's outbox drain is due every 5 s: two tries, while the first still waits for the answer (or one that
    // takes the lease, the failure).
    const leftToFirst = () => daemonLogLines(second).filter((l) => l.msg === 'job left to the process holding its lease' && l.job === 'outbox-drain').length;
    await waitFor(() => leftToFirst() >= 2 || drainHolder() !== running, "the second daemon's drain tried twice", 30_000, 200);
    expect(drainHolder()).toBe(running);
    await second.kill('SIGKILL');
    await first.kill('SIGKILL');
    smtp.answerDotAfterMs = 0;
  }, 120_000);
});
