import { type Benchmark, type BenchRow, median, note, repeatRuns, round, scaled } from './lib.js';
import { TICK_NOW, ticketDatabase } from './scheduler-db.js';
import { startTickProcess, type Tick } from './scheduler-ticks.js';

// Scheduler scale: one `scheduler run-once` (the real jobs: lifecycle timers, SLA checks, outbox drain) at
// TICK_NOW on a copy of a database with 10,000 and one with 1,000,000 tickets, the same number due in both.
// As `ventanilla scheduler run-once --now` does it (new Scheduler(gatewayJobs(app), app).runOnce), in a process
// that runs only the ticks (scheduler-ticks.ts), timed from the call to its return; the database connection is
// opened (and Prisma warmed by one query) before the clock starts. Without SMTP_HOST the drain writes the
// notices as .eml files, as the CLI does.

const GOAL_SECONDS = 1;
const GOAL_RATIO = 2;
/** Repeats stop once another run would end past this (seconds x BENCH_BUDGET). */
const RUN_BUDGET_SECONDS = 80;

function handled(t: Tick): number {
  let n = 0;
  for (const job of ['lifecycle-timers', 'sla-checks']) {
    const r = t.results[job];
    if (r && typeof r === 'object') n += Object.values(r as Record<string, number>).reduce((a, b) => a + b, 0);
  }
  return n;
}

export const schedulerBenchmark: Benchmark = {
  name: 'scheduler',
  aliases: ['scheduler-scale', 'tick'],
  describe: 'scheduler scale: one run-once on 10k and on 1M tickets with 1,000 due',
  async run(): Promise<BenchRow[]> {
    const due = scaled(1000, 10);
    const smallDb = ticketDatabase(scaled(10_000, 100), due);
    const largeDb = ticketDatabase(scaled(1_000_000, 1_000), due);
    note(`scheduler: ${smallDb.tickets} tickets (${(smallDb.bytes / 1048576).toFixed(0)} MiB${smallDb.cached ? ', cached' : ''}) and ${largeDb.tickets} (${(largeDb.bytes / 1048576).toFixed(0)} MiB${largeDb.cached ? ', cached' : ''}), ${due} due`);
    let lastLarge: Tick | undefined;
    let lastSmall: Tick | undefined;
    // Every tick runs in one process of its own (scheduler-ticks.ts): one uncounted tick on a small database
    // first, so that neither measured tick pays for loading and compiling code (templates, Prisma's query plans,
    // the JIT); the order of the two databases alternates from run to run.
    const ticks = startTickProcess();
    let runs: Array<{ small: number; large: number; ratio: number; smallJobs: Record<string, number>; largeJobs: Record<string, number>; copySeconds: number }> = [];
    let cutByBudget = false;
    try {
      const warm = await ticks.tick(ticketDatabase(200, Math.min(20, due)).path, 'scheduler-warmup');
      note(`scheduler: warm-up tick ${warm.seconds.toFixed(2)} s`);
      ({ results: runs, cutByBudget } = await repeatRuns('scheduler', RUN_BUDGET_SECONDS, async (r) => {
        const first = r % 2 === 0 ? smallDb : largeDb;
        const second = first === smallDb ? largeDb : smallDb;
        const a = await ticks.tick(first.path, `scheduler-${first.tickets}-run${r + 1}`);
        const b = await ticks.tick(second.path, `scheduler-${second.tickets}-run${r + 1}`);
        const [small, large] = first === smallDb ? [a, b] : [b, a];
        for (const t of [small, large]) {
          if (handled(t) !== due || t.stillDue !== 0) throw new Error(`the tick handled ${handled(t)} of ${due} due tickets, ${t.stillDue} still due: ${JSON.stringify(t.results)}`);
        }
        lastSmall = small;
        lastLarge = large;
        note(`scheduler run ${r + 1}: ${largeDb.tickets} tickets ${large.seconds.toFixed(3)} s ${JSON.stringify(large.jobs)}, ${smallDb.tickets} tickets ${small.seconds.toFixed(3)} s ${JSON.stringify(small.jobs)}`);
        return { small: round(small.seconds, 3), large: round(large.seconds, 3), ratio: round(large.seconds / small.seconds, 3), smallJobs: small.jobs, largeJobs: large.jobs, copySeconds: round(large.copySeconds, 2) };
      }));
    } finally {
      await ticks.stop();
    }
    const large = median(runs.map((r) => r.large));
    const small = median(runs.map((r) => r.small));
    const ratio = median(runs.map((r) => r.ratio));
    const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
    return [
      {
        benchmark: 'scheduler scale',
        figure: `${label(largeDb.tickets)} tick ${large.toFixed(2)} s`,
        figureValue: large,
        baseline: `${label(smallDb.tickets)} tick ${small.toFixed(2)} s`,
        baselineValue: small,
        ratio: `${ratio.toFixed(2)} x`,
        ratioValue: ratio,
        goal: `< ${GOAL_SECONDS} s and < ${GOAL_RATIO} x`,
        pass: large < GOAL_SECONDS && ratio < GOAL_RATIO,
        runs: runs.length,
        details: {
          cutByBudget,
          due,
          databases: [smallDb, largeDb].map((d) => ({ tickets: d.tickets, bytes: d.bytes, cached: d.cached, path: d.path })),
          now: TICK_NOW.toISOString(),
          results: { small: lastSmall?.results, large: lastLarge?.results },
          runs,
          figure: 'Scheduler.runOnce(now) wall time (all three jobs), median of runs; per-job seconds in runs[].*Jobs',
        },
      },
    ];
  },
};
