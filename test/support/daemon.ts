import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cliPath } from './cli.js';
import { projectRoot } from '../../src/paths.js';
import { SURVEYS_OFF } from './app.js';

export interface Daemon {
  child: ChildProcess;
  log: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** One line of a daemon's JSON log (pino). */
export interface DaemonLogLine {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

/** The daemon's log so far, line by line (a line cut by the bound on the kept output is skipped). */
export function daemonLogLines(daemon: Pick<Daemon, 'log'>): DaemonLogLine[] {
  const lines: DaemonLogLine[] = [];
  for (const line of daemon.log().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as DaemonLogLine);
    } catch {
      /* cut */
    }
  }
  return lines;
}

export interface DaemonOptions {
  /** How much output to keep (the newest part); default 200,000 characters. Busy daemons log a lot. */
  maxLogChars?: number;
  /**
   * Run it as process 1 of a PID namespace of its own (`unshare`, root only), as in a container: every start gets the
   * same pid on the same host name, as a container restarted after a crash does. A SIGKILL then kills it through
   * `unshare --kill-child`.
   */
  asPidOne?: boolean;
  /** As asPidOne, on a host name of its own (a UTS namespace): a container re-created, or another machine. */
  hostname?: string;
}

/** Whether this machine lets the tests start a process in a PID namespace of its own (DaemonOptions.asPidOne). */
export const pidNamespaces = process.getuid?.() === 0 && spawnSync('unshare', ['--pid', '--fork', 'true']).status === 0;

/** Starts `ventanilla start` as a separate process, the way an operator runs it. */
export function startDaemon(env: Record<string, string>, opts: DaemonOptions = {}): Daemon {
  const maxLogChars = opts.maxLogChars ?? 200_000;
  const argv = [process.execPath, cliPath, 'start'];
  const isolated = opts.asPidOne || opts.hostname !== undefined;
  const named = opts.hostname === undefined ? argv : ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', opts.hostname, ...argv];
  const [file, ...args] = isolated ? ['unshare', '--pid', '--fork', '--kill-child', ...named] : argv;
  const child = spawn(file as string, args, {
    cwd: projectRoot,
    // HTTP_PORT 0: any free port, so daemons of parallel test files never collide.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', ...SURVEYS_OFF, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString();
    if (output.length > maxLogChars) output = output.slice(-Math.floor(maxLogChars / 2));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Its output read to the end, not only the process gone: 'exit' may come before the last lines are read (Node's
  // docs), and a test reads the log right after kill() (the stop's own lines). As process 1 the daemon is unshare's
  // child, and holds the output pipes: they close when it is gone too.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    log: () => output,
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * Polls until check() returns a truthy value; fails with the last value and a description. The default wait is sized
 * to the test's timeout, not to the time the thing takes: a loaded machine must not fail a test that is right.
 */
export async function waitFor<T>(check: () => Promise<T> | T, what: string, timeoutMs = 30_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The environment of a daemon on a test mailbox: plain IMAP on loopback and a long poll interval, so mail
 * must arrive through IDLE push; `extra` overrides or adds (SMTP_*, limits...).
 */
export function imapDaemonEnv(
  mailbox: { host: string; imapPort: number; user: string; password: string },
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    SUPPORT_ADDRESS: 'support@example.test',
    SECRET_KEY: 'imap-test-secret-0123456789',
    IMAP_HOST: mailbox.host,
    IMAP_PORT: String(mailbox.imapPort),
    IMAP_SECURE: 'false',
    IMAP_USER: mailbox.user,
    IMAP_PASSWORD: mailbox.password,
    IMAP_POLL_SECONDS: '300',
    ...extra,
  };
}

/** Who holds the job lease `name` in the database of DATA_DIR `dataDir` now (read as another process would). */
export function jobLeaseHolder(dataDir: string, name: string): string {
  const db = new Database(join(dataDir, 'ventanilla.db'), { readonly: true });
  try {
    return (db.prepare(`SELECT "holder" FROM "JobLease" WHERE "name" = ?`).get(name) as { holder: string }).holder;
  } finally {
    db.close();
  }
}
