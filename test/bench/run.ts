import { writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { bigMailBenchmark } from './bigmail.js';
import { bulletinBenchmark } from './bulletin.js';
import { cliBenchmark } from './cli.js';
import { ingestBenchmark } from './ingest.js';
import { type Benchmark, type BenchRow, BUDGET, CPU_PROF_DIR, note, RUNS, SCALE, wallMs } from './lib.js';
import { outboxBenchmark } from './outbox.js';
import { pushBenchmark } from './push.js';
import { schedulerBenchmark } from './scheduler.js';
import { keepWasmOnBaselineCompiler } from '../../src/wasm-compiler.js';

// `npm run bench [-- name ...]`: runs the benchmarks against real local servers, prints one table and writes
// the same to test/bench/results.json. BENCH_RUNS (default 3) runs per figure (the median is reported),
// BENCH_SCALE (default 1) shrinks every size, BENCH_BUDGET (default 1) scales the time limits that keep the suite
// within about ten minutes while the gateway is far from its goals (0: no limits), BENCH_CPU_PROF=<dir> writes
// CPU profiles of every daemon, CLI child and in-process measured region.

// The in-process benchmarks (scheduler tick, outbox drain) run the gateway's code as the CLI and the daemon run it.
keepWasmOnBaselineCompiler();

const BENCHMARKS: Benchmark[] = [ingestBenchmark, pushBenchmark, schedulerBenchmark, outboxBenchmark, bigMailBenchmark, bulletinBenchmark, cliBenchmark];
const RESULTS = join(projectRoot, 'test', 'bench', 'results.json');

function usage(): string {
  return ['usage: npm run bench [-- <benchmark>...]', '', ...BENCHMARKS.map((b) => `  ${b.name.padEnd(10)} ${b.describe}`), '', 'env: BENCH_RUNS (3) runs per figure, BENCH_SCALE (1) size factor, BENCH_BUDGET (1) time-limit factor (0: none),',
    '     BENCH_CPU_PROF=<dir> CPU profiles (summarise with node dist/test/bench/profile-summary.js <dir>)'].join('\n');
}

function select(args: string[]): Benchmark[] {
  if (args.length === 0) return BENCHMARKS;
  return args.map((arg) => {
    const found = BENCHMARKS.find((b) => b.name === arg || b.aliases?.includes(arg));
    if (!found) throw new Error(`unknown benchmark "${arg}"\n\n${usage()}`);
    return found;
  });
}

function table(rows: BenchRow[]): string {
  const head = ['benchmark', 'figure', 'baseline', 'ratio', 'goal', 'result', 'runs'];
  const cells = rows.map((r) => [r.benchmark, r.figure, r.baseline, r.ratio, r.goal, r.pass ? 'PASS' : 'FAIL', String(r.runs)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) return void process.stdout.write(usage() + '\n');
  const chosen = select(args);
  const startedAt = new Date();
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const t0 = wallMs();
  note(`benchmarks: ${chosen.map((b) => b.name).join(', ')}; BENCH_RUNS=${RUNS} BENCH_SCALE=${SCALE} BENCH_BUDGET=${BUDGET}${CPU_PROF_DIR ? ` BENCH_CPU_PROF=${CPU_PROF_DIR}` : ''}`);
  const rows: BenchRow[] = [];
  const timings: Record<string, number> = {};
  let failed = false;
  for (const benchmark of chosen) {
    const t = wallMs();
    try {
      rows.push(...(await benchmark.run()));
    } catch (error) {
      failed = true;
      note(`${benchmark.name} failed: ${(error as Error)?.stack ?? String(error)}`);
      rows.push({ benchmark: benchmark.name, figure: 'error', figureValue: Number.NaN, baseline: '-', baselineValue: Number.NaN, ratio: '-', ratioValue: Number.NaN, goal: '-', pass: false, runs: 0, details: { error: String((error as Error)?.message ?? error) } });
    }
    timings[benchmark.name] = Number(((wallMs() - t) / 1000).toFixed(1));
    note(`${benchmark.name} took ${timings[benchmark.name]} s`);
  }
  const seconds = (wallMs() - t0) / 1000;
  const text = table(rows);
  process.stdout.write(`\n${text}\n\n(median of the runs shown, BENCH_RUNS=${RUNS}; BENCH_SCALE=${SCALE}; BENCH_BUDGET=${BUDGET}; ${seconds.toFixed(0)} s; load average ${loadAtStart[0]} at the start, ${loadavg()[0]?.toFixed(2)} at the end; details in test/bench/results.json)\n`);
  const results = {
    startedAt: startedAt.toISOString(),
    seconds: Number(seconds.toFixed(1)),
    runs: RUNS,
    scale: SCALE,
    budget: BUDGET,
    // Other work on the machine distorts every figure: the load averages (1, 5, 15 min) at the start and the end.
    machine: { host: hostname(), cpus: cpus().length, cpu: cpus()[0]?.model ?? null, node: process.version, loadAtStart, loadAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
    timings,
    table: text,
    results: rows,
  };
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  // Dovecot children are killed by the harness's exit hook; an error in a benchmark is a non-zero exit.
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(2);
});
