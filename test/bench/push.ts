import { ImapFlow } from 'imapflow';
import { mail } from '../support/app.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { messagesIn, type RunningDaemon, spawnDaemon } from './daemon-run.js';
import { type Benchmark, type BenchRow, BUDGET, median, note, percentile, removeDir, round, RUNS, scaled, sleep, tempDir, until, wallMs } from './lib.js';

// Push latency: the daemon idles (IMAP IDLE) on its mailbox; mails are appended one by one; for each, the time
// from the APPEND's completion to the "mail processed" line (stamped right after the commit). Baseline, for the
// very same mails: each is appended at the same moment to a second mailbox where a plain imapflow client idles,
// APPEND -> its untagged EXISTS. Dovecot 2.3 tells IDLE clients about a change only after a fixed 500 ms, counted
// from the first change it has not reported yet; the baseline mailbox therefore only ever receives mail (a watcher
// on the daemon's own mailbox would also be told about the daemon's moves, and report the next mail early).
//
// A session's own changes restart that clock too (the daemon's session moves each mail; the watcher's moves it
// from new/ to cur/), so a mail appended less than 500 ms after them would be reported early: each mail waits
// QUIET_MS after the previous one was moved, and at least PERIOD after the previous append.
//
// That makes one sample cost about 1.2 s, so the BENCH_RUNS runs are run side by side as lanes:
// one mailbox (IMAP user), one daemon with its own database and one baseline mailbox and watcher per run, and the
// lanes' appends staggered by LANE_STAGGER_MS so that no two mails are being processed at the same moment. Each
// lane is a complete run (N mails one by one into an idle daemon); the figure is the median of the lanes' p99s.

const GOAL_DELTA_MS = 150;
const WARMUP_MAILS = 3;
/** Time between two lanes' appends; a lane appends again after RUNS of these (at least MIN_PERIOD_MS). */
const LANE_STAGGER_MS = 400;
const MIN_PERIOD_MS = 1_200;
/** After a mail is moved: the daemon goes back to IDLE and Dovecot's 500 ms clocks of both sessions run out. */
const QUIET_MS = 550;
const COMMIT_TIMEOUT_MS = 10_000;
/** No lane starts a mail past this (seconds x BENCH_BUDGET): 200 mails take about 245 s when no slot is skipped. */
const TIME_BUDGET_SECONDS = 270;

interface Lane {
  index: number;
  user: string;
  daemon: RunningDaemon;
  /** Idles on the baseline mailbox. */
  watcher: ImapFlow;
  /** Appends to the daemon's mailbox. */
  appender: ImapFlow;
  /** Appends the same mail to the baseline mailbox. */
  shadowAppender: ImapFlow;
  commits: Map<number, number>;
  existsAt: number[];
  gateway: number[];
  baseline: number[];
  late: number;
  /** Mails the daemon did not commit within COMMIT_TIMEOUT_MS (counted in its latencies as that timeout). */
  missedPushes: Array<{ mail: number; uid: number; existsSeen: boolean }>;
  /** Mails whose EXISTS the baseline watcher did not see (should stay 0). */
  missedBaseline: number;
}

async function connect(dovecot: DovecotServer, user: string): Promise<ImapFlow> {
  const client = new ImapFlow({ ...dovecot.imapConfig(user), logger: false, disableAutoIdle: true });
  await client.connect();
  return client;
}

const laneUser = (i: number) => `support${i}@example.test`;
const shadowUser = (i: number) => `watch${i}@example.test`;

async function openLane(dovecot: DovecotServer, index: number): Promise<Lane> {
  const user = laneUser(index);
  const dataDir = tempDir(`push${index}`);
  const daemon = spawnDaemon(dovecot, dataDir, `push-lane${index + 1}`, { IMAP_USER: user, IMAP_PASSWORD: 'password' });
  const commits = new Map<number, number>();
  daemon.logs.on((line) => {
    if (line.msg === 'mail processed' && typeof line.uid === 'number') commits.set(line.uid, line.time);
  });
  await daemon.logs.waitFor((l) => l.msg === 'IMAP mailbox open', 'IMAP mailbox open', 60_000);
  const watcher = await connect(dovecot, shadowUser(index));
  const appender = await connect(dovecot, user);
  const shadowAppender = await connect(dovecot, shadowUser(index));
  const lane: Lane = { index, user, daemon, watcher, appender, shadowAppender, commits, existsAt: [], gateway: [], baseline: [], late: 0, missedPushes: [], missedBaseline: 0 };
  await watcher.mailboxOpen('INBOX');
  watcher.on('exists', (e: { count: number; prevCount: number }) => {
    if (e.count > e.prevCount) lane.existsAt.push(wallMs());
  });
  void watcher.idle().catch(() => undefined);
  return lane;
}

async function closeLane(lane: Lane): Promise<void> {
  for (const client of [lane.appender, lane.shadowAppender, lane.watcher]) await client.logout().catch(() => client.close());
  await lane.daemon.stop();
  removeDir(lane.daemon.dataDir);
}

/**
 * One mail into the lane's idle mailbox; resolves once it is committed and moved out of INBOX (or after
 * COMMIT_TIMEOUT_MS without a commit: a push the daemon missed, counted and reported, not fatal).
 */
async function oneMail(lane: Lane, k: number, measured: boolean): Promise<void> {
  const from = `cliente${k % 40}@empresa${lane.index}.mx`;
  const reply = k > 10 && k % 5 === 0;
  const raw = mail({
    headers: {
      From: `"Cliente ${k}" <${from}>`,
      To: 'support@example.test',
      'Message-ID': `<push${k}.lane${lane.index}.${Date.now()}@empresa${lane.index}.mx>`,
      ...(reply ? { Subject: `Re: Consulta ${k - 5}`, 'In-Reply-To': `<first.lane${lane.index}@empresa${lane.index}.mx>` } : {}),
      ...(k === 0 ? { 'Message-ID': `<first.lane${lane.index}@empresa${lane.index}.mx>` } : {}),
    },
    body: `Hola, tengo un problema con el pedido ${k}.\nImpacto: Medio\n\n--\nCliente ${k}`,
  });
  const sentAt = wallMs();
  let appendedAt = 0;
  let shadowAppendedAt = 0;
  const [appended] = await Promise.all([
    lane.appender.append('INBOX', raw).then((r) => ((appendedAt = wallMs()), r)),
    lane.shadowAppender.append('INBOX', raw).then((r) => ((shadowAppendedAt = wallMs()), r)),
  ]);
  const uid = appended && typeof appended === 'object' ? appended.uid : undefined;
  if (!uid) throw new Error('APPEND returned no UID (UIDPLUS missing?)');
  try {
    await until(() => lane.commits.has(uid), `lane ${lane.index + 1} mail ${k} (UID ${uid}) to be committed`, COMMIT_TIMEOUT_MS, 2);
  } catch {
    if (measured) lane.missedPushes.push({ mail: k, uid, existsSeen: lane.existsAt.some((t) => t >= sentAt) });
    note(`push: lane ${lane.index + 1} mail ${k} (UID ${uid}) not committed within ${COMMIT_TIMEOUT_MS} ms (watcher saw EXISTS: ${lane.existsAt.some((t) => t >= sentAt)})`);
    if (measured) lane.gateway.push(COMMIT_TIMEOUT_MS);
    await until(() => lane.commits.has(uid), `lane ${lane.index + 1} mail ${k} (UID ${uid}) to be committed at all`, 120_000, 20);
    return;
  }
  // Moved to Processed (the daemon is about to go back to IDLE).
  await until(async () => (await messagesIn(lane.appender, 'INBOX')) === 0, `lane ${lane.index + 1} mail ${k} to be moved`, 20_000, 5);
  if (!measured) return;
  lane.gateway.push((lane.commits.get(uid) as number) - appendedAt);
  const existsAt = lane.existsAt.find((t) => t >= sentAt);
  if (existsAt === undefined) lane.missedBaseline++;
  else lane.baseline.push(existsAt - shadowAppendedAt);
}

/**
 * The lane's mails on its own grid of slots (start + lane x stagger + m x period), so the lanes never drift into
 * each other: a mail that is not done QUIET_MS before the next slot makes the lane skip that slot.
 */
async function driveLane(lane: Lane, mails: number, period: number, start: number, deadline: number): Promise<void> {
  let next = start + lane.index * LANE_STAGGER_MS;
  for (let k = 0; k < WARMUP_MAILS + mails; k++) {
    if (next > deadline) return; // the time budget: fewer samples, said in the table
    const wait = next - wallMs();
    if (wait > 0) await sleep(wait);
    await oneMail(lane, k, k >= WARMUP_MAILS);
    next += period;
    while (wallMs() + QUIET_MS > next) {
      if (k >= WARMUP_MAILS) lane.late++;
      next += period;
    }
  }
}

export const pushBenchmark: Benchmark = {
  name: 'push',
  aliases: ['push-latency', 'latency'],
  describe: 'push latency: APPEND -> ticket committed by the idle daemon, p99 vs Dovecot APPEND -> IDLE EXISTS',
  async run(): Promise<BenchRow[]> {
    const mails = scaled(200, 10);
    const users = Array.from({ length: RUNS }, (_, i) => [laneUser(i), shadowUser(i)]).flat().map((user) => ({ user, password: 'password' }));
    const dovecot = await startDovecot({ users });
    const lanes: Lane[] = [];
    const period = Math.max(MIN_PERIOD_MS, RUNS * LANE_STAGGER_MS);
    try {
      const opened = await Promise.allSettled(Array.from({ length: RUNS }, (_, i) => openLane(dovecot, i)));
      for (const lane of opened) if (lane.status === 'fulfilled') lanes.push(lane.value);
      const failed = opened.find((lane) => lane.status === 'rejected');
      if (failed) throw failed.reason;
      await sleep(1_000); // every daemon has drained its (empty) mailbox and sits in IDLE
      note(`push: ${lanes.length} lane(s) x ${mails} mails (+${WARMUP_MAILS} warm-up each), one mail per lane every ${period} ms`);
      const start = wallMs() + 100;
      const deadline = BUDGET === 0 ? Number.POSITIVE_INFINITY : start + TIME_BUDGET_SECONDS * BUDGET * 1000;
      await Promise.all(lanes.map((lane) => driveLane(lane, mails, period, start, deadline)));
    } finally {
      await Promise.all(lanes.map((lane) => closeLane(lane).catch(() => undefined)));
      await dovecot.stop();
    }
    const runs = lanes.map((lane) => {
      const diffs = lane.missedBaseline || lane.missedPushes.length ? [] : lane.gateway.map((g, i) => g - (lane.baseline[i] as number));
      const p99 = percentile(lane.gateway, 99);
      const baseP99 = percentile(lane.baseline, 99);
      return {
        lane: lane.index + 1,
        samples: lane.gateway.length,
        gatewayP50: round(median(lane.gateway), 1),
        gatewayP99: round(p99, 1),
        gatewayMax: round(Math.max(...lane.gateway), 1),
        baselineP50: round(median(lane.baseline), 1),
        baselineP99: round(baseP99, 1),
        baselineMax: round(Math.max(...lane.baseline), 1),
        deltaP99: round(p99 - baseP99, 1),
        perMailExtraP50: round(median(diffs), 1),
        perMailExtraP99: round(percentile(diffs, 99), 1),
        /** Slots skipped because the mail before was not done QUIET_MS ahead of them (a slow machine). */
        skippedSlots: lane.late,
        missedPushes: lane.missedPushes,
        missedBaseline: lane.missedBaseline,
      };
    });
    const samples = Math.min(...runs.map((r) => r.samples));
    const p99 = median(runs.map((r) => r.gatewayP99));
    const baseP99 = median(runs.map((r) => r.baselineP99));
    const delta = median(runs.map((r) => r.deltaP99));
    return [
      {
        benchmark: 'push latency',
        figure: `p99 ${p99.toFixed(0)} ms${samples < mails ? ` (${samples}/${mails} mails, time budget)` : ''}`,
        figureValue: p99,
        baseline: `p99 ${baseP99.toFixed(0)} ms IDLE`,
        baselineValue: baseP99,
        ratio: `${delta >= 0 ? '+' : ''}${delta.toFixed(0)} ms`,
        ratioValue: delta,
        goal: `<= baseline + ${GOAL_DELTA_MS} ms`,
        pass: delta <= GOAL_DELTA_MS,
        runs: runs.length,
        details: { mailsPerRun: mails, warmupMailsPerRun: WARMUP_MAILS, periodMs: period, runs, figure: 'APPEND completed -> "mail processed" (after commit); baseline: the same mail APPENDed at the same moment to a mailbox watched by an idle imapflow client, APPEND completed -> EXISTS; p99 per run, median over runs' },
      },
    ];
  },
};
