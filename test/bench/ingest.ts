import { ImapFlow } from 'imapflow';
import { PROCESSED_KEYWORD } from '../../src/ingest/sources/imap.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { backlog } from './corpus.js';
import { messagesIn, outcomeCounts, spawnDaemon, unsentMails } from './daemon-run.js';
import { startLineProcess } from './line-process.js';
import { fetchAndParseAll } from './raw-ingest.js';
import { type Benchmark, type BenchRow, BUDGET, median, note, procCpuSeconds, removeDir, repeatRuns, round, scaled, tempDir, type ThreadCpu, procThreadCpu, until, rateRow, wallMs } from './lib.js';

// Ingest backlog: N varied mails already in Dovecot; start the daemon; time until every one has its outcome
// committed (the "mail processed" log line of the last one, stamped right after its commit). Baseline, in the
// same run and on the same mailbox: one imapflow FETCH of every source, each parsed with mailparser, no database.
// Each run also reports CPU time per mail, which this machine's busy minutes move far less than the rates: the
// daemon's (every thread, spawn to the last commit) and the baseline's (this process, its FETCH and parse).
//
// Time limit: a run is cut at max(40 s, twice the time a gateway at the goal would need) x BENCH_BUDGET; the figure
// is then the rate over the mails committed by then (the table says so). A gateway near its goal is never cut.

const GOAL_RATIO = 0.5;
/** Repeats stop once another run would end past this (seconds x BENCH_BUDGET). */
const RUN_BUDGET_SECONDS = 130;
const MIN_CAP_SECONDS = 40;

async function imap(dovecot: DovecotServer): Promise<ImapFlow> {
  const client = new ImapFlow({ ...dovecot.imapConfig(), logger: false, disableAutoIdle: true });
  await client.connect();
  return client;
}

async function inboxCount(dovecot: DovecotServer): Promise<number> {
  const client = await imap(dovecot);
  try {
    return await messagesIn(client, 'INBOX');
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/**
 * Puts every mail back into INBOX, unflagged, in the original order (new UIDs; each run has a new database).
 * After a capped run the first mails are in Processed and the rest still in INBOX: the rest goes after them first.
 */
async function refill(dovecot: DovecotServer, expected: number): Promise<void> {
  const client = await imap(dovecot);
  try {
    if ((await client.mailboxOpen('INBOX')).exists > 0) await client.messageMove('1:*', 'Processed');
    const box = await client.mailboxOpen('Processed');
    if (box.exists > 0) {
      await client.messageFlagsRemove('1:*', [PROCESSED_KEYWORD]);
      await client.messageMove('1:*', 'INBOX');
    }
    const count = await messagesIn(client, 'INBOX');
    if (count !== expected) throw new Error(`refill: INBOX has ${count} mails, expected ${expected}`);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** The raw capability (raw-ingest.ts), timed, then a FETCH alone. */
async function rawFetchParse(dovecot: DovecotServer, expected: number): Promise<{ seconds: number; fetchOnlySeconds: number; cpuSeconds: number }> {
  const t0 = wallMs();
  const cpu0 = process.cpuUsage();
  await fetchAndParseAll(dovecot.imapConfig(), expected);
  const seconds = (wallMs() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // FETCH alone, for the details: how much of the baseline is the server and the wire.
  const t1 = wallMs();
  const again = await imap(dovecot);
  let fetched = 0;
  try {
    await again.mailboxOpen('INBOX', { readOnly: true });
    for await (const message of again.fetch('1:*', { uid: true, source: true })) if (message.source) fetched++;
  } finally {
    await again.logout().catch(() => again.close());
  }
  if (fetched !== expected) throw new Error(`raw fetch returned ${fetched} sources, expected ${expected}`);
  return { seconds, fetchOnlySeconds: (wallMs() - t1) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The same raw work in a new process (raw-ingest-process.ts), timed from its spawn to its answer. */
async function rawInNewProcess(dovecot: DovecotServer, expected: number): Promise<{ seconds: number; cpuSeconds: number }> {
  const t0 = wallMs();
  const child = startLineProcess('raw-ingest-process', [JSON.stringify(dovecot.imapConfig()), String(expected)]);
  const answer = JSON.parse(await child.next()) as { cpuSeconds: number };
  const seconds = (wallMs() - t0) / 1000;
  await child.stop();
  return { seconds, cpuSeconds: answer.cpuSeconds };
}

/** Uncounted: the first mails fetched and parsed once, so the first measured baseline does not pay for the JIT. */
async function warmUp(dovecot: DovecotServer, count: number): Promise<void> {
  await fetchAndParseAll(dovecot.imapConfig(), count, `1:${count}`);
}

interface GatewayRun {
  /** Mails committed within the run (all of them unless the cap cut the run short). */
  committed: number;
  seconds: number;
  capped: boolean;
  startupSeconds: number;
  steadyRate: number;
  /** Daemon spawn to the last acknowledgement sent (they wait for the backlog: src/outbound/inbound-first.ts); null when capped. */
  acksOutSeconds: number | null;
  /** The daemon's CPU time (all threads) from its spawn to the last commit (read within 20 ms of it). */
  cpuSeconds: number;
  /** The same per thread: the main thread first, then the busiest first (lib.ts procThreadCpu). */
  threads: ThreadCpu[];
  outcomes: Record<string, number>;
}

/**
 * Starts the daemon on the filled mailbox and waits for the commit of every mail, or until `capSeconds` after
 * the start (then the figure is the rate over the mails committed so far, from the daemon's start).
 */
async function gatewayIngest(dovecot: DovecotServer, expected: number, capSeconds: number, label: string): Promise<GatewayRun> {
  const dataDir = tempDir('ingest');
  // ACK_LIMIT above the corpus's ~3,200 acknowledgements: all go at once (the figure below waits for them), and
  // each still goes through the throttle's reads (src/outbound/ack-throttle.ts) at their dearest, fewer before it than the limit.
  const run = spawnDaemon(dovecot, dataDir, label, { ACK_LIMIT: '5000' });
  try {
    const commits: number[] = [];
    let opened = 0;
    run.logs.on((line) => {
      if (line.msg === 'mail processed') commits.push(line.time);
      else if (line.msg === 'IMAP mailbox open') opened = line.time;
    });
    const exited = new Promise<never>((_, reject) => run.daemon.child.once('exit', (code) => reject(new Error(`daemon exited (${code}): ${run.daemon.log().slice(-2000)}`))));
    const capAt = run.spawnedAt + capSeconds * 1000;
    await Promise.race([until(() => commits.length >= expected || Date.now() >= capAt, `${expected} commits`, capSeconds * 1000 + 60_000, 20), exited]);
    const cpuSeconds = procCpuSeconds(run.daemon.child.pid as number);
    const threads = procThreadCpu(run.daemon.child.pid as number);
    const committed = Math.min(expected, commits.filter((t) => t <= capAt).length);
    if (committed < 2) throw new Error(`only ${committed} mails committed within ${capSeconds} s`);
    const capped = committed < expected;
    const last = commits[committed - 1] as number;
    const first = commits[0] as number;
    // Not part of the figure: when the acknowledgements the backlog queued were all sent.
    let acksOutSeconds: number | null = null;
    if (!capped) {
      await Promise.race([until(() => unsentMails(dataDir) === 0, 'the acknowledgements to be sent', 120_000, 50), exited]);
      acksOutSeconds = (Date.now() - run.spawnedAt) / 1000;
    }
    // Not timed: let the last batch be flagged and moved (after a full run), so the next run can put the mail back.
    if (!capped) await Promise.race([until(async () => (await inboxCount(dovecot)) === 0, 'the inbox to be drained', 60_000, 200), exited]);
    await run.stop();
    const outcomes = outcomeCounts(dataDir);
    const logged = Object.values(outcomes).reduce((a, b) => a + b, 0);
    if (!capped && logged !== expected) throw new Error(`the inbound log has ${logged} rows, expected ${expected}`);
    return { committed, seconds: (last - run.spawnedAt) / 1000, capped, startupSeconds: ((opened || first) - run.spawnedAt) / 1000, steadyRate: (committed - 1) / ((last - first) / 1000), acksOutSeconds, cpuSeconds, threads, outcomes };
  } finally {
    await run.stop().catch(() => undefined);
    removeDir(dataDir);
  }
}

/** "main 2.05+0.31, 2.41+0.09, 0.55+0.02, ...": the main thread, then the others by CPU used. */
function threadList(threads: ThreadCpu[]): string {
  return threads.map((t, i) => `${i === 0 ? 'main ' : ''}${t.user.toFixed(2)}+${t.system.toFixed(2)}`).join(', ');
}

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  aliases: ['ingest-backlog', 'backlog'],
  describe: 'ingest backlog: N varied mails in Dovecot, daemon start to last commit, vs raw FETCH + mailparser',
  async run(): Promise<BenchRow[]> {
    const n = scaled(5000, 20);
    const { raws, stats } = backlog(n);
    note(`ingest: ${n} mails (${(stats.bytes / 1048576).toFixed(1)} MiB): ${JSON.stringify(stats)}`);
    const dovecot = await startDovecot();
    type Run = { rawRate: number; gatewayRate: number; ratio: number; committed: number; capSeconds: number | null; startupSeconds: number; steadyRate: number; fetchOnlyRate: number; acksOutSeconds: number | null; gatewayCpuMsPerMail: number; rawCpuMsPerMail: number; newProcessRawRate: number; newProcessRatio: number; newProcessRawCpuMsPerMail: number; gatewayThreads: ThreadCpu[] };
    let runs: Run[] = [];
    let outcomes: Record<string, number> = {};
    let appendRate = 0;
    let cutByBudget = false;
    try {
      const t0 = wallMs();
      await dovecot.appendMany(raws);
      appendRate = n / ((wallMs() - t0) / 1000);
      note(`ingest: appended in ${((wallMs() - t0) / 1000).toFixed(1)} s`);
      await warmUp(dovecot, Math.min(300, n));
      ({ results: runs, cutByBudget } = await repeatRuns('ingest', RUN_BUDGET_SECONDS, async (r): Promise<Run> => {
        if (r > 0) await refill(dovecot, n);
        const raw = await rawFetchParse(dovecot, n);
        const rawRate = n / raw.seconds;
        const fresh = await rawInNewProcess(dovecot, n);
        // A gateway that meets the goal needs n / (GOAL_RATIO x raw) seconds: the cap leaves it twice that (at least
        // MIN_CAP_SECONDS), so it only ever cuts short a run that is far from the goal anyway.
        const cap = BUDGET === 0 ? Number.POSITIVE_INFINITY : Math.max(MIN_CAP_SECONDS, (2 * n) / (GOAL_RATIO * rawRate)) * BUDGET;
        const gateway = await gatewayIngest(dovecot, n, cap, `ingest-run${r + 1}`);
        outcomes = gateway.outcomes;
        const gatewayRate = gateway.committed / gateway.seconds;
        note(`ingest run ${r + 1}: gateway ${gatewayRate.toFixed(1)} msg/s (${gateway.committed}/${n} in ${gateway.seconds.toFixed(1)} s${gateway.capped ? `, cut at the ${cap.toFixed(0)} s cap` : ''}; startup ${gateway.startupSeconds.toFixed(2)} s; acknowledgements all sent at ${gateway.acksOutSeconds?.toFixed(1) ?? '-'} s), raw ${rawRate.toFixed(1)} msg/s, raw in a new process ${(n / fresh.seconds).toFixed(1)} msg/s; CPU a mail: gateway ${((1000 * gateway.cpuSeconds) / gateway.committed).toFixed(2)} ms, raw ${((1000 * raw.cpuSeconds) / n).toFixed(2)} ms, raw in a new process ${((1000 * fresh.cpuSeconds) / n).toFixed(2)} ms; the daemon's threads (user+sys s): ${threadList(gateway.threads)}`);
        return {
          rawRate: round(rawRate, 1), gatewayRate: round(gatewayRate, 1), ratio: round(gatewayRate / rawRate, 3), committed: gateway.committed, capSeconds: gateway.capped ? round(cap, 0) : null,
          startupSeconds: round(gateway.startupSeconds), steadyRate: round(gateway.steadyRate, 1), fetchOnlyRate: round(n / raw.fetchOnlySeconds, 1),
          acksOutSeconds: gateway.acksOutSeconds === null ? null : round(gateway.acksOutSeconds),
          gatewayCpuMsPerMail: round((1000 * gateway.cpuSeconds) / gateway.committed, 3), rawCpuMsPerMail: round((1000 * raw.cpuSeconds) / n, 3),
          newProcessRawRate: round(n / fresh.seconds, 1), newProcessRatio: round(gatewayRate / (n / fresh.seconds), 3), newProcessRawCpuMsPerMail: round((1000 * fresh.cpuSeconds) / n, 3),
          gatewayThreads: gateway.threads,
        };
      }));
    } finally {
      await dovecot.stop();
    }
    const gatewayRate = median(runs.map((r) => r.gatewayRate));
    const rawRate = median(runs.map((r) => r.rawRate));
    const ratio = median(runs.map((r) => r.ratio));
    const capped = runs.some((r) => r.capSeconds !== null);
    const committed = Math.round(median(runs.map((r) => r.committed)));
    return [
      rateRow({
        benchmark: 'ingest backlog', gatewayRate, rawRate, ratio, goalRatio: GOAL_RATIO, runs: runs.length,
        figureNote: capped ? ` (${committed}/${n} mails, capped)` : '',
        details: {
          mails: n, corpus: stats, appendRate: round(appendRate, 1), outcomesOfLastRun: outcomes, cutByBudget, runs,
          cpuMsPerMail: { gateway: median(runs.map((r) => r.gatewayCpuMsPerMail)), raw: median(runs.map((r) => r.rawCpuMsPerMail)), rawInNewProcess: median(runs.map((r) => r.newProcessRawCpuMsPerMail)) },
          rawInNewProcess: { rate: median(runs.map((r) => r.newProcessRawRate)), ratio: median(runs.map((r) => r.newProcessRatio)), how: 'the raw baseline in a process of its own, spawn to its last parse (test/bench/raw-ingest-process.ts): not the goal, a measure of what a new process costs' },
          figure: 'mails committed / (daemon spawn -> that last "mail processed"), median of runs; a run is capped at max(40 s, 2 x the time a gateway at the goal would need) x BENCH_BUDGET',
        },
      }),
    ];
  },
};
