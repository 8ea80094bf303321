import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot } from '../../src/paths.js';

// A benchmark's helper process (the SMTP sink, the scheduler's ticks, the bulletin's gateway) that answers in
// lines on its stdout; its stderr goes to ours.

export interface LineProcess {
  /** The next line it writes. */
  next(): Promise<string>;
  /** Writes a line to its stdin and waits for the line that answers it. */
  ask(line: string): Promise<string>;
  /** Closes its stdin and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts dist/test/bench/<name>.js; a line awaited when it exits fails with its exit code. */
export function startLineProcess(name: string, args: string[] = []): LineProcess {
  const child = spawn(process.execPath, [join(projectRoot, 'dist', 'test', 'bench', `${name}.js`), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  let exitCode: number | null | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const next = waiting.shift();
    if (next) next.resolve(line);
    else lines.push(line);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      for (const w of waiting.splice(0)) w.reject(new Error(`${name} exited (${code})`));
      resolve();
    }),
  );
  const next = () => {
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (exitCode !== undefined) return Promise.reject(new Error(`${name} exited (${exitCode})`));
    return new Promise<string>((resolve, reject) => waiting.push({ resolve, reject }));
  };
  return {
    next,
    ask: (line) => {
      const answer = next();
      child.stdin.write(`${line}\n`);
      return answer;
    },
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
