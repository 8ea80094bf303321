import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { mail } from '../support/app.js';
import { cliPath } from '../support/cli.js';
import { outcomeCounts } from './daemon-run.js';
import { type Benchmark, type BenchRow, BENCH_SECRET, median, note, removeDir, repeatRuns, round, scaled, SUPPORT_ADDRESS, tempDir, wallMs } from './lib.js';

// MTA pipe: a mail server hands each mail to `ventanilla ingest -` in a process of its own, so the command's
// start-up is paid once per mail. Figure: the median wall time of one such process (spawn to exit, the mail
// recorded and its acknowledgement written), over MAILS new-ticket mails on a migrated database. Baseline, in
// the same run and alternating with it: `node` itself starting, reading the same mail from stdin and exiting.
// The goal is ours, not the issue's: a delivery slot of the mail server takes at least one mail a second.

const GOAL_MS = 1000;
const MAILS = 15;
/** Repeats stop once another run would end past this (seconds x BENCH_BUDGET). */
const RUN_BUDGET_SECONDS = 60;

function timedProcess(args: string[], input: Buffer, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = wallMs();
    const child = spawn(process.execPath, args, { cwd: projectRoot, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(wallMs() - start) : reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`))));
    child.stdin.end(input);
  });
}

interface CliRun {
  cliMs: number;
  nodeMs: number;
}

async function oneRun(run: number, mails: number): Promise<CliRun> {
  const dataDir = tempDir('cli');
  const env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, SUPPORT_ADDRESS, SECRET_KEY: BENCH_SECRET, LOG_LEVEL: 'warn' };
  try {
    await timedProcess([cliPath, 'migrate'], Buffer.alloc(0), env);
    const cli: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < mails; i++) {
      const raw = mail({ headers: { From: `Cliente ${i} <cliente${i}@empresa${run}.mx>`, To: SUPPORT_ADDRESS, 'Message-ID': `<pipe-${run}-${i}@empresa.mx>`, Subject: `Factura ${i} rechazada` } });
      bare.push(await timedProcess(['-e', 'process.stdin.resume()'], raw, env));
      cli.push(await timedProcess([cliPath, 'ingest', '-'], raw, env));
    }
    const created = outcomeCounts(dataDir).created ?? 0;
    if (created !== mails) throw new Error(`${created} tickets created from ${mails} piped mails`);
    return { cliMs: median(cli), nodeMs: median(bare) };
  } finally {
    removeDir(dataDir);
  }
}

export const cliBenchmark: Benchmark = {
  name: 'cli',
  aliases: ['mta', 'pipe'],
  describe: 'MTA pipe: one `ventanilla ingest -` process per mail',
  async run(): Promise<BenchRow[]> {
    const mails = scaled(MAILS, 3);
    const { results, cutByBudget } = await repeatRuns('cli', RUN_BUDGET_SECONDS, async (r) => {
      const result = await oneRun(r, mails);
      note(`cli run ${r + 1}: ingest - ${result.cliMs.toFixed(0)} ms a mail (median of ${mails}), node alone ${result.nodeMs.toFixed(0)} ms`);
      return result;
    });
    const cliMs = median(results.map((r) => r.cliMs));
    const nodeMs = median(results.map((r) => r.nodeMs));
    return [
      {
        benchmark: 'MTA pipe (ingest -)',
        figure: `${cliMs.toFixed(0)} ms a mail`,
        figureValue: round(cliMs, 1),
        baseline: `node start ${nodeMs.toFixed(0)} ms`,
        baselineValue: round(nodeMs, 1),
        ratio: `${(cliMs / nodeMs).toFixed(1)} x`,
        ratioValue: round(cliMs / nodeMs, 2),
        goal: `< ${GOAL_MS} ms a mail`,
        pass: cliMs < GOAL_MS,
        runs: results.length,
        details: {
          mails, cutByBudget, runs: results.map((r) => ({ cliMs: round(r.cliMs, 1), nodeMs: round(r.nodeMs, 1) })),
          command: `node ${join('dist', 'bundle', 'main.js')} ingest - < mail, a fresh process per mail`,
          figure: 'median over the mails of one run, then median of runs; spawn to exit (the mail recorded, its acknowledgement written)',
        },
      },
    ];
  },
};
