import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { PROCESSED_KEYWORD } from '../../src/ingest/sources/imap.js';
import { startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';

const NEW_TICKETS = 800;
const REPLIES = 300;
const DUPLICATES = 100;
const WITHOUT_MESSAGE_ID = 20;

/** A backlog in delivery order: new tickets, replies to earlier ones, re-deliveries, mails with no Message-ID. */
function backlog(): { raws: Buffer[]; parentOf: Map<string, string> } {
  const raws: Buffer[] = [];
  const parentOf = new Map<string, string>();
  for (let i = 0; i < NEW_TICKETS; i++) {
    raws.push(mail({ headers: { 'Message-ID': `<t${i}@crash.test>`, From: `c${i % 37}@cliente${i % 5}.mx` }, body: `Problema ${i}\nImpacto: Alto` }));
    if (i % 2 === 1 && parentOf.size < REPLIES) {
      const parent = `t${i - 1}@crash.test`;
      parentOf.set(`r${i}@crash.test`, parent);
      raws.push(mail({ headers: { 'Message-ID': `<r${i}@crash.test>`, 'In-Reply-To': `<${parent}>`, From: `c${(i - 1) % 37}@cliente${(i - 1) % 5}.mx` } }));
    }
  }
  for (let i = 0; i < DUPLICATES; i++) raws.push(raws[i * 7] as Buffer);
  // Each from its own sender: more than AUTO_MAIL_LIMIT (10) from one address would cap their acknowledgements.
  for (let i = 0; i < WITHOUT_MESSAGE_ID; i++) raws.push(mail({ headers: { 'Message-ID': null, Subject: `Sin id ${i}`, From: `sinid${i}@cliente.mx` } }));
  return { raws, parentOf };
}

describe.skipIf(!dovecotAvailable() || !cliBuilt)('crash safety: SIGKILL at random points while ingesting a backlog', () => {
  let dovecot: DovecotServer | undefined;
  let dataDir: string | undefined;
  let last: Daemon | undefined;
  afterAll(async () => {
    // Stop the last daemon first: it may still be writing into DATA_DIR if the test failed.
    await last?.kill('SIGKILL');
    await dovecot?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('every mail has exactly one effect and none is left unprocessed', async () => {
    dovecot = await startDovecot();
    dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-crash-'));
    const { raws, parentOf } = backlog();
    expect(parentOf.size).toBe(REPLIES);
    await dovecot.appendMany(raws);
    const env = {
      DATA_DIR: dataDir,
      SUPPORT_ADDRESS: 'support@example.test',
      SECRET_KEY: 'crash-test-secret-0123456789',
      IMAP_HOST: dovecot.host,
      IMAP_PORT: String(dovecot.imapPort),
      IMAP_SECURE: 'false',
      IMAP_USER: dovecot.user,
      IMAP_PASSWORD: dovecot.password,
      IMAP_POLL_SECONDS: '1',
      LOG_LEVEL: 'warn',
    };

    // Two kinds of kill, alternated. A fixed delay alone depends on the machine's speed: on a fast one the backlog
    // drained within two rounds. So every other round waits until the daemon has acknowledged a batch of its own
    // (fewer unsettled mails: it flags each batch and moves them 1,000 at a time), then kills it a moment later,
    // in the middle of the next batch.
    const unsettled = () => dovecot!.count('INBOX', { unKeyword: PROCESSED_KEYWORD });
    let kills = 0;
    // Kills after which mail was still unsettled: the ones that interrupted work, not a daemon that had finished.
    let interrupted = 0;
    let interruptedMidBacklog = 0;
    for (let round = 0; round < 12 && (await unsettled()) > 0; round++) {
      const before = await unsettled();
      const daemon = startDaemon(env);
      const midBacklog = round % 2 === 1;
      if (midBacklog) {
        await waitFor(async () => (await unsettled()) < before, 'the daemon to acknowledge a batch', 60_000, 20);
        await new Promise((r) => setTimeout(r, Math.random() * 60));
      } else {
        // Anywhere from start-up (migrations, login) to the first batch.
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 600));
      }
      await daemon.kill('SIGKILL');
      kills++;
      if ((await unsettled()) > 0) {
        interrupted++;
        if (midBacklog) interruptedMidBacklog++;
      }
    }
    expect(interrupted).toBeGreaterThanOrEqual(3);
    expect(interruptedMidBacklog).toBeGreaterThanOrEqual(1);

    // A last run that is allowed to finish.
    const daemon = startDaemon(env);
    last = daemon;
    await waitFor(async () => (await dovecot!.count('INBOX')) === 0, 'the inbox to be drained', 240_000, 200);
    const db = await openDatabase(join(dataDir, 'ventanilla.db'));
    try {
      await waitFor(async () => (await db.inboundLog.count()) >= raws.length, 'an outcome for every delivery', 30_000, 200);
      // The acknowledgements owed during the backlog are written once it is recorded (Inbound first).
      await waitFor(async () => (await db.deferredNotice.count()) === 0, 'the owed acknowledgements to be written', 30_000, 200);
      await daemon.kill();

      // Delivery level: each UID has exactly one outcome row (none lost, none processed twice).
      const perDelivery = await db.inboundLog.groupBy({ by: ['sourceRef'], _count: { _all: true } });
      expect(perDelivery).toHaveLength(raws.length);
      expect(perDelivery.filter((d) => d._count._all !== 1)).toEqual([]);
      // Nothing failed: no quarantine.
      expect(await db.quarantinedMail.count()).toBe(0);

      // Mail level: one stored message per distinct mail, one ticket per first mail.
      const distinct = NEW_TICKETS + REPLIES + WITHOUT_MESSAGE_ID;
      expect(await db.message.count({ where: { direction: 'in' } })).toBe(distinct);
      // One acknowledgement per ticket, queued exactly once (idempotency key) whatever the crashes.
      expect(await db.outboxMail.count()).toBe(NEW_TICKETS + WITHOUT_MESSAGE_ID);
      expect(await db.ticket.count()).toBe(NEW_TICKETS + WITHOUT_MESSAGE_ID);
      const outcomes = Object.fromEntries(
        (await db.inboundLog.groupBy({ by: ['outcome'], _count: { _all: true } })).map((o) => [o.outcome, o._count._all]),
      );
      expect(outcomes).toEqual({ created: NEW_TICKETS + WITHOUT_MESSAGE_ID, comment: REPLIES, duplicate: DUPLICATES });

      // Each reply sits on its parent's ticket.
      const messages = await db.message.findMany({ select: { messageId: true, ticket: { select: { number: true } } } });
      const ticketOf = new Map(messages.map((m) => [m.messageId, m.ticket.number]));
      for (const [reply, parent] of parentOf) expect(ticketOf.get(reply), reply).toBe(ticketOf.get(parent));

      // On the server: everything moved to Processed exactly once.
      expect((await dovecot.list('Processed')).length).toBe(raws.length);
      console.log(`crash test: ${raws.length} deliveries, ${kills} SIGKILLs (${interrupted} with mail left, ${interruptedMidBacklog} of them mid-backlog), outcomes ${JSON.stringify(outcomes)}`);
    } finally {
      await db.$disconnect();
    }
  }, 420_000);
});
