import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { describe, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { daemonLogLines, imapDaemonEnv, startDaemon, waitFor, type Daemon, type DaemonLogLine } from '../support/daemon.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

// A ticket waiting for the customer is closed for lack of an answer only once the daemon has read its mailbox,
// and an answer that reached the mailbox within the window is in time however late it is read (the daemon was
// down over the deadline, the IMAP server unreachable when it starts). Here the deadline has passed, the answer
// waits in the mailbox since before it, and the IMAP server is down when the daemon starts, so the lifecycle
// tick comes first. The answer must reopen the ticket, not make a follow-up of a closed one.
//
// Each step waits for what the daemon logs (its tick, its lost connection, its read), never for a fixed time: CI
// runs other test files beside these on two cores, where a daemon's start or a read can take seconds.
//
// The two tests run at once (concurrent): each has its own Dovecot, DATA_DIR and daemon, and nothing at the describe's
// level. Each waits for a lifecycle tick, which comes at seconds 0 and 30 for both: one after the other, the second
// waited out its tick again (~55 s together; at once, ~30 s).

const TICK_EVERY_MS = 30_000; // the lifecycle-timers job runs at seconds 0 and 30 (src/scheduler/jobs.ts)
/** Long enough for a tick missed by a slow start or a busy machine to come round again. */
const A_TICK_MS = 2 * TICK_EVERY_MS + 15_000;
/**
 * The daemon's reconnections wait 1 s, then 2 s (IMAP_RECONNECT_MAX_SECONDS; a minute by default, which here would
 * be waited out once the server is back, up to the half-minute the tick took): what is tested is the order of the
 * tick and the read, not the backoff. Long enough for a slow start of the session on a busy machine.
 */
const RECONNECT = { IMAP_RECONNECT_MAX_SECONDS: '2' };
const A_RECONNECTION_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isTick = (l: DaemonLogLine) => l.msg === 'job ran' && l.job === 'lifecycle-timers';

describe.skipIf(!dovecotAvailable() || !cliBuilt)('the lifecycle timers wait until the mailbox is read', { concurrent: true }, () => {
  it('an answer waiting in the mailbox when the 60 hours are over reopens the ticket: no close, no follow-up', { timeout: 180_000 }, async ({ expect, onTestFinished }) => {
    let daemon: Daemon | undefined;
    const dataDir = mkdtempSync(join(tmpdir(), 'timers-wait-'));
    const dovecot = await startDovecot();
    onTestFinished(async () => {
      await daemon?.kill();
      await dovecot.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const env = imapDaemonEnv(dovecot, dataDir, RECONNECT);
    const ingested = await runCli(['ingest', '-', '--json'], { env, input: mail({ headers: { Subject: 'No puedo timbrar' } }) });
    expect(JSON.parse(ingested.stdout)).toMatchObject({ outcome: 'created', ticket: 1000 });
    writeFileSync(join(dataDir, 'answer.txt'), '¿Nos envía el XML?');
    const asked = await runCli(['tickets', 'reply', '1000', '--body-file', join(dataDir, 'answer.txt'), '--status', 'pending'], { env });
    expect(asked.code, asked.stderr).toBe(0);
    // Pending for 20 days: the close (60 business hours) is long due. The answer reached the mailbox the day after
    // the question (its INTERNALDATE), in time; the daemon was down since.
    const db = new Database(join(dataDir, 'ventanilla.db'));
    const asked20DaysAgo = Date.now() - 20 * 86_400_000;
    db.prepare('UPDATE "Ticket" SET "pendingSince" = ?, "statusChangedAt" = ?, "timerDueAt" = ? WHERE "number" = 1000').run(asked20DaysAgo, asked20DaysAgo, Date.now() - 3_600_000);
    const client = new ImapFlow({ ...dovecot.imapConfig(), logger: false });
    await client.connect();
    const answer = mail({ headers: { Subject: 'Re: [#1000] No puedo timbrar', 'Message-ID': '<respuesta-xml@cliente.mx>' }, body: 'Adjunto el XML.' });
    await client.append('INBOX', answer, [], new Date(asked20DaysAgo + 86_400_000));
    await client.logout();

    // The IMAP server is down from before the daemon starts until the daemon's first lifecycle tick has run, so that
    // tick comes while the mailbox cannot be read, however slowly the daemon starts; then the daemon's reconnection
    // finds the server back.
    await dovecot.down();
    daemon = startDaemon(env);
    const lines = () => daemonLogLines(daemon as Daemon);
    const tick = await waitFor(() => lines().find(isTick), 'the first lifecycle tick', A_TICK_MS);
    expect(tick, daemon.log()).toMatchObject({ held: 1 });
    await dovecot.up();
    const processed = await waitFor(() => lines().find((l) => l.msg === 'mail processed'), 'the answer processed', A_RECONNECTION_MS);
    expect(tick.time).toBeLessThan(processed.time);
    expect(processed, daemon.log()).toMatchObject({ outcome: 'comment', ticket: 1000 });

    const ticket = db.prepare('SELECT "status" FROM "Ticket" WHERE "number" = 1000').get() as { status: string };
    expect(ticket.status).toBe('open');
    expect(db.prepare('SELECT count(*) AS n FROM "Ticket"').get()).toEqual({ n: 1 });
    const events = db.prepare('SELECT "type" FROM "TicketEvent" e JOIN "Ticket" t ON t."id" = e."ticketId" WHERE t."number" = 1000 ORDER BY e."id"').all() as Array<{ type: string }>;
    expect(events.map((e) => e.type)).not.toContain('auto_closed');
    db.close();
  });

  // The same, with the IMAP server lost while the daemon runs: the hold at the start did not apply, so the tick
  // closed the ticket whose answer waited in the mailbox, and the answer, read once the server came back, opened
  // a follow-up with a new number.
  it('while the mailbox goes unread (the server hangs), the timers wait; the answer read later reopens the ticket', { timeout: 240_000 }, async ({ expect }) => {
    const server = await startDovecot();
    const proxy = await startTcpProxy({ host: server.host, port: server.imapPort });
    const dir = mkdtempSync(join(tmpdir(), 'timers-wait-run-'));
    const env = imapDaemonEnv({ ...server, host: proxy.host, imapPort: proxy.port }, dir, { IMAP_POLL_SECONDS: '2', IMAP_TIMEOUT_SECONDS: '2', ...RECONNECT });
    // The timers wait once the mailbox has gone unread for longer than two polls and a timeout.
    const unreadForMs = (2 * 2 + 2) * 1000;
    let running: Daemon | undefined;
    try {
      expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { Subject: 'No puedo timbrar' } }) })).code).toBe(0);
      writeFileSync(join(dir, 'answer.txt'), '¿Nos envía el XML?');
      expect((await runCli(['tickets', 'reply', '1000', '--body-file', join(dir, 'answer.txt'), '--status', 'pending'], { env })).code).toBe(0);
      running = startDaemon(env);
      const lines = () => daemonLogLines(running as Daemon);
      // Read once since the start: a tick from now on is held only because the mailbox goes unread (the rule under test).
      await waitFor(() => lines().some((l) => l.msg === 'mailbox read since the start: the lifecycle timers no longer wait for it'), 'the mailbox read', 30_000);
      // The server hangs: the open connection and every new one go silent once the client speaks.
      const linesBeforeHang = lines().length;
      proxy.freeze();
      proxy.freezeWhenClientSends(/./, 1_000);
      // The answer reaches the mailbox the day after the question, in time; the 60 business hours are then long over.
      const asked20DaysAgo = Date.now() - 20 * 86_400_000;
      const client = new ImapFlow({ ...server.imapConfig(), logger: false });
      await client.connect();
      await client.append('INBOX', mail({ headers: { Subject: 'Re: [#1000] No puedo timbrar', 'Message-ID': '<respuesta-en-espera@cliente.mx>' }, body: 'Adjunto el XML.' }), [], new Date(asked20DaysAgo + 86_400_000));
      await client.logout();
      // The daemon's last read came before it logged the lost session (every connection since is silent). The ticket
      // is made due only once the mailbox has gone unread for longer than the rule's time since then (by the daemon's
      // clock, with 2 s to spare), so no tick could close it before the timers wait.
      const lost = await waitFor(() => lines().slice(linesBeforeHang).find((l) => l.msg === 'IMAP session failed; reconnecting'), 'the daemon to lose the mailbox', 30_000);
      await sleep(lost.time + unreadForMs + 2_000 - Date.now());
      const db = new Database(join(dir, 'ventanilla.db'));
      try {
        const ticksBefore = lines().filter(isTick).length;
        db.prepare('UPDATE "Ticket" SET "pendingSince" = ?, "statusChangedAt" = ?, "timerDueAt" = ? WHERE "number" = 1000').run(asked20DaysAgo, asked20DaysAgo, Date.now() - 3_600_000);
        // The first tick with the ticket due: held (a tick that ran the timers would have closed it, and said so).
        const tick = await waitFor(() => lines().filter(isTick)[ticksBefore], 'a lifecycle tick while the mailbox is unread', A_TICK_MS);
        expect(tick, running.log()).toMatchObject({ held: 1 });
        // The server answers again: the daemon reconnects, reads the answer, and the ticket goes on.
        proxy.freezeWhenClientSends(/./, 0);
        const processed = await waitFor(() => lines().find((l) => l.msg === 'mail processed'), 'the answer processed', A_RECONNECTION_MS);
        expect(processed, running.log()).toMatchObject({ outcome: 'comment', ticket: 1000 });
        expect(db.prepare('SELECT "status" FROM "Ticket" WHERE "number" = 1000').get()).toEqual({ status: 'open' });
        expect(db.prepare('SELECT count(*) AS n FROM "Ticket"').get()).toEqual({ n: 1 });
        const events = db.prepare('SELECT "type" FROM "TicketEvent" e JOIN "Ticket" t ON t."id" = e."ticketId" WHERE t."number" = 1000').all() as Array<{ type: string }>;
        expect(events.map((e) => e.type)).not.toContain('auto_closed');
      } finally {
        db.close();
      }
    } finally {
      await running?.kill();
      await proxy.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
