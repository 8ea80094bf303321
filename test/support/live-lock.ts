import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';

/** Another process holding a lock in `folder` the way a daemon does (scheduler/liveness.ts) until it is killed. */
export async function lockingProcess(folder: string, token: string) {
  const script = `const db = new (require('better-sqlite3'))(${JSON.stringify(join(folder, `${token}.lock`))});
    db.pragma('journal_mode = MEMORY'); db.exec('BEGIN EXCLUSIVE'); console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return {
    kill: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL'))),
  };
}

/** Whether some process holds the lock on `file`, as another process sees it (one that tries it and lets go). */
export function lockHeld(file: string): boolean {
  const script = `const db = new (require('better-sqlite3'))(${JSON.stringify(file)}, { fileMustExist: true, timeout: 0 });
    try { db.pragma('journal_mode = MEMORY'); db.exec('BEGIN EXCLUSIVE'); db.exec('ROLLBACK'); console.log('free'); } catch { console.log('held'); }`;
  return spawnSync(process.execPath, ['-e', script], { cwd: projectRoot, encoding: 'utf8' }).stdout.trim() === 'held';
}
