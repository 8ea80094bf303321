import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setTicketStatus } from '../../src/lifecycle/agent-actions.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { createTestApp, mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { daemonLogLines, startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp.js';

// Two `ventanilla start` daemons on ONE database (same DATA_DIR), the same IMAP mailbox and the same SMTP
// server, for about a minute of real scheduled work: a backlog of mail, mail that keeps arriving, tickets
// whose reminders, auto-closes and SLA escalations are due, and a queued outbox. Whatever the interleaving,
// every effect must happen exactly once, and both daemons must have competed for the work.

const RUN_MS = Number(process.env.TWO_DAEMONS_RUN_MS ?? 60_000);
const BACKLOG = 300;
// remind: pending ~48 business hours (reminder due, auto-close not yet); *Expired: long past their auto-close;
// *Later: the same, but with the timer set to come due while the daemons run; open: SLA long breached.
const SEED = { remind: 12, pendingExpired: 12, solvedExpired: 12, remindLater: 6, closeLater: 6, open: 12 };
const SEEDED_TICKETS = Object.values(SEED).reduce((a, b) => a + b, 0);
const LIVE_EVERY_MS = 1_000;
const LIVE_PER_ROUND = 3;
const DAY = 86_400_000;

const ESCALATION_CONTACTS = '1:lead@example.test,2:manager@example.test';

const bare = (id: string | null | undefined) => (id ?? '').replace(/^<|>$/g, '');

describe.skipIf(!dovecotAvailable() || !cliBuilt)('two daemons on one database, one mailbox and one SMTP server', () => {
  let dovecot: DovecotServer | undefined;
  let smtp: SmtpPeer | undefined;
  let dataDir: string | undefined;
  let db: Db | undefined;
  const daemons: Daemon[] = [];
  let sampling = false;

  afterAll(async () => {
    sampling = false;
    await Promise.all(daemons.map((d) => d.kill('SIGKILL')));
    await db?.$disconnect();
    await Promise.all([dovecot?.stop(), smtp?.stop()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('share a minute of work: every mail processed once, every outbox row sent once, every timer fired once', { timeout: 170_000 }, async () => {
    [dovecot, smtp] = await Promise.all([startDovecot(), startSmtpPeer()]);
    dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-two-daemons-'));
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      SUPPORT_ADDRESS: 'support@example.test',
      SECRET_KEY: 'two-daemons-secret-0123456789',
      ESCALATION_CONTACTS,
      IMAP_HOST: dovecot.host,
      IMAP_PORT: String(dovecot.imapPort),
      IMAP_SECURE: 'false',
      IMAP_USER: dovecot.user,
      IMAP_PASSWORD: dovecot.password,
      IMAP_POLL_SECONDS: '5',
      // Every outbox row must be sent within the minute: the run's ~500 first-time senders are past ACK_LIMIT's
      // default, which would rightly hold some acknowledgements for the next hour (ack-throttle.test.ts).
      ACK_LIMIT: '0',
      ...smtp.env(),
    };

    // --- Seed, in-process, on the same DATA_DIR: tickets whose timers and SLA checks are due. ---
    const seeded = {
      remind: [] as number[],
      pendingExpired: [] as number[],
      solvedExpired: [] as number[],
      remindLater: [] as number[],
      closeLater: [] as number[],
      open: [] as { number: number; messageId: string }[],
    };
    const longAgo = new Date(Date.now() - 60 * DAY);
    let clock = longAgo;
    const app = await createTestApp(env, () => clock);
    try {
      const calendar = app.lifecycle.policies.calendar;
      // A start that is ~48 business hours ago: past the reminder (36), well before the auto-close (60).
      const now = new Date();
      let lo = longAgo.getTime();
      let hi = now.getTime();
      for (let i = 0; i < 50; i++) {
        const mid = Math.floor((lo + hi) / 2);
        if (calendar.businessHoursBetween(new Date(mid), now) > 48) lo = mid;
        else hi = mid;
      }
      const remindSince = new Date(hi);
      expect(calendar.businessHoursBetween(remindSince, now)).toBeGreaterThan(40);
      expect(remindSince.getTime()).toBeGreaterThan(longAgo.getTime() + DAY);

      let n = 0;
      const ingest = async (group: keyof typeof SEED) => {
        const messageId = `seed-${group}-${n}@cliente.mx`;
        const raw = mail({ headers: { 'Message-ID': `<${messageId}>`, From: `seed${n}@cliente${n % 4}.mx`, Subject: `Caso sembrado ${n}` }, body: `Problema ${n}\nImpacto: Alto\nUrgencia: Alta` });
        n++;
        const r = await app.pipeline.ingest(raw, { source: 'file', sourceRef: `seed:${messageId}` });
        expect(r.outcome).toBe('created');
        return { number: r.ticketNumber as number, messageId };
      };
      const ctx = { db: app.db, blobs: app.blobs, lifecycle: app.lifecycle };
      for (const group of ['remind', 'remindLater'] as const) {
        for (let i = 0; i < SEED[group]; i++) {
          const t = await ingest(group);
          await setTicketStatus(ctx, { number: t.number, status: 'pending', actor: 'agente@example.test', now: remindSince });
          seeded[group].push(t.number);
        }
      }
      for (let i = 0; i < SEED.pendingExpired; i++) {
        const t = await ingest('pendingExpired');
        await setTicketStatus(ctx, { number: t.number, status: 'pending', actor: 'agente@example.test', now: new Date(longAgo.getTime() + DAY) });
        seeded.pendingExpired.push(t.number);
      }
      for (const group of ['solvedExpired', 'closeLater'] as const) {
        for (let i = 0; i < SEED[group]; i++) {
          const t = await ingest(group);
          await setTicketStatus(ctx, { number: t.number, status: 'solved', actor: 'agente@example.test', now: new Date(longAgo.getTime() + DAY) });
          seeded[group].push(t.number);
        }
      }
      // Open for 60 days without an answer: the SLA job owes them warnings and escalations.
      for (let i = 0; i < SEED.open; i++) seeded.open.push(await ingest('open'));
      clock = new Date();
    } finally {
      await app.dispose(); // removes only the helper's own temporary directory, not DATA_DIR
    }

    db = await openDatabase(join(dataDir, 'ventanilla.db'));
    const queuedBefore = await db.outboxMail.count();
    // Acknowledgements, plus the notices of the pending and solved changes.
    expect(queuedBefore).toBeGreaterThanOrEqual(SEEDED_TICKETS * 2 - SEED.open);
    const timed = SEED.remind + SEED.pendingExpired + SEED.solvedExpired + SEED.remindLater + SEED.closeLater;
    expect(await db.ticket.count({ where: { timerDueAt: { lte: new Date() } } })).toBe(timed);

    // --- A backlog in the mailbox, so both daemons find work the moment they start. ---
    const appended: string[] = [];
    const backlog: Buffer[] = [];
    for (let i = 0; i < BACKLOG; i++) {
      const messageId = `backlog-${i}@cliente.mx`;
      appended.push(messageId);
      backlog.push(mail({ headers: { 'Message-ID': `<${messageId}>`, From: `c${i % 41}@cliente${i % 7}.mx`, Subject: `Consulta ${i}` }, body: `No puedo facturar (${i}).` }));
    }
    await dovecot.appendMany(backlog);

    // The *Later timers come due about 20 s and 45 s into the run (the timer job ticks every 30 s).
    const later = [...seeded.remindLater, ...seeded.closeLater];
    for (const [i, number] of later.entries()) {
      await db.ticket.update({ where: { number }, data: { timerDueAt: new Date(Date.now() + (i % 2 === 0 ? 20_000 : 45_000)) } });
    }

    // --- Both daemons at the same moment. ---
    daemons.push(startDaemon(env, { maxLogChars: 20_000_000 }), startDaemon(env, { maxLogChars: 20_000_000 }));
    const [a, b] = daemons as [Daemon, Daemon];
    const pids = daemons.map((d) => d.child.pid as number);
    const daemonOf = (holder: string) => pids.findIndex((pid) => holder.split(':').includes(String(pid)));
    await waitFor(() => daemons.every((d) => d.log().includes('ventanilla started')), 'both daemons to start', 30_000, 50);

    // Who holds which lease, sampled all along (leases released are stamped with leasedUntil = release time).
    const leaseHolders = new Map<string, Set<number>>();
    sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const held = await db!.jobLease.findMany({ where: { leasedUntil: { gt: new Date() } } });
        for (const l of held) {
          const set = leaseHolders.get(l.name) ?? new Set<number>();
          set.add(daemonOf(l.holder));
          leaseHolders.set(l.name, set);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })().catch((error: unknown) => {
      if (sampling) throw error;
    });

    // --- About a minute of mail arriving: new tickets and replies to the open seeded tickets. ---
    const runStarted = Date.now();
    let liveCount = 0;
    let replies = 0;
    while (Date.now() - runStarted < RUN_MS) {
      const round: Buffer[] = [];
      for (let i = 0; i < LIVE_PER_ROUND; i++) {
        const messageId = `live-${liveCount}@cliente.mx`;
        appended.push(messageId);
        if (liveCount % 10 === 9) {
          const parent = seeded.open[replies++ % seeded.open.length]!;
          round.push(mail({ headers: { 'Message-ID': `<${messageId}>`, 'In-Reply-To': `<${parent.messageId}>`, From: `seed-reply@cliente.mx`, Subject: `Re: Caso sembrado` }, body: '¿Alguna novedad?' }));
        } else {
          round.push(mail({ headers: { 'Message-ID': `<${messageId}>`, From: `live${liveCount}@cliente${liveCount % 5}.mx`, Subject: `En vivo ${liveCount}` }, body: `Otro problema (${liveCount}).` }));
        }
        liveCount++;
      }
      await dovecot.appendMany(round);
      await new Promise((r) => setTimeout(r, LIVE_EVERY_MS));
    }
    for (const d of daemons) expect(d.child.exitCode, `a daemon died during the run:\n${d.log().slice(-3000)}`).toBeNull();

    // --- Let them finish: every mail has an outcome, every due timer fired, the outbox is empty. ---
    const total = appended.length;
    const progress = async () => {
      const refs = await db!.inboundLog.groupBy({ by: ['sourceRef'], where: { source: 'imap' } });
      const unsent = await db!.outboxMail.count({ where: { status: { not: 'sent' } } });
      const rows = await db!.outboxMail.count();
      const reminders = await db!.ticketEvent.count({ where: { type: 'pending_reminder' } });
      const closed = await db!.ticketEvent.count({ where: { type: 'auto_closed' } });
      const inbox = (await dovecot!.list('INBOX')).length;
      return { processed: refs.length, total, inbox, unsent, rows, received: smtp!.received.length, reminders, closed };
    };
    const settled = await waitFor(
      async () => {
        const p = await progress();
        const done =
          p.processed === total &&
          p.inbox === 0 &&
          p.unsent === 0 &&
          p.received >= p.rows &&
          p.reminders >= SEED.remind + SEED.remindLater &&
          p.closed >= SEED.pendingExpired + SEED.solvedExpired + SEED.closeLater;
        return done ? p : null;
      },
      'both daemons to finish the work',
      60_000,
      500,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\nprogress: ${JSON.stringify(await progress())}\n--- daemon A ---\n${a.log().slice(-3000)}\n--- daemon B ---\n${b.log().slice(-3000)}`);
    });
    sampling = false;
    await sampler;

    // --- SIGTERM both: they must exit by themselves, with status 0, promptly. ---
    const stopStarted = Date.now();
    const exits = daemons.map((d) => new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      if (d.child.exitCode !== null || d.child.signalCode !== null) resolve({ code: d.child.exitCode, signal: d.child.signalCode });
      else d.child.once('close', (code, signal) => resolve({ code, signal }));
    }));
    for (const d of daemons) d.child.kill('SIGTERM');
    const exited = await Promise.race([Promise.all(exits), new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    expect(exited, 'both daemons to exit within 30 s of SIGTERM').not.toBeNull();
    expect(exited).toEqual([{ code: 0, signal: null }, { code: 0, signal: null }]);
    const stopMs = Date.now() - stopStarted;

    if (process.env.TWO_DAEMONS_LOG_DIR) {
      for (const [i, d] of daemons.entries()) writeFileSync(join(process.env.TWO_DAEMONS_LOG_DIR, `daemon-${'AB'[i]}.log`), d.log());
    }
    const logs = daemons.map((d) => daemonLogLines(d));
    const outboxRows = await db.outboxMail.findMany();
    const received = smtp.received;

    // Report what happened (visible with --reporter=verbose or on failure).
    const perDaemon = logs.map((lines) => {
      const processed = lines.filter((l) => l.msg === 'mail processed');
      const jobs: Record<string, number> = {};
      const sent = lines.filter((l) => l.msg === 'job ran' && l.job === 'outbox-drain').reduce((s, l) => s + Number(l.sent ?? 0), 0);
      for (const l of lines.filter((l) => l.msg === 'job ran')) jobs[String(l.job)] = (jobs[String(l.job)] ?? 0) + 1;
      return {
        processed: processed.length,
        duplicates: processed.filter((l) => l.outcome === 'duplicate').length,
        jobs,
        sent,
        warnings: lines.filter((l) => l.level === 40).map((l) => l.msg),
        errors: lines.filter((l) => l.level >= 50).map((l) => `${l.msg}: ${JSON.stringify(l.err ?? l.error ?? '')}`.slice(0, 500)),
      };
    });
    const summary = {
      settled,
      stopMs,
      outboxRows: outboxRows.length,
      received: received.length,
      leaseHolders: Object.fromEntries([...leaseHolders].map(([k, v]) => [k, [...v].sort()])),
      perDaemon,
    };
    console.log(`two-daemons summary: ${JSON.stringify(summary, null, 1)}`);

    // 1. Every outbox row was sent, exactly once.
    expect(outboxRows.filter((r) => r.status !== 'sent').map((r) => ({ id: r.id, status: r.status, lastError: r.lastError }))).toEqual([]);
    const receivedIds = received.map((m) => bare(m.header('message-id')));
    const seenTwice = receivedIds.filter((id, i) => receivedIds.indexOf(id) !== i);
    expect(seenTwice, 'Message-IDs the SMTP server received more than once').toEqual([]);
    expect(received.length).toBe(outboxRows.length);
    expect(new Set(receivedIds)).toEqual(new Set(outboxRows.map((r) => bare(r.messageId))));

    // 2. Every mailbox message has exactly one inbound outcome (no UID processed twice), none quarantined.
    const imapLog = await db.inboundLog.findMany({ where: { source: 'imap' } });
    const perRef = new Map<string, typeof imapLog>();
    for (const row of imapLog) perRef.set(row.sourceRef ?? '', [...(perRef.get(row.sourceRef ?? '') ?? []), row]);
    const twice = [...perRef].filter(([, rows]) => rows.length > 1).map(([ref, rows]) => `${ref}: ${rows.map((r) => r.outcome).join(',')}`);
    expect({ count: twice.length, first: twice.slice(0, 10) }, 'mailbox messages (UIDs) with more than one outcome').toEqual({ count: 0, first: [] });
    expect(perRef.size).toBe(total);
    expect(new Set(imapLog.map((r) => r.messageId))).toEqual(new Set(appended));
    expect(imapLog.filter((r) => r.outcome === 'duplicate' || r.outcome === 'quarantined')).toEqual([]);
    expect(await db.message.count({ where: { direction: 'in' } })).toBe(total + SEEDED_TICKETS);

    // 3. Timers: one reminder per pending period, one auto-close per ticket, each with one notice.
    const eventsPerTicket = async (type: string) => {
      const rows = await db!.ticketEvent.groupBy({ by: ['ticketId'], where: { type }, _count: { _all: true } });
      return rows;
    };
    const ticketIdOf = new Map((await db.ticket.findMany({ select: { id: true, number: true } })).map((t) => [t.number, t.id]));
    const reminded = await eventsPerTicket('pending_reminder');
    expect(reminded.filter((r) => r._count._all !== 1)).toEqual([]);
    expect(reminded.map((r) => r.ticketId).sort((x, y) => x - y)).toEqual([...seeded.remind, ...seeded.remindLater].map((n) => ticketIdOf.get(n)).sort((x, y) => x! - y!));
    const autoClosed = await eventsPerTicket('auto_closed');
    expect(autoClosed.filter((r) => r._count._all !== 1)).toEqual([]);
    expect(autoClosed.map((r) => r.ticketId).sort((x, y) => x - y)).toEqual(
      [...seeded.pendingExpired, ...seeded.solvedExpired, ...seeded.closeLater].map((n) => ticketIdOf.get(n)).sort((x, y) => x! - y!),
    );
    const noticesPer = (template: string) => {
      const counts = new Map<number, number>();
      for (const r of outboxRows.filter((r) => r.template === template)) counts.set(r.ticketId!, (counts.get(r.ticketId!) ?? 0) + 1);
      return counts;
    };
    expect([...noticesPer('pending_reminder')].filter(([, c]) => c !== 1)).toEqual([]);
    expect(noticesPer('pending_reminder').size).toBe(SEED.remind + SEED.remindLater);
    expect([...noticesPer('closed')].filter(([, c]) => c !== 1)).toEqual([]);
    expect(noticesPer('closed').size).toBe(SEED.pendingExpired + SEED.solvedExpired + SEED.closeLater);
    for (const number of [...seeded.pendingExpired, ...seeded.solvedExpired, ...seeded.closeLater]) {
      expect((await db.ticket.findUnique({ where: { number } }))?.status).toBe('closed');
    }
    // SLA: the open seeded tickets were escalated once per level (the SLA job ran and did not repeat itself).
    const slaEvents = await db.ticketEvent.groupBy({ by: ['ticketId', 'type', 'detail'], where: { type: { in: ['sla_warning', 'sla_breach'] } }, _count: { _all: true } });
    expect(slaEvents.filter((e) => e._count._all !== 1)).toEqual([]);
    expect(new Set(slaEvents.map((e) => e.ticketId))).toEqual(new Set(seeded.open.map((t) => ticketIdOf.get(t.number))));
    // (Escalation mail to one contact is capped at AUTO_MAIL_LIMIT an hour, so only "some" is certain; a
    // customer's reminders and closes are not capped, and each was mailed once, above.)
    expect(outboxRows.filter((r) => r.template === 'escalation').length).toBeGreaterThan(0);

    // 4. Both daemons competed for the work: each held leases while the other ran. (Which one does most of
    // the work is up to timing: with leases one instance may be a hot standby most of the minute.)
    for (const [i, d] of perDaemon.entries()) {
      // DB_BUSY here means inTransaction gave up on SQLITE_BUSY_SNAPSHOT (read-then-write transactions).
      expect(d.errors, `daemon ${'AB'[i]} logged errors`).toEqual([]);
    }
    expect(perDaemon.reduce((n, d) => n + d.processed, 0)).toBeGreaterThan(0);
    const allHolders = new Set([...leaseHolders.values()].flatMap((s) => [...s]));
    expect(allHolders).toEqual(new Set([0, 1]));

    // 5. A clean stop leaves no lease held: the other instance (or the next start) is not locked out.
    const stillHeld = await db.jobLease.findMany({ where: { leasedUntil: { gt: new Date() } } });
    expect(stillHeld.map((l) => `${l.name} held by ${l.holder} until ${l.leasedUntil.toISOString()}`)).toEqual([]);
    for (const lines of logs) {
      const stopAt = lines.find((l) => l.msg === 'stopping')?.time;
      expect(stopAt, 'the daemon logged its stop').toBeDefined();
    }
  });
});
