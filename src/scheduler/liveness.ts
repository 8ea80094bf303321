import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

// Whether the process behind a lease holder still runs, told by a lock it holds for its life on a file beside
// the database (`.live/<token>.lock`): SQLite's locks are the kernel's (POSIX fcntl), dropped when the process
// dies however it dies, and seen by every process and container on that kernel and volume. A host name and a
// pid cannot tell: two containers with one host name both run the daemon as process 1, and a killed container's
// successor has another host name.

interface HeldLock {
  token: string;
  file: string;
  /** Kept referenced: the lock lives as long as this connection's transaction (never committed). */
  connection: Database.Database;
}

/** Per `.live` folder: the lock this process holds there. */
const held = new Map<string, HeldLock>();
let exitHooked = false;

function liveFolder(database: string): string | null {
  try {
    // The folder as the kernel knows it: a database reached through a symlink has one `.live` for all.
    return join(dirname(realpathSync(database)), '.live');
  } catch {
    return null; // in memory, or gone
  }
}

/**
 * This process's token beside `database`, its lock taken on the first call. Null where it cannot hold one (a
 * database in memory, a folder it may not write in): its holders are then told apart as before (lease.ts).
 */
export function liveToken(database: string): string | null {
  const folder = liveFolder(database);
  if (!folder) return null;
  const known = held.get(folder);
  if (known) return known.token;
  const token = randomBytes(6).toString('hex');
  const file = join(folder, `${token}.lock`);
  try {
    mkdirSync(folder, { recursive: true });
    const connection = new Database(file);
    // No journal file beside the lock: nothing is ever written in it.
    connection.pragma('journal_mode = MEMORY');
    connection.exec('BEGIN EXCLUSIVE');
    held.set(folder, { token, file, connection });
    if (!exitHooked) process.once('exit', removeOwnLocks);
    exitHooked = true;
    return token;
  } catch {
    rmSync(file, { force: true });
    return null;
  }
}

/** A clean exit leaves no file behind; one killed leaves its file to the first process that finds it dead. */
function removeOwnLocks(): void {
  for (const { file } of held.values()) rmSync(file, { force: true });
}

/** Closing the database: the process holds nothing in it any more (and keeps no file open for it). */
export function dropLiveToken(database: string): void {
  const folder = liveFolder(database);
  const lock = folder === null ? undefined : held.get(folder);
  if (!folder || !lock) return;
  rmSync(lock.file, { force: true });
  lock.connection.close();
  held.delete(folder);
}

/**
 * Whether the process that took `token` beside `database` still runs: false once its lock is free (it died) or
 * its file is gone (removed by its clean exit, or by whoever first found it dead; a live process's file is never
 * removed). Never waits: a lock held is a live process. A lock it cannot try (another user's file) counts as
 * alive: its leases then lapse.
 */
export function tokenAlive(database: string, token: string): boolean {
  const folder = liveFolder(database);
  // No folder to look in (a database in memory): no other process can hold anything in it.
  if (!folder) return true;
  if (held.get(folder)?.token === token) return true;
  const file = join(folder, `${token}.lock`);
  let connection: Database.Database;
  try {
    connection = new Database(file, { fileMustExist: true, timeout: 0 });
  } catch {
    return existsSync(file);
  }
  try {
    connection.pragma('journal_mode = MEMORY');
    connection.exec('BEGIN EXCLUSIVE');
  } catch {
    connection.close();
    return true;
  }
  // Removed while this lock is held, so no one can take the dead one's name for a live lock.
  rmSync(file, { force: true });
  connection.close();
  return false;
}
