import Database from '../../src/store/sqlite-driver.js';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { projectRoot } from '../../src/paths.js';
import { mail } from '../support/app.js';
import { cliPath } from '../support/cli.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { messagesIn, spawnDaemon } from './daemon-run.js';
import {
  type Benchmark, type BenchRow, BENCH_SECRET, cpuProfEnv, fmtMiB, haveGnuTime, median, MiB, note, procMemory, removeDir, resetPeakRss, repeatRuns, round, SCALE,
  sleep, SUPPORT_ADDRESS, tempDir, TIME_BIN, until,
} from './lib.js';

// Big mail memory: one mail with a 25 MiB attachment through the whole pipeline, peak RSS growth against the
// mail's size. Two paths:
// - the daemon: the mail is appended to Dovecot while the daemon idles (warmed up by one small mail); growth =
//   the daemon's VmHWM after the mail minus its VmRSS just before (the peak is reset through /proc/<pid>/clear_refs);
// - the CLI: `node dist/bundle/main.js ingest big.eml` in a fresh process; growth = its max RSS minus that of
//   the same command on a small mail (max RSS from /usr/bin/time -v, else process.resourceUsage() at exit).
// MAX_MESSAGE_BYTES and MAX_ATTACHMENT_BYTES are raised above the mail (with the defaults, 25 MB and 20 MiB, such a
// mail is kept raw as too_large: the details say what the default limits do with it).

const GOAL_RATIO = 4;
/** Repeats stop once another run would end past this (seconds x BENCH_BUDGET). */
const RUN_BUDGET_SECONDS = 50;
const CRLF = '\r\n';

function writeBigMail(path: string, attachmentBytes: number): number {
  const content = randomBytes(attachmentBytes).toString('base64').replace(/.{76}/g, (line) => line + CRLF);
  const boundary = 'bench-big-mail-boundary';
  const head = [
    'From: "Ana Pérez" <ana@cliente.mx>',
    'To: support@example.test',
    'Subject: Respaldo de la base de datos (archivo grande)',
    `Message-ID: <big.${Date.now()}.${process.pid}@cliente.mx>`,
    'Date: Mon, 23 Nov 2026 10:00:00 -0600',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
  ].join(CRLF);
  const text = 'Hola, les envío el respaldo que pidieron.\r\nImpacto: Alto\r\n\r\n--\r\nAna';
  const body = [
    `--${boundary}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', text,
    `--${boundary}`, 'Content-Type: application/octet-stream; name="respaldo.bak"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="respaldo.bak"', '', content.trimEnd(),
    `--${boundary}--`, '',
  ].join(CRLF);
  writeFileSync(path, head + CRLF + CRLF + body);
  return statSync(path).size;
}

function limits(mailBytes: number, attachmentBytes: number): Record<string, string> {
  return { MAX_MESSAGE_BYTES: String(Math.max(26_214_400, mailBytes + MiB)), MAX_ATTACHMENT_BYTES: String(Math.max(20 * MiB, attachmentBytes + MiB)) };
}

interface CliRun {
  maxRss: number;
  outcome: string | null;
  stdout: string;
}

/** `ventanilla ingest --json <file>` in a fresh process with its own DATA_DIR; its max RSS in bytes. */
function cliIngest(file: string, env: Record<string, string>, label: string): Promise<CliRun> {
  const dataDir = tempDir('bigmail-cli');
  const rssFile = join(dataDir, 'maxrss.json');
  const fullEnv: Record<string, string> = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, SUPPORT_ADDRESS, SECRET_KEY: BENCH_SECRET, LOG_LEVEL: 'warn', ...env, ...cpuProfEnv(label) };
  const args = [cliPath, 'ingest', '--json', file];
  const child = haveGnuTime
    ? spawn(TIME_BIN, ['-v', process.execPath, ...args], { cwd: projectRoot, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, {
        cwd: projectRoot,
        env: { ...fullEnv, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `${fullEnv.NODE_OPTIONS ?? ''} --import=${join(projectRoot, 'dist', 'test', 'bench', 'rss-report.js')}`.trim() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        if (code !== 0) throw new Error(`ingest exited ${code}: ${stderr.slice(-2000)}`);
        const kb = haveGnuTime
          ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1])
          : (JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRSS: number }).maxRSS;
        if (!Number.isFinite(kb) || kb <= 0) throw new Error(`no max RSS reading: ${stderr.slice(-1000)}`);
        const outcome = (JSON.parse(stdout.trim().split('\n')[0] ?? '{}') as { outcome?: string }).outcome ?? null;
        if (outcome === 'created') {
          const db = new Database(join(dataDir, 'ventanilla.db'), { readonly: true });
          const sizes = db.prepare('SELECT size FROM Attachment').all() as Array<{ size: number }>;
          db.close();
          stdout += ` attachments=${JSON.stringify(sizes.map((s) => s.size))}`;
        }
        resolve({ maxRss: kb * 1024, outcome, stdout: stdout.trim() });
      } catch (error) {
        reject(error);
      } finally {
        removeDir(dataDir);
      }
    });
  });
}

interface DaemonRun {
  growth: number;
  rssBefore: number;
  peak: number;
  peakReset: boolean;
  seconds: number;
  outcome: string | null;
}

async function daemonIngest(dovecot: DovecotServer, big: Buffer, env: Record<string, string>, label: string): Promise<DaemonRun> {
  const dataDir = tempDir('bigmail-daemon');
  const run = spawnDaemon(dovecot, dataDir, label, env);
  const commits = new Map<number, { time: number; outcome: string | null }>();
  run.logs.on((line) => {
    if (line.msg === 'mail processed' && typeof line.uid === 'number') commits.set(line.uid, { time: line.time, outcome: typeof line.outcome === 'string' ? line.outcome : null });
  });
  const client = new ImapFlow({ ...dovecot.imapConfig(), logger: false, disableAutoIdle: true });
  try {
    await run.logs.waitFor((l) => l.msg === 'IMAP mailbox open', 'IMAP mailbox open', 30_000);
    await client.connect();
    // Warm-up: one small mail, so the code paths (parser, templates, Prisma) are loaded before the reading.
    const small = await client.append('INBOX', mail({ headers: { From: 'ana@cliente.mx' } }));
    const smallUid = small && typeof small === 'object' ? small.uid : undefined;
    await until(() => smallUid !== undefined && commits.has(smallUid), 'the warm-up mail', 30_000, 10);
    await sleep(1_500);
    const pid = run.daemon.child.pid as number;
    const before = procMemory(pid);
    const peakReset = resetPeakRss(pid);
    const t0 = Date.now();
    const appended = await client.append('INBOX', big);
    const uid = appended && typeof appended === 'object' ? appended.uid : undefined;
    if (!uid) throw new Error('APPEND returned no UID');
    await until(() => commits.has(uid), 'the big mail to be committed', 180_000, 20);
    await until(async () => (await messagesIn(client, 'INBOX')) === 0, 'the big mail to be moved', 60_000, 100);
    await sleep(500);
    const after = procMemory(pid);
    const commit = commits.get(uid) as { time: number; outcome: string | null };
    const base = peakReset ? before.rss : Math.min(before.rss, before.hwm);
    return { growth: after.hwm - base, rssBefore: before.rss, peak: after.hwm, peakReset, seconds: (commit.time - t0) / 1000, outcome: commit.outcome };
  } finally {
    await client.logout().catch(() => client.close());
    await run.stop();
    removeDir(dataDir);
  }
}

export const bigMailBenchmark: Benchmark = {
  name: 'bigmail',
  aliases: ['big-mail', 'memory', 'big'],
  describe: 'big mail memory: one mail with a 25 MiB attachment, peak RSS growth vs the mail size (daemon and CLI)',
  async run(): Promise<BenchRow[]> {
    const attachmentBytes = Math.max(MiB, Math.round(25 * MiB * Math.min(1, SCALE)));
    const dir = tempDir('bigmail');
    const bigFile = join(dir, 'big.eml');
    const smallFile = join(dir, 'small.eml');
    const mailBytes = writeBigMail(bigFile, attachmentBytes);
    writeFileSync(smallFile, mail({ headers: { From: 'ana@cliente.mx' } }));
    const env = limits(mailBytes, attachmentBytes);
    note(`bigmail: ${fmtMiB(mailBytes)} mail (${fmtMiB(attachmentBytes)} attachment), limits ${JSON.stringify(env)}; max RSS via ${haveGnuTime ? TIME_BIN : 'process.resourceUsage()'}`);
    const cliRuns: Array<{ smallPeak: number; bigPeak: number; growth: number; ratio: number }> = [];
    const daemonRuns: Array<{ rssBefore: number; peak: number; growth: number; ratio: number; seconds: number; peakReset: boolean }> = [];
    let cliOutcome = '';
    let daemonOutcome: string | null = null;
    let defaultLimits = '';
    let cutByBudget = false;
    const dovecot = await startDovecot();
    try {
      const big = readFileSync(bigFile);
      ({ cutByBudget } = await repeatRuns('bigmail', RUN_BUDGET_SECONDS, async (r) => {
        const d = await daemonIngest(dovecot, big, env, `bigmail-daemon-run${r + 1}`);
        daemonOutcome = d.outcome;
        daemonRuns.push({ rssBefore: d.rssBefore, peak: d.peak, growth: d.growth, ratio: round(d.growth / mailBytes, 3), seconds: round(d.seconds, 2), peakReset: d.peakReset });
        const small = await cliIngest(smallFile, env, `bigmail-cli-small-run${r + 1}`);
        const bigRun = await cliIngest(bigFile, env, `bigmail-cli-big-run${r + 1}`);
        cliOutcome = bigRun.stdout;
        const growth = bigRun.maxRss - small.maxRss;
        cliRuns.push({ smallPeak: small.maxRss, bigPeak: bigRun.maxRss, growth, ratio: round(growth / mailBytes, 3) });
        note(`bigmail run ${r + 1}: daemon +${fmtMiB(d.growth)} (${d.outcome}, ${d.seconds.toFixed(1)} s), CLI +${fmtMiB(growth)} (${fmtMiB(small.maxRss)} -> ${fmtMiB(bigRun.maxRss)})`);
      }));
      defaultLimits = (await cliIngest(bigFile, {}, 'bigmail-cli-default-limits')).stdout;
    } finally {
      await dovecot.stop();
      removeDir(dir);
    }
    const row = (name: string, runs: Array<{ growth: number; ratio: number }>, details: Record<string, unknown>): BenchRow => {
      const growth = median(runs.map((r) => r.growth));
      const ratio = median(runs.map((r) => r.ratio));
      return {
        benchmark: name,
        figure: `+${fmtMiB(growth)} peak RSS`,
        figureValue: growth,
        baseline: `mail ${fmtMiB(mailBytes)}`,
        baselineValue: mailBytes,
        ratio: `${ratio.toFixed(2)} x`,
        ratioValue: ratio,
        goal: `< ${GOAL_RATIO} x mail`,
        pass: ratio < GOAL_RATIO,
        runs: runs.length,
        details: { mailBytes, attachmentBytes, limits: env, cutByBudget, ...details },
      };
    };
    return [
      row('big mail memory (daemon, IMAP)', daemonRuns, { outcome: daemonOutcome, runs: daemonRuns, figure: 'VmHWM after the mail - VmRSS before it (peak reset via clear_refs), median of runs' }),
      row('big mail memory (ingest CLI)', cliRuns, { result: cliOutcome, withDefaultLimits: defaultLimits, runs: cliRuns, figure: 'max RSS of `ingest big.eml` - max RSS of `ingest small.eml`, median of runs' }),
    ];
  },
};
