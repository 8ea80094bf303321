import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { bulletinMessages, insertSubscribers } from './bulletin-setup.js';
import { gatewaySendInChild, measured, POOL_SIZE } from './bulletin-gateway.js';
import { startSink } from './sink-process.js';
import { type Benchmark, type BenchRow, fmtMiB, median, MiB, note, removeDir, repeatRuns, round, scaled, tempDir, rateRow, wallMs } from './lib.js';

// Bulletin send: N subscribers of Mexico and Argentina (plus a tenth as many of other countries) get one
// bulletin (es, with pt and en variants) through the gateway's own path: the bulletin-send job writes one
// delivery row and one outbox row per subscriber (the body stored once per language), and the outbox drainer
// sends them (building them in the daemon's compose worker) to a local SMTP server (a separate process that
// only counts, smtp-sink.ts), SMTP_POOL_SIZE 5,
// the rate limit lifted. Baseline in the same run: a pooled nodemailer transport (same pool size, 500 mails
// in flight) sending the very same messages, rebuilt from the gateway's outbox, with no database. The gateway
// sends from a process of its own (bulletin-gateway.ts); the peak memory is that process's RSS, sampled every
// 50 ms while it sends; the baseline's heap is sampled in this process.

const GOAL_RATIO = 0.5;
const GOAL_PEAK_MIB = 512;
const RAW_IN_FLIGHT = 500;
const RUN_BUDGET_SECONDS = 400;

async function rawSend(port: number, messages: Iterable<SendMailOptions>): Promise<number> {
  const transport = nodemailer.createTransport({ pool: true, maxConnections: POOL_SIZE, host: '127.0.0.1', port, secure: false, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 });
  try {
    const iterator = messages[Symbol.iterator]();
    let sent = 0;
    const worker = async () => {
      for (let next = iterator.next(); !next.done; next = iterator.next()) {
        await transport.sendMail(next.value);
        sent++;
      }
    };
    await Promise.all(Array.from({ length: RAW_IN_FLIGHT }, worker));
    return sent;
  } finally {
    transport.close();
  }
}

interface Run {
  gatewayRate: number;
  rawRate: number;
  ratio: number;
  queueSeconds: number;
  drainSeconds: number;
  /** MiB: the process's peak RSS during the gateway's send, and the peak V8 heap in use, of each phase. */
  gatewayPeakRssMiB: number;
  gatewayStartRssMiB: number;
  gatewayPeakHeapMiB: number;
  rawPeakHeapMiB: number;
}

export const bulletinBenchmark: Benchmark = {
  name: 'bulletin',
  aliases: ['bulletins'],
  describe: 'bulletin to N subscribers (job + outbox + drain) to a local SMTP server, vs raw pooled nodemailer; peak memory',
  async run(): Promise<BenchRow[]> {
    const n = scaled(100_000, 100);
    const sink = await startSink();
    const dataDir = tempDir('bulletin');
    const dbPath = join(dataDir, 'ventanilla.db');
    let runs: Run[] = [];
    let cutByBudget = false;
    try {
      insertSubscribers(dbPath, n);
      note(`bulletin: ${n} subscribers of MX and AR (+${Math.ceil(n / 10)} of other countries) in the database`);
      // Uncounted warm-up of nodemailer and the sink, so the first measured send does not pay for the JIT.
      await rawSend(sink.port, Array.from({ length: 300 }, (_, i) => ({ from: 'boletin@example.test', to: `w${i}@example.test`, subject: 'w', text: 'w', html: '<p>w</p>' })));
      ({ results: runs, cutByBudget } = await repeatRuns('bulletin', RUN_BUDGET_SECONDS, async (r) => {
        const before = await sink.counts();
        const gateway = await gatewaySendInChild(dataDir, sink.port, n, `bulletin-run${r + 1}`);
        const bulletinId = gateway.bulletinId;
        const mid = await sink.counts();
        if (mid.mails - before.mails !== n) throw new Error(`the sink got ${mid.mails - before.mails} of ${n} bulletins`);
        const raw = await measured(async () => {
          const t0 = wallMs();
          const sent = await rawSend(sink.port, bulletinMessages(dbPath, bulletinId));
          return { sent, seconds: (wallMs() - t0) / 1000 };
        });
        const after = await sink.counts();
        if (raw.result.sent !== n || after.mails - mid.mails !== n) throw new Error(`raw send delivered ${after.mails - mid.mails} of ${n}`);
        const seconds = gateway.queueSeconds + gateway.drainSeconds;
        const run: Run = {
          gatewayRate: round(n / seconds, 1),
          rawRate: round(n / raw.result.seconds, 1),
          ratio: round(raw.result.seconds / seconds, 3),
          queueSeconds: round(gateway.queueSeconds, 2),
          drainSeconds: round(gateway.drainSeconds, 2),
          gatewayPeakRssMiB: round(gateway.memory.peakRss / MiB, 1),
          gatewayStartRssMiB: round(gateway.memory.startRss / MiB, 1),
          gatewayPeakHeapMiB: round(gateway.memory.peakHeap / MiB, 1),
          rawPeakHeapMiB: round(raw.memory.peakHeap / MiB, 1),
        };
        note(`bulletin run ${r + 1}: gateway ${run.gatewayRate} msg/s (queue ${run.queueSeconds} s + drain ${run.drainSeconds} s; RSS ${fmtMiB(gateway.memory.startRss)} -> peak ${fmtMiB(gateway.memory.peakRss)}, heap peak ${fmtMiB(gateway.memory.peakHeap)}), raw ${run.rawRate} msg/s (heap peak ${fmtMiB(raw.memory.peakHeap)}), avg ${Math.round((after.bytes - mid.bytes) / n)} bytes`);
        return run;
      }));
    } finally {
      await sink.stop();
      removeDir(dataDir);
    }
    const gatewayRate = median(runs.map((r) => r.gatewayRate));
    const rawRate = median(runs.map((r) => r.rawRate));
    const ratio = median(runs.map((r) => r.ratio));
    const peak = Math.max(...runs.map((r) => r.gatewayPeakRssMiB));
    const heap = Math.max(...runs.map((r) => r.gatewayPeakHeapMiB));
    const rawHeap = Math.max(...runs.map((r) => r.rawPeakHeapMiB));
    const details = { subscribers: n, poolSize: POOL_SIZE, rawInFlight: RAW_IN_FLIGHT, cutByBudget, runs, figure: 'subscribers / (bulletin-send job + drain() wall time), in process; baseline: the same messages on a pooled nodemailer transport; peak: sampled RSS of the gateway process' };
    return [
      rateRow({ benchmark: 'bulletin send', gatewayRate, rawRate, ratio, goalRatio: GOAL_RATIO, runs: runs.length, details }),
      {
        benchmark: 'bulletin memory',
        figure: `${peak.toFixed(0)} MiB peak RSS (heap ${heap.toFixed(0)} MiB)`,
        figureValue: peak,
        baseline: `heap ${rawHeap.toFixed(0)} MiB raw`,
        baselineValue: rawHeap,
        ratio: `${(heap / rawHeap).toFixed(2)} x heap`,
        ratioValue: heap / rawHeap,
        goal: `< ${GOAL_PEAK_MIB} MiB RSS`,
        pass: peak < GOAL_PEAK_MIB,
        runs: runs.length,
        details: { subscribers: n, figure: 'peak RSS of the gateway process (its own, as the daemon) during the send; heap: peak V8 heap in use, gateway vs raw send' },
      },
    ];
  },
};
