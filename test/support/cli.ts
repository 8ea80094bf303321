import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { SURVEYS_OFF } from './app.js';

/** The shipped CLI: src/ bundled (scripts/bundle.config.mjs), as `npx ventanilla` runs it. */
export const cliPath = join(projectRoot, 'dist', 'bundle', 'main.js');
export const cliBuilt = existsSync(cliPath);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `ventanilla` CLI as a user would (npm test builds it first). */
export function runCli(args: string[], opts: { env?: Record<string, string>; input?: Buffer | string; cwd?: string; node?: string; uid?: number; gid?: number; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // `node`: another Node binary than the one running the tests (node24.test.ts).
    const child = spawn(opts.node ?? process.execPath, [cliPath, ...args], {
      cwd: opts.cwd ?? projectRoot,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...SURVEYS_OFF, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Another user (tests run as root, who may write anywhere): what a folder's permissions do to the CLI.
      ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid ?? opts.uid }),
      // A command that could hang (a folder it cannot make): killed, its code null, rather than the test timing out.
      ...(opts.timeoutMs === undefined ? {} : { timeout: opts.timeoutMs, killSignal: 'SIGKILL' as const }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** runCli for a step that must succeed: its stdout, or an error naming the command and what it wrote to stderr. */
export async function runCliOk(args: string[], opts: { env?: Record<string, string>; input?: Buffer | string } = {}): Promise<string> {
  const run = await runCli(args, opts);
  if (run.code !== 0) throw new Error(`ventanilla ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}
