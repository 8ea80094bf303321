// The scheduler's tick, SIGKILLed at random points as an operator's `scheduler run-once` (auto-closes, SLA
// escalations, the CSAT surveys queued by agents, the outbox drain), then a daemon started on what is left: every
// customer-visible effect happens once, nothing is stuck, and every mail that went out is one the outbox records
// as sent. With a real SMTP server, and with the file mailer (DATA_DIR/outbox, no SMTP_HOST).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { createTestApp, mail } from '../support/app.js';
import { cliBuilt, cliPath } from '../support/cli.js';
import { startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';
import { projectRoot } from '../../src/paths.js';
import { openDatabase } from '../../src/store/database.js';

const PER_KIND = 250;
const POOL = 4;
// Weeks ago: every pending and solved window is over, every SLA target breached, at the real now of the runs.
const CREATED = new Date('2026-11-02T16:00:00Z');

/** Where mail goes: the Message-IDs (no angle brackets) of the mails delivered so far, in order. */
interface Delivery {
  env: Record<string, string>;
  delivered(): string[];
  /** How many mails went out so far (cheaper than delivered(): polled between kills). */
  count(): number;
  /** What a kill leaves to finish at the next start, made old enough for it (the file mailer's staged mails): how many. */
  ageLeftovers(): number;
  /** Mails a kill may lose: recorded as sent just before their end, which the kill kept from the server. */
  mayLosePerKill: number;
}

function smtpDelivery(peer: SmtpPeer): Delivery {
  return { env: { ...peer.env(), SMTP_POOL_SIZE: String(POOL) }, delivered: () => peer.received.map((m) => (m.parsed.messageId ?? '').replace(/^<|>$/g, '')), count: () => peer.received.length, ageLeftovers: () => 0, mayLosePerKill: POOL };
}

function fileDelivery(dataDir: string): Delivery {
  const outbox = join(dataDir, 'outbox');
  const files = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(dir, e.name));
  const staged = () => readdirSync(join(outbox, '.staging')).flatMap((folder) => files(join(outbox, '.staging', folder)));
  return {
    env: {},
    delivered: () => {
      try {
        // The Message-ID header, unfolded (a long one is folded onto the next line).
        return files(outbox).map((path) => /^Message-ID:\s*<([^>]+)>/im.exec(readFileSync(path, 'latin1').split(/\r?\n\r?\n/)[0]?.replace(/\r?\n[ \t]+/g, ' ') ?? '')?.[1] ?? path);
      } catch {
        return [];
      }
    },
    count: () => {
      try {
        return readdirSync(outbox).length - 1; // .staging
      } catch {
        return 0;
      }
    },
    ageLeftovers: () => {
      const old = new Date(Date.now() - 10 * 60_000);
      const paths = staged();
      for (const path of paths) utimesSync(path, old, old);
      return paths.length;
    },
    mayLosePerKill: 0,
  };
}

describe.skipIf(!cliBuilt)('crash safety: SIGKILL at random points of the scheduler tick', () => {
  let cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  const scenario = async (mailer: 'smtp' | 'file') => {
    const peer = mailer === 'smtp' ? await startSmtpPeer() : null;
    if (peer) cleanup.push(() => peer.stop());
    const env = {
      SUPPORT_ADDRESS: 'soporte@example.test',
      SECRET_KEY: 'test-secret-key-0123456789',
      ESCALATION_CONTACTS: '1:lead@example.test,2:manager@example.test',
      CSAT_ENABLED: 'true',
      LOG_LEVEL: 'warn',
      ...peer?.env(),
    };
    // The tickets: pending, solved (a CSAT survey each) and never answered, all created weeks ago.
    let clock = CREATED;
    const app = await createTestApp(env, () => clock);
    const dataDir = app.dataDir;
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const delivery = peer ? smtpDelivery(peer) : fileDelivery(dataDir);
    const numbers: number[] = [];
    for (let i = 0; i < 3 * PER_KIND; i++) {
      const result = await app.pipeline.ingest(mail({ headers: { From: `c${i}@cliente${i % 7}.mx`, 'Message-ID': `<s${i}@sched.test>` } }), { source: 'file', sourceRef: `s${i}` });
      numbers.push((result as { ticketNumber: number }).ticketNumber);
    }
    clock = new Date(CREATED.getTime() + 3_600_000);
    for (const [i, number] of numbers.entries()) {
      if (i % 3 === 2) continue;
      await replyToTicket(app, { number, body: 'Respuesta', status: i % 3 === 0 ? 'pending' : 'solved', actor: 'agent:maria', now: clock });
    }
    // What setting up queued (acknowledgements, answers) counts as gone; the surveys are left for the runs below.
    const setUp = new Set((await app.db.outboxMail.findMany({ where: { template: { not: 'csat_survey' } }, select: { id: true } })).map((r) => r.id));
    await app.db.outboxMail.updateMany({ where: { id: { in: [...setUp] } }, data: { status: 'sent', sentAt: clock } });
    await app.close();
    const runEnv = { ...env, ...delivery.env, DATA_DIR: dataDir };

    // `scheduler run-once` killed at random points: the first anywhere from its start-up to its drain, the others
    // in the middle of a drain, a few dozen mails into it (by the mails out, not by time alone: on a fast machine
    // one run did all the work within the delay, and the rest had nothing left to be killed in).
    let kills = 0;
    for (let round = 0; round < 10; round++) {
      const child = spawn(process.execPath, [cliPath, 'scheduler', 'run-once'], { cwd: projectRoot, env: { PATH: process.env.PATH ?? '', ...runEnv }, stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const before = delivery.count();
      const mailsOut = waitFor(() => child.exitCode !== null || delivery.count() > before + 10 + Math.random() * 50, 'mails to go out', 60_000, 2);
      await Promise.race([exited, mailsOut, ...(round === 0 ? [new Promise((r) => setTimeout(r, 500 + Math.random() * 3_000))] : [])]);
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        kills++;
      }
      await exited;
    }
    expect(kills).toBeGreaterThanOrEqual(8);

    // The daemon finishes the rest by itself: the dead runs' claims and leases are taken over at once.
    const leftovers = delivery.ageLeftovers();
    const daemon: Daemon = startDaemon(runEnv);
    cleanup.push(() => daemon.kill('SIGKILL'));
    const db = await openDatabase(join(dataDir, 'ventanilla.db'));
    cleanup.push(() => db.$disconnect());
    const closing = numbers.filter((_, i) => i % 3 !== 2);
    const unfinished = async () =>
      (await db.outboxMail.count({ where: { status: { in: ['pending', 'sending'] } } })) + (await db.ticket.count({ where: { status: { not: 'closed' }, number: { in: closing } } }));
    await waitFor(async () => (await unfinished()) === 0, 'every ticket closed and every mail sent', 150_000, 500);
    const rows = (await db.outboxMail.findMany({ select: { id: true, messageId: true, status: true, template: true, ticketId: true } })).filter((r) => !setUp.has(r.id));
    // The file mailer's staged mails recorded as sent are delivered by the first drain (aged above). The outbox read
    // once per look, not once per row: each read parses every mail out (~770), which took 15 s on the last look.
    const allDelivered = () => {
      const out = new Set(delivery.delivered());
      return rows.every((r) => out.has(r.messageId));
    };
    if (mailer === 'file') await waitFor(allDelivered, 'the staged mails to be delivered', 30_000, 200).catch(() => undefined);
    await daemon.kill();

    expect(rows.filter((r) => r.status !== 'sent').map((r) => r.status)).toEqual([]);
    const recorded = new Map(rows.map((r) => [r.messageId, r]));
    const delivered = delivery.delivered();
    // No mail out that the outbox does not record as sent; none twice.
    expect(delivered.filter((id) => recorded.get(id)?.status !== 'sent')).toEqual([]);
    expect(delivered.filter((id, i) => delivered.indexOf(id) !== i)).toEqual([]);
    const lost = rows.filter((r) => !delivered.includes(r.messageId));
    expect(lost.length).toBeLessThanOrEqual(kills * delivery.mayLosePerKill);

    // One closing mail and one survey per ticket; each breach escalated once per level.
    const perTicket = (template: string) => {
      const counts = new Map<number | null, number>();
      for (const r of rows.filter((row) => row.template === template)) counts.set(r.ticketId, (counts.get(r.ticketId) ?? 0) + 1);
      return [...counts.values()];
    };
    expect(perTicket('closed')).toEqual(Array(2 * PER_KIND).fill(1));
    expect(perTicket('csat_survey')).toEqual(Array(PER_KIND).fill(1));
    expect(await db.ticketEvent.count({ where: { type: 'auto_closed' } })).toBe(2 * PER_KIND);
    const breaches = await db.ticketEvent.groupBy({ by: ['ticketId', 'detail'], where: { type: 'sla_breach' }, _count: { _all: true } });
    expect(breaches.filter((b) => b._count._all !== 1)).toEqual([]);
    console.log(`scheduler crash test (${mailer}): ${kills} SIGKILLs, ${leftovers} staged mails left, ${delivered.length} mails out, ${lost.length} lost in flight, ${breaches.length} breaches`);
  };

  it('with SMTP: closes each ticket with one mail, escalates each breach once, and sends no mail twice or unrecorded', () => scenario('smtp'), 400_000);
  it('with the file mailer: the same, and no mail lost either (the staged ones are finished at the next start)', () => scenario('file'), 400_000);
});
