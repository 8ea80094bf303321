import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from './config.js';
import { ErrorCode, VentanillaError } from './errors.js';

/**
 * Creates DATA_DIR and the database's folder when missing and checks that this user may write in them, before
 * anything is written there. Without it an unwritable DATA_DIR surfaced as a secret.key "not found" or as
 * SQLite's "unable to open database file" with a stack trace, naming neither the folder nor the setting.
 */
export function ensureWritableFolders(config: Pick<Config, 'dataDir' | 'databasePath' | 'env'>): void {
  ensureWritable(config.dataDir, 'DATA_DIR');
  const databaseDir = dirname(config.databasePath);
  const variable = databaseVariable(config);
  if (databaseDir !== config.dataDir) ensureWritable(databaseDir, variable);
  ensureDatabaseFile(config.databasePath, variable);
  ensureDatabaseFilesAccessible(config.databasePath, variable, constants.R_OK | constants.W_OK);
}

/**
 * For a command that only reads (a reporting user, a read-only snapshot of DATA_DIR): the database and its -wal
 * and -shm files readable, nothing about writing. It opens the database read-only (store/read-only-database.ts).
 */
export function ensureReadableDatabase(config: Pick<Config, 'databasePath' | 'env'>): void {
  const variable = databaseVariable(config);
  ensureDatabaseFile(config.databasePath, variable);
  ensureDatabaseFilesAccessible(config.databasePath, variable, constants.R_OK);
}

const databaseVariable = (config: Pick<Config, 'env'>) => (config.env.DATABASE_URL ? 'DATABASE_URL' : 'DATA_DIR');

function ensureWritable(dir: string, variable: string): void {
  try {
    makeFolder(dir);
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    const { code = 'error', path } = error as NodeJS.ErrnoException;
    const where = path !== undefined && path !== dir ? ` making ${path}` : '';
    throw new VentanillaError(
      ErrorCode.CONFIG_INVALID,
      `${variable}: cannot write in ${dir} (${code}${where}): make it a folder this user (${userName()}) may write in, or set ${variable} to one`,
      {},
      { cause: error },
    );
  }
}

/**
 * mkdir -p, one folder at a time. Node's `mkdirSync(dir, { recursive: true })` loops for ever where mkdir answers
 * ENOENT under a parent that exists (/proc/ventanilla): the command hung, silent. Here that ENOENT is thrown.
 */
function makeFolder(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeFolder(parent);
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process made it meanwhile
  }
}

/**
 * A database another user made (`sudo ventanilla migrate` before the daemon's first start: root's file, mode 600)
 * or one made read-only stopped every command on SQLite's "unable to open database file" or "attempt to write a
 * readonly database", with a stack trace naming neither the file nor its owner. Its -wal and -shm files count too.
 */
function ensureDatabaseFilesAccessible(path: string, variable: string, mode: number): void {
  const what = mode & constants.W_OK ? 'read and write' : 'read';
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      accessSync(file, mode);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'ENOENT') continue;
      const owner = ownerOf(file);
      // Its owner's own file made read-only (a -wal or -shm made while the database file was) needs a chmod, not a chown.
      const fix =
        owner !== undefined && owner === process.getuid?.()
          ? `it is this user's, made read-only): chmod u+${mode & constants.W_OK ? 'rw' : 'r'} ${file}`
          : `${owner === undefined ? 'not this user\'s' : `it belongs to uid ${owner}`}): run Ventanilla as the user the file belongs to, or give the database files to this user (${userName()}), e.g. chown`;
      throw new VentanillaError(
        ErrorCode.CONFIG_INVALID,
        `${variable}: cannot ${what} ${file} (${code}; ${fix}`,
        {},
        { cause: error },
      );
    }
  }
}

/**
 * DATABASE_URL naming the data folder (file:./data), or a file that is no SQLite database (another file named by
 * mistake, a damaged header): SQLite said "unable to open database file" or "file is not a database", with a stack
 * trace. An empty file is a new database (SQLite writes its header with the first migration).
 */
function ensureDatabaseFile(path: string, variable: string): void {
  let problem: string | undefined;
  try {
    if (statSync(path).isDirectory()) problem = `is a folder: expected the database file in it, e.g. file:${path}/ventanilla.db`;
    else if (!startsWithSqliteHeader(path)) problem = `is not a SQLite database (it does not start with "SQLite format 3"): ${variable} names another file, or the file is damaged (restore DATA_DIR from a backup)`;
  } catch {
    return; // Missing (a new database), or unreadable: ensureDatabaseFilesAccessible names that.
  }
  if (problem) throw new VentanillaError(ErrorCode.CONFIG_INVALID, `${variable}: ${path} ${problem}`);
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function startsWithSqliteHeader(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const read = readSync(fd, head, 0, head.length, 0);
    return read === 0 || head.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
}

function ownerOf(file: string): number | undefined {
  try {
    return statSync(file).uid;
  } catch {
    return undefined;
  }
}

export const userName = () => process.env.USER ?? process.env.LOGNAME ?? `uid ${process.getuid?.() ?? '?'}`;
