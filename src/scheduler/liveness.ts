import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// Whether the process behind a lease holder still runs, told by a lock it holds for its life on a file beside
// the database (`.live/<token>.lock`): SQLite's locks are the kernel's (POSIX fcntl), dropped when the process
// dies however it dies, and seen by every process and container on that kernel and volume. A host name and a
// pid cannot tell: two containers with one host name both run the daemon as process 1, and a killed container's
// successor has another host name.
//
// A process known to be gone leaves a marker instead (`.live/<token>.dead`: it exited, or another found its lock
// free). A token with neither file tells nothing: its file was deleted by hand or by a script cleaning the folder,
// while its process may well run, so its leases are waited out (their time decides). A live process that finds its
// file gone or replaced makes it again at its next lease renewal (keepLiveToken).

interface HeldLock {
  token: string;
  file: string;
  /** The file's identity as made, to tell it deleted or replaced. */
  dev: number;
  ino: number;
  /** Kept referenced: the lock lives as long as this connection's transaction (never committed). */
  connection: Database.Database;
  /** Its file could not be made again: said once, tried again at each renewal. */
  lost: boolean;
  sweptAt: number;
}

/** Markers, and the lock files of processes nobody found dead, are swept once this old (sweepLiveFolder). */
const SWEEP_AGE_MS = 60 * 60_000;
/** How often a running process sweeps, at its lease renewals. */
const SWEEP_EVERY_MS = 10 * 60_000;

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

const marker = (folder: string, token: string) => join(folder, `${token}.dead`);

/**
 * A locked file put in place under `file` whole (made under another name, then renamed): the name never shows
 * a file not yet locked, which would look like a dead process's.
 */
function lockedFile(folder: string, file: string, token: string): Omit<HeldLock, 'lost' | 'sweptAt'> {
  const making = join(folder, `${token}.new`);
  mkdirSync(folder, { recursive: true });
  const connection = new Database(making);
  try {
    // No journal file beside the lock: nothing is ever written in it.
    connection.pragma('journal_mode = MEMORY');
    connection.exec('BEGIN EXCLUSIVE');
    renameSync(making, file);
    const { dev, ino } = statSync(file);
    return { token, file, dev, ino, connection };
  } catch (error) {
    connection.close();
    rmSync(making, { force: true });
    throw error;
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
  try {
    held.set(folder, { ...lockedFile(folder, join(folder, `${token}.lock`), token), lost: false, sweptAt: Date.now() });
  } catch {
    return null;
  }
  if (!exitHooked) process.once('exit', removeOwnLocks);
  exitHooked = true;
  sweepLiveFolder(database);
  return token;
}

/**
 * Called at each lease renewal or claim of this process: its lock file deleted or replaced (by hand, by a cleanup
 * of the folder) is made again, so that the others see it run; what happened, for the caller to say. Sweeps the
 * folder now and then too. Cheap: one stat.
 */
export function keepLiveToken(database: string): { file: string; was: 'deleted' | 'replaced'; error?: string } | null {
  const folder = liveFolder(database);
  const lock = folder === null ? undefined : held.get(folder);
  if (!folder || !lock) return null;
  const now = statSync(lock.file, { throwIfNoEntry: false });
  if (now && now.dev === lock.dev && now.ino === lock.ino) {
    if (Date.now() - lock.sweptAt >= SWEEP_EVERY_MS) {
      lock.sweptAt = Date.now();
      sweepLiveFolder(database);
    }
    return null;
  }
  const was = now ? 'replaced' : 'deleted';
  try {
    const made = lockedFile(folder, lock.file, lock.token);
    lock.connection.close();
    Object.assign(lock, made, { lost: false });
    // Another process that took the replacing file for this one's, free, marked this one dead.
    rmSync(marker(folder, lock.token), { force: true });
    return { file: lock.file, was };
  } catch (error) {
    if (lock.lost) return null;
    lock.lost = true;
    return { file: lock.file, was, error: String((error as Error).message ?? error) };
  }
}

/** Its lock file gives way to a marker that the process is gone: its leases are taken over at once. */
function markGone(folder: string, token: string, file: string): void {
  try {
    writeFileSync(marker(folder, token), '');
  } catch {
    /* a folder it may not write in: the lease lapses instead */
  }
  rmSync(file, { force: true });
}

/** A clean exit leaves a marker, no lock file; one killed leaves its file to the first process that finds it dead. */
function removeOwnLocks(): void {
  for (const [folder, { token, file }] of held) markGone(folder, token, file);
}

/** Closing the database: the process holds nothing in it any more (and keeps no file open for it). */
export function dropLiveToken(database: string): void {
  const folder = liveFolder(database);
  const lock = folder === null ? undefined : held.get(folder);
  if (!folder || !lock) return;
  markGone(folder, lock.token, lock.file);
  lock.connection.close();
  held.delete(folder);
}

/**
 * Whether the process that took `token` beside `database` still runs: false once its lock is free (it died; its
 * file becomes a marker) or a marker says it is gone. A token with neither file counts as alive: the file of a
 * live process may have been deleted by hand, and its leases then lapse unless renewed. Never waits: a lock held
 * is a live process. A lock it cannot try (another user's file) counts as alive too.
 */
export function tokenAlive(database: string, token: string): boolean {
  const folder = liveFolder(database);
  // No folder to look in (a database in memory): no other process can hold anything in it.
  if (!folder) return true;
  if (held.get(folder)?.token === token) return true;
  const file = join(folder, `${token}.lock`);
  const before = statSync(file, { throwIfNoEntry: false });
  if (!before) return !existsSync(marker(folder, token));
  let connection: Database.Database;
  try {
    connection = new Database(file, { fileMustExist: true, timeout: 0 });
  } catch {
    return existsSync(file) || !existsSync(marker(folder, token));
  }
  try {
    connection.pragma('journal_mode = MEMORY');
    connection.exec('BEGIN EXCLUSIVE');
    // Free, but put in place meanwhile (its process made it again): that one is not for this verdict.
    const after = statSync(file, { throwIfNoEntry: false });
    if (after?.ino !== before.ino || after.dev !== before.dev) return true;
    // Marked while this lock is held, so no one can take the dead one's name for a live lock.
    markGone(folder, token, file);
    return false;
  } catch {
    return true;
  } finally {
    connection.close();
  }
}

/**
 * Keeps the folder from filling up: markers older than an hour go (a dead process's leases lapsed long before), as
 * do leftovers of a lock being made; a lock file that old whose lock is free (a process killed that nobody found
 * dead) becomes a marker, swept an hour later. Younger files stay: a lock just being made is not held yet.
 */
export function sweepLiveFolder(database: string, now = Date.now()): void {
  const folder = liveFolder(database);
  if (!folder) return;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const match = /^([0-9a-f]+)\.(lock|dead|new)$/.exec(name);
    const file = join(folder, name);
    const modified = match ? statSync(file, { throwIfNoEntry: false })?.mtimeMs : undefined;
    if (!match || modified === undefined || now - modified < SWEEP_AGE_MS) continue;
    try {
      if (match[2] === 'lock') tokenAlive(database, match[1] as string);
      else rmSync(file, { force: true });
    } catch {
      /* another user's file: left */
    }
  }
}
