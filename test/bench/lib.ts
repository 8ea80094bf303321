import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectRoot } from '../../src/paths.js';

// Shared pieces of the benchmark suite: settings (BENCH_RUNS, BENCH_SCALE, BENCH_CPU_PROF), statistics, the
// result row every benchmark returns, daemon log watching and memory readings. Measurement only: nothing
// here changes how the gateway works.

function numberEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min} (got "${raw}")`);
  return value;
}

/** How many times each benchmark is repeated; every figure is the median over the runs. */
export const RUNS = Math.floor(numberEnv('BENCH_RUNS', 3, 1));
/** Shrinks every size (mails, tickets, notifications) for a quick run: 0.1 = a tenth. */
export const SCALE = numberEnv('BENCH_SCALE', 1, 0.0001);
/**
 * Multiplies every time limit of the suite (the per-benchmark budget for repeating runs, the ingest cap); 0 lifts
 * them all: BENCH_RUNS runs of every benchmark at full size, however long the gateway takes.
 */
export const BUDGET = numberEnv('BENCH_BUDGET', 1, 0);
/** A folder: when set, the daemons and children get --cpu-prof and the in-process parts are profiled into it. */
export const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : null;

export const scaled = (n: number, min = 1): number => Math.max(min, Math.round(n * SCALE));

/** Wall clock in milliseconds with sub-millisecond precision, comparable with Date.now() (pino's `time`). */
export const wallMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nearest-rank percentile (p in 0..100): p99 of 200 samples is the 198th smallest. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);

/** One line of the results table (and of results.json). */
export interface BenchRow {
  benchmark: string;
  /** What the gateway achieved, e.g. "312 msg/s". */
  figure: string;
  figureValue: number;
  baseline: string;
  baselineValue: number;
  /** The comparison the goal is about: a ratio, or a difference for latency. */
  ratio: string;
  ratioValue: number;
  goal: string;
  pass: boolean;
  /** How many runs the figure is the median of. */
  runs: number;
  /** Each run's numbers and whatever else helps to read the figure. */
  details: Record<string, unknown>;
}

/** A throughput row: the gateway's msg/s against the raw baseline's, the goal a minimum ratio. */
export function rateRow(r: { benchmark: string; gatewayRate: number; rawRate: number; ratio: number; goalRatio: number; runs: number; details: Record<string, unknown>; figureNote?: string }): BenchRow {
  return {
    benchmark: r.benchmark,
    figure: `${r.gatewayRate.toFixed(0)} msg/s${r.figureNote ?? ''}`,
    figureValue: r.gatewayRate,
    baseline: `${r.rawRate.toFixed(0)} msg/s raw`,
    baselineValue: r.rawRate,
    ratio: `${r.ratio.toFixed(2)} x`,
    ratioValue: r.ratio,
    goal: `>= ${r.goalRatio} x raw`,
    pass: r.ratio >= r.goalRatio,
    runs: r.runs,
    details: r.details,
  };
}

/**
 * Runs `run` RUNS times, or fewer when the benchmark's time budget (seconds, times BENCH_BUDGET) would be
 * exceeded by one more run of the length of the last one; always at least once.
 */
export async function repeatRuns<T>(name: string, budgetSeconds: number, run: (index: number) => Promise<T>): Promise<{ results: T[]; cutByBudget: boolean }> {
  const limit = BUDGET === 0 ? Number.POSITIVE_INFINITY : budgetSeconds * BUDGET * 1000;
  const start = wallMs();
  const results: T[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = wallMs();
    results.push(await run(i));
    const last = wallMs() - t;
    if (i + 1 < RUNS && wallMs() - start + last > limit) {
      note(`${name}: stopping after ${i + 1} of ${RUNS} runs (time budget ${(limit / 1000).toFixed(0)} s; BENCH_BUDGET=0 lifts it)`);
      return { results, cutByBudget: true };
    }
  }
  return { results, cutByBudget: false };
}

export interface Benchmark {
  name: string;
  aliases?: string[];
  describe: string;
  run(): Promise<BenchRow[]>;
}

const suiteStart = wallMs();
export function note(message: string): void {
  const t = ((wallMs() - suiteStart) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${t}s] ${message}\n`);
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ventanilla-bench-${prefix}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

export const BENCH_SECRET = 'bench-secret-key-0123456789abcdef';
export const SUPPORT_ADDRESS = 'support@example.test';

/**
 * Environment for a child process (daemon, CLI) when profiling: one .cpuprofile per process under
 * BENCH_CPU_PROF/label, written by the cpu-profile.ts preload (Node 20 does not take --cpu-prof in NODE_OPTIONS).
 */
export function cpuProfEnv(label: string): Record<string, string> {
  if (!CPU_PROF_DIR) return {};
  const dir = join(CPU_PROF_DIR, label);
  mkdirSync(dir, { recursive: true });
  return { NODE_OPTIONS: `--import=${join(projectRoot, 'dist', 'test', 'bench', 'cpu-profile.js')}`, BENCH_CPU_PROF_OUT: dir };
}

/** Runs fn under the V8 profiler of this process when BENCH_CPU_PROF is set (BENCH_CPU_PROF/label.cpuprofile). */
export async function profiled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  if (!CPU_PROF_DIR) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(CPU_PROF_DIR, { recursive: true });
    writeFileSync(join(CPU_PROF_DIR, `${label}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

export interface LogLine {
  time: number;
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

/**
 * Reads a daemon's pino JSON lines from stderr as they come. pino stamps each line with Date.now() when the
 * call is made, so `time` of "mail processed" is the instant right after the mail's transaction committed.
 */
export class LogWatcher {
  private buffer = '';
  private listeners: Array<(line: LogLine) => void> = [];
  readonly errors: string[] = [];

  constructor(child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const text = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (!text.startsWith('{')) continue;
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          continue;
        }
        if ((line.level ?? 0) >= 50 && this.errors.length < 20) this.errors.push(text.slice(0, 500));
        for (const listener of this.listeners) listener(line);
      }
    });
  }

  on(listener: (line: LogLine) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves with the first line matching `test`. */
  waitFor(test: (line: LogLine) => boolean, what: string, timeoutMs: number): Promise<LogLine> {
    return new Promise((resolveLine, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for the daemon to log ${what}; errors: ${this.errors.join(' | ')}`)), timeoutMs);
      this.on((line) => {
        if (test(line)) {
          clearTimeout(timer);
          resolveLine(line);
        }
      });
    });
  }
}

/** Polls until check() is truthy (a rejected promise after timeoutMs). */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs: number, everyMs = 5): Promise<NonNullable<T>> {
  const deadline = wallMs() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (wallMs() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** VmRSS and VmHWM (peak) of a live process, in bytes, from /proc. */
export function procMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/**
 * CPU seconds (user + system, all threads) a live process has used, from /proc/<pid>/stat, in clock ticks of
 * 1/100 s (USER_HZ is 100 on Linux x86). Far less sensitive than wall time to what else the machine runs.
 */
export function procCpuSeconds(pid: number): number {
  const { user, system } = statCpu(`/proc/${pid}/stat`);
  return user + system;
}

/** User and system CPU seconds from a /proc stat file (a process's, or one of its threads'). */
function statCpu(path: string): { user: number; system: number } {
  const stat = readFileSync(path, 'utf8');
  // Fields after the command name (which may hold spaces, in parentheses): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** One thread's CPU seconds (user, system), from /proc/<pid>/task/<tid>/stat. */
export interface ThreadCpu {
  tid: number;
  user: number;
  system: number;
}

/**
 * Every thread of a live process that has used CPU, the main thread first, then the busiest first. In the daemon
 * the others are the preparation worker (the busiest, as a rule), V8's helper threads (compiler and collector,
 * four of them on two cores) and the I/O pool; they have no names of their own to tell them apart.
 */
export function procThreadCpu(pid: number): ThreadCpu[] {
  const threads: ThreadCpu[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const cpu = { tid: Number(task), ...statCpu(`/proc/${pid}/task/${task}/stat`) };
      if (cpu.user + cpu.system > 0) threads.push(cpu);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  const total = (t: ThreadCpu) => t.user + t.system;
  return threads.sort((a, b) => (a.tid === pid ? -1 : b.tid === pid ? 1 : total(b) - total(a)));
}

/** Resets a process's peak RSS to its current RSS (Linux >= 4.0: writing 5 to clear_refs). False when refused. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export const MiB = 1024 * 1024;
export const fmtMiB = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

export const TIME_BIN = '/usr/bin/time';
export const haveGnuTime = existsSync(TIME_BIN);

/** A seeded generator, so the corpora are the same from run to run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}
