import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { pino } from 'pino';
import { createApp, type App } from '../../src/app.js';
import { scheduleBulletin } from '../../src/bulletins/bulletins.js';
import { bulletinDeps } from '../../src/bulletins/deps.js';
import { runBulletinSends } from '../../src/bulletins/send.js';
import { loadConfig } from '../../src/config.js';
import { bulletinMessages, insertSubscribers } from './bulletin-setup.js';
import { startSink } from './sink-process.js';
import { type Benchmark, type BenchRow, BENCH_SECRET, fmtMiB, median, MiB, note, profiled, removeDir, repeatRuns, round, scaled, SUPPORT_ADDRESS, tempDir, rateRow, wallMs } from './lib.js';

// Bulletin send: N subscribers of Mexico and Argentina (plus a tenth as many of other countries) get one
// bulletin (es, with pt and en variants) through the gateway's own path: the bulletin-send job writes one
// delivery row and one outbox row per subscriber (the body stored once per language), and the outbox drainer
// sends them (building them in the daemon's compose worker) to a local SMTP server (a separate process that
// only counts, smtp-sink.ts), SMTP_POOL_SIZE 5,
// the rate limit lifted. Baseline in the same run: a pooled nodemailer transport (same pool size, 500 mails
// in flight) sending the very same messages, rebuilt from the gateway's outbox, with no database. The peak
// memory is this process's RSS, sampled every 50 ms, during each.

const GOAL_RATIO = 0.5;
const GOAL_PEAK_MIB = 512;
const POOL_SIZE = 5;
const RAW_IN_FLIGHT = 500;
const RUN_BUDGET_SECONDS = 400;

const BULLETIN = {
  title: 'Reforma del IVA 2027: nuevas tasas y plazos',
  countries: ['AR', 'MX'],
  topics: [],
  defaultLocale: 'es' as const,
  sourceFile: null,
  variants: {
    es: { title: 'Reforma del IVA 2027: nuevas tasas y plazos', markdown: body('El **SAT** y la **AFIP** publicaron cambios', 'Qué cambia', 'Plazos') },
    pt: { title: 'Reforma do IVA 2027: novas taxas e prazos', markdown: body('O **SAT** e a **AFIP** publicaram alterações', 'O que muda', 'Prazos') },
    en: { title: 'VAT reform 2027: new rates and deadlines', markdown: body('**SAT** and **AFIP** published changes', 'What changes', 'Deadlines') },
  },
};

function body(lead: string, h1: string, h2: string): string {
  const para = `${lead} que afectan la facturación electrónica a partir del 1 de enero. Consulte [el texto oficial](https://www.dof.gob.mx/) y la guía de su sistema.`;
  return `${para}\n\n## ${h1}\n\n- Tasa general: 16 %\n- Región fronteriza: 8 %\n- Exportaciones: 0 %\n\n| Concepto | Antes | Ahora |\n|---|---|---|\n| General | 16 % | 16 % |\n| Frontera | 8 % | 8 % |\n\n## ${h2}\n\n${para}\n\n${para}\n`;
}

function openApp(dataDir: string, smtpPort: number): Promise<App> {
  const config = loadConfig(
    {
      DATA_DIR: dataDir, SUPPORT_ADDRESS, SECRET_KEY: BENCH_SECRET, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtpPort), SMTP_SECURE: 'false',
      SMTP_POOL_SIZE: String(POOL_SIZE), BULLETIN_RATE_PER_MINUTE: '100000000', PUBLIC_URL: 'https://soporte.example.test', LOG_LEVEL: 'silent',
    },
    { dotenv: false },
  );
  return createApp({ config, log: pino({ level: 'silent' }), composeWorker: true });
}

interface Memory {
  /** RSS when the phase started, and the highest RSS and V8 heap in use while it ran (sampled every 50 ms). */
  startRss: number;
  peakRss: number;
  peakHeap: number;
}

/** Memory while fn runs (sampled; /proc's VmHWM cannot be reset in every container). */
async function measured<T>(fn: () => Promise<T>): Promise<{ result: T; memory: Memory }> {
  const start = process.memoryUsage();
  const memory: Memory = { startRss: start.rss, peakRss: start.rss, peakHeap: start.heapUsed };
  const sample = () => {
    const m = process.memoryUsage();
    memory.peakRss = Math.max(memory.peakRss, m.rss);
    memory.peakHeap = Math.max(memory.peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 50);
  try {
    const result = await fn();
    sample();
    return { result, memory };
  } finally {
    clearInterval(timer);
  }
}

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
        const app = await openApp(dataDir, sink.port);
        let bulletinId = 0;
        const before = await sink.counts();
        const gateway = await measured(() =>
          profiled(`bulletin-run${r + 1}`, async () => {
            const deps = bulletinDeps(app);
            const now = new Date();
            bulletinId = (await scheduleBulletin(deps, { ...BULLETIN, sendAt: now }, now)).bulletin.id;
            const t0 = wallMs();
            const queued = await runBulletinSends(deps, now);
            const t1 = wallMs();
            const drained = await app.drainer().drain();
            const t2 = wallMs();
            const finished = await runBulletinSends(deps, now);
            if (queued.queued !== n || drained.sent !== n || finished.finished !== 1) throw new Error(`gateway: queued ${queued.queued}, sent ${drained.sent} of ${n}, finished ${finished.finished}`);
            return { queueSeconds: (t1 - t0) / 1000, drainSeconds: (t2 - t1) / 1000 };
          }),
        );
        await app.close();
        const mid = await sink.counts();
        if (mid.mails - before.mails !== n) throw new Error(`the sink got ${mid.mails - before.mails} of ${n} bulletins`);
        const raw = await measured(async () => {
          const t0 = wallMs();
          const sent = await rawSend(sink.port, bulletinMessages(dbPath, bulletinId));
          return { sent, seconds: (wallMs() - t0) / 1000 };
        });
        const after = await sink.counts();
        if (raw.result.sent !== n || after.mails - mid.mails !== n) throw new Error(`raw send delivered ${after.mails - mid.mails} of ${n}`);
        const seconds = gateway.result.queueSeconds + gateway.result.drainSeconds;
        const run: Run = {
          gatewayRate: round(n / seconds, 1),
          rawRate: round(n / raw.result.seconds, 1),
          ratio: round(raw.result.seconds / seconds, 3),
          queueSeconds: round(gateway.result.queueSeconds, 2),
          drainSeconds: round(gateway.result.drainSeconds, 2),
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
    const details = { subscribers: n, poolSize: POOL_SIZE, rawInFlight: RAW_IN_FLIGHT, cutByBudget, runs, figure: 'subscribers / (bulletin-send job + drain() wall time), in process; baseline: the same messages on a pooled nodemailer transport; peak: sampled RSS of the process' };
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
        details: { subscribers: n, figure: 'peak RSS of the benchmark process (it also holds the test harness) during the gateway send; heap: peak V8 heap in use, gateway vs raw send' },
      },
    ];
  },
};
