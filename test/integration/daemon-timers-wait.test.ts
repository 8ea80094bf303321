import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { daemonLogLines, imapDaemonEnv, startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';

// A ticket waiting for the customer is closed for lack of an answer only once the daemon has read its mailbox,
// and an answer that reached the mailbox within the window is in time however late it is read (the daemon was
// down over the deadline, the IMAP server unreachable when it starts). Here the deadline has passed, the answer
// waits in the mailbox since before it, and the IMAP server is down when the daemon starts, so the lifecycle
// tick comes first. The answer must reopen the ticket, not make a follow-up of a closed one.

const TICK_EVERY_MS = 30_000; // the lifecycle-timers job runs at seconds 0 and 30 (src/scheduler/jobs.ts)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!dovecotAvailable() || !cliBuilt)('the lifecycle timers wait until the mailbox is read', () => {
  let dovecot: DovecotServer | undefined;
  let daemon: Daemon | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'timers-wait-'));
  afterAll(async () => {
    await daemon?.kill();
    await dovecot?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('an answer waiting in the mailbox when the 60 hours are over reopens the ticket: no close, no follow-up', { timeout: 90_000 }, async () => {
    dovecot = await startDovecot();
    const env = imapDaemonEnv(dovecot, dataDir);
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

    // Start the daemon 5 s before a tick, with the IMAP server down for 6.5 s: the tick comes while the mailbox
    // cannot be read, and the daemon's reconnection (1, 3, 7 s after its first try) finds the server back.
    const untilTick = TICK_EVERY_MS - (Date.now() % TICK_EVERY_MS);
    await sleep(untilTick > 5_300 ? untilTick - 5_000 : untilTick + TICK_EVERY_MS - 5_000);
    const back = dovecot.restart({ downMs: 6_500 });
    await sleep(300);
    daemon = startDaemon(env);
    await back;
    const processed = await waitFor(() => daemonLogLines(daemon as Daemon).find((l) => l.msg === 'mail processed'), 'the answer processed', 30_000);
    const tick = daemonLogLines(daemon).find((l) => l.msg === 'job ran' && l.job === 'lifecycle-timers');
    expect(tick, daemon.log()).toMatchObject({ held: 1 });
    expect(tick?.time ?? Infinity).toBeLessThan(processed.time);
    expect(processed, daemon.log()).toMatchObject({ outcome: 'comment', ticket: 1000 });

    const ticket = db.prepare('SELECT "status" FROM "Ticket" WHERE "number" = 1000').get() as { status: string };
    expect(ticket.status).toBe('open');
    expect(db.prepare('SELECT count(*) AS n FROM "Ticket"').get()).toEqual({ n: 1 });
    const events = db.prepare('SELECT "type" FROM "TicketEvent" e JOIN "Ticket" t ON t."id" = e."ticketId" WHERE t."number" = 1000 ORDER BY e."id"').all() as Array<{ type: string }>;
    expect(events.map((e) => e.type)).not.toContain('auto_closed');
    db.close();
  });
});
