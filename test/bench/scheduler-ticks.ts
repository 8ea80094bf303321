import Database from '../../src/store/sqlite-driver.js';
import { closeSync, copyFileSync, fsyncSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { gatewayJobs } from '../../src/scheduler/jobs.js';
import { type Job, type JobRun, Scheduler } from '../../src/scheduler/runner.js';
import { keepWasmOnBaselineCompiler } from '../../src/wasm-compiler.js';
import { BENCH_SECRET, profiled, removeDir, round, tempDir, wallMs } from './lib.js';
import { startLineProcess } from './line-process.js';
import { TICK_NOW } from './scheduler-db.js';

// The scheduler benchmark's ticks (scheduler.ts) run in a process of their own that runs nothing else, as the
// daemon's or `ventanilla scheduler run-once`'s would: inside the harness, a tick also paid for what the earlier
// benchmarks had left in the process (the 1M tick took 1.1-1.4 s in a full run, 0.9-1.06 s run alone, the same
// hour). One JSON line in (a database and a label) gives one JSON line out (the Tick), in order.

const ESCALATION_CONTACTS = '1:lead@example.test,2:manager@example.test';

export interface Tick {
  seconds: number;
  jobs: Record<string, number>;
  results: Record<string, unknown>;
  stillDue: number;
  copySeconds: number;
}

async function tick(dbPath: string, label: string): Promise<Tick> {
  const dataDir = tempDir('tick');
  try {
    const path = join(dataDir, 'ventanilla.db');
    const c0 = wallMs();
    copyFileSync(dbPath, path);
    // Written out before the clock starts: otherwise the tick's commits wait behind the kernel flushing the
    // copy (921 MiB of dirty pages made each commit 3x slower), which is the benchmark's doing, not the tick's.
    const fd = openSync(path, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    const copySeconds = (wallMs() - c0) / 1000;
    const config = loadConfig({ DATA_DIR: dataDir, SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: BENCH_SECRET, ESCALATION_CONTACTS, LOG_LEVEL: 'silent' }, { dotenv: false });
    const app = await createApp({ config, log: pino({ level: 'silent' }), now: () => TICK_NOW });
    const jobTimes: Record<string, number> = {};
    let runs: JobRun[];
    let seconds: number;
    try {
      await app.db.jobLease.count();
      const jobs: Job[] = gatewayJobs(app).map((job) => ({
        ...job,
        run: async (now: Date) => {
          const t = wallMs();
          try {
            return await job.run(now);
          } finally {
            jobTimes[job.name] = round((wallMs() - t) / 1000, 3);
          }
        },
      }));
      const scheduler = new Scheduler(jobs, app);
      const t0 = wallMs();
      runs = await profiled(label, () => scheduler.runOnce(TICK_NOW));
      seconds = (wallMs() - t0) / 1000;
    } finally {
      await app.close();
    }
    const check = new Database(path, { readonly: true });
    const iso = TICK_NOW.toISOString().replace('Z', '+00:00');
    const stillDue = (check.prepare('SELECT count(*) AS n FROM Ticket WHERE timerDueAt <= ? OR slaNextCheckAt <= ?').get(iso, iso) as { n: number }).n;
    check.close();
    const results = Object.fromEntries(runs.map((r) => [r.job, r.ran ? r.result : `skipped: ${r.reason}`]));
    return { seconds, jobs: jobTimes, results, stillDue, copySeconds };
  } finally {
    removeDir(dataDir);
  }
}

/** A process that runs ticks one at a time: the warm-up tick first, then the measured ones. */
export interface TickProcess {
  tick(dbPath: string, label: string): Promise<Tick>;
  stop(): Promise<void>;
}

export function startTickProcess(): TickProcess {
  const child = startLineProcess('scheduler-ticks');
  return {
    tick: async (dbPath, label) => {
      const answer = JSON.parse(await child.ask(JSON.stringify({ dbPath, label }))) as { tick?: Tick; error?: string };
      if (!answer.tick) throw new Error(`tick process: ${answer.error}`);
      return answer.tick;
    },
    stop: () => child.stop(),
  };
}

if (process.argv[1]?.endsWith('scheduler-ticks.js')) {
  keepWasmOnBaselineCompiler(); // as the CLI runs
  // One request at a time, in order: the next line is read once this tick is answered.
  for await (const line of createInterface({ input: process.stdin })) {
    const { dbPath, label } = JSON.parse(line) as { dbPath: string; label: string };
    const answer = await tick(dbPath, label).then((t) => ({ tick: t }), (error: unknown) => ({ error: (error as Error)?.stack ?? String(error) }));
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
}
