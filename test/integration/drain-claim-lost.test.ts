import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { daemonLogLines, startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';

// A drainer claims the mails it sends for 5 minutes, renewed while it runs. A daemon frozen longer than that (a VM
// or laptop suspended, `docker pause`, SIGSTOP), or one whose renewals failed (the database held by another
// command: "could not renew the outbox claims"), loses its claims: any other drainer takes the mails over, the
// drain of an agent's `tickets reply` included, and sends them. The frozen daemon, resumed, went on with the mail it
// had on its way and recorded it as sent over the other's record: the customer got it twice.

describe.skipIf(!cliBuilt)('a daemon frozen with a mail on its way, its claim taken over meanwhile', () => {
  let smtp: SmtpPeer;
  let dataDir: string;
  let env: Record<string, string>;
  let daemon: Daemon | undefined;

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-claim-'));
    env = { DATA_DIR: dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'claim-test-secret-0123456789', SMTP_POOL_SIZE: '1', ...smtp.env() };
  });
  afterAll(async () => {
    if (daemon?.child.signalCode === null && daemon.child.exitCode === null) daemon.child.kill('SIGCONT');
    await daemon?.kill('SIGKILL');
    smtp.rcptGate = null;
    await smtp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The 5 minutes the frozen daemon's claims run out in, as the database sees them: its lease already over. */
  const leaseRunsOut = () => {
    const db = new Database(join(dataDir, 'ventanilla.db'));
    try {
      return db.prepare(`UPDATE "OutboxMail" SET "leasedUntil" = '2020-01-01T00:00:00.000+00:00' WHERE "status" = 'sending'`).run().changes;
    } finally {
      db.close();
    }
  };
  const acknowledgements = (from = 'ana@cliente.mx') => smtp.received.filter((m) => m.envelopeTo.includes(from) && /Hemos registrado su solicitud/.test(m.parsed.text ?? ''));
  const outbox = async () => JSON.parse((await runCli(['outbox', 'list', '--json'], { env })).stdout) as Array<{ id: number; status: string; subject: string }>;
  const tookOver = (d: Daemon) => daemonLogLines(d).filter((l) => /taken over by another drainer/.test(l.msg));

  /** A new ticket (its acknowledgement queued), the daemon started, frozen while it waits for RCPT TO, its claim run out. */
  async function frozenWithTheAcknowledgement(from: string): Promise<{ daemon: Daemon; open: () => void; ticket: string }> {
    expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { From: from, Subject: 'No puedo timbrar' } }) })).code).toBe(0);
    let open = () => {};
    smtp.rcptGate = new Promise<void>((resolve) => (open = resolve));
    const started = startDaemon(env);
    daemon = started;
    await waitFor(() => smtp.rcptWaiting === 1, 'the acknowledgement on its way', 30_000);
    started.child.kill('SIGSTOP');
    expect(leaseRunsOut()).toBe(1);
    const ticket = /\[#(\d+)\]/.exec((await outbox()).find((m) => m.status === 'sending')?.subject ?? '')?.[1] ?? '';
    return { daemon: started, open, ticket };
  }

  it('the mail reaches the customer once: the resumed daemon finds its claim gone and does not end the mail', async () => {
    const frozen = await frozenWithTheAcknowledgement('ana@cliente.mx');
    frozen.open();
    smtp.rcptGate = null;
    // An agent answers meanwhile: the command's drain sends what is due, the acknowledgement among it.
    const reply = await runCli(['tickets', 'reply', frozen.ticket, '--body-file', '-'], { env, input: 'Estamos revisando su caso.' });
    expect(reply.code).toBe(0);
    expect(acknowledgements()).toHaveLength(1);

    frozen.daemon.child.kill('SIGCONT');
    await waitFor(() => tookOver(frozen.daemon).length > 0 || acknowledgements().length > 1, 'the resumed daemon settled its mail', 20_000, 100);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(acknowledgements()).toHaveLength(1);
    expect((await outbox()).filter((m) => m.subject.includes(`[#${frozen.ticket}]`)).map((m) => m.status)).toEqual(['sent', 'sent']);
    expect(tookOver(frozen.daemon).map((l) => l.msg)).toEqual([expect.stringContaining('before its end was written')]);
    await frozen.daemon.kill('SIGKILL');
  }, 90_000);

  // Frozen long, its connection closed by the server meanwhile (an idle dialogue times out): the try fails when it
  // resumes, and its retry, written over the other drainer's record, queued the mail for a second time.
  it('its connection closed meanwhile: the failed try leaves the other\'s record alone, and the mail is not sent again', async () => {
    const frozen = await frozenWithTheAcknowledgement('beto@cliente.mx');
    smtp.dropAtGate = true;
    smtp.rcptGate = null;
    frozen.open();
    await waitFor(() => smtp.rcptWaiting === 0, 'the connection dropped', 5_000);
    smtp.dropAtGate = false;
    const reply = await runCli(['tickets', 'reply', frozen.ticket, '--body-file', '-'], { env, input: 'Estamos revisando su caso.' });
    expect(reply.code).toBe(0);
    expect(acknowledgements('beto@cliente.mx')).toHaveLength(1);

    frozen.daemon.child.kill('SIGCONT');
    const settled = () => daemonLogLines(frozen.daemon).filter((l) => /will retry|taken over by another drainer/.test(l.msg));
    await waitFor(() => settled().length > 0, 'the resumed daemon settled its failed try', 20_000, 100);
    // Not queued again (a retry due in 30 s): left to the drainer that sent it.
    expect(settled().map((l) => l.msg)).toEqual([expect.stringContaining('while this one tried it')]);
    expect((await outbox()).filter((m) => m.subject.includes(`[#${frozen.ticket}]`)).map((m) => m.status)).toEqual(['sent', 'sent']);
    expect(acknowledgements('beto@cliente.mx')).toHaveLength(1);
  }, 90_000);
});
