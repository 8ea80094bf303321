import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, VentanillaError } from '../errors.js';
import { migrationsDir } from '../paths.js';
import { appliedMigrationNames, LOCK_WAIT_MS, readMigrations, refuseNewerDatabase, refuseUnresolvedMigrations } from './migrator.js';
import Database from './sqlite-driver.js';

/**
 * Before a command that only reads opens the database read-only: it must be this version's schema, since such a
 * command migrates nothing (its user may not write the file, or it is a snapshot; and migrating under a daemon of
 * the previous version, still running, is no listing's business). Read on a connection of its own, read-only.
 */
export function checkDatabaseForReading(path: string, dir: string = migrationsDir): void {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: LOCK_WAIT_MS });
  try {
    refuseUnresolvedMigrations(db); // the first read: a WAL file SQLite cannot read here fails on it
    const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
    const migrations = readMigrations(dir);
    const applied = new Set(hasTable ? appliedMigrationNames(db) : []);
    if (hasTable) refuseNewerDatabase(db, path, migrations);
    const pending = migrations.map((m) => m.name).filter((name) => !applied.has(name));
    if (pending.length > 0) {
      throw new VentanillaError(
        ErrorCode.MIGRATION_PENDING,
        `The database ${path} lacks ${pending.length === 1 ? 'migration' : 'migrations'} ${pending.join(', ')} of this version, and a command that only reads applies none: run \`ventanilla migrate\` (or start the daemon) as the user the database belongs to`,
      );
    }
  } catch (error) {
    throw walIndexProblem(error, path) ?? error;
  } finally {
    db.close();
  }
}

/**
 * SQLite reads a database in WAL mode through its -shm file (the WAL index), and makes it when missing: in a
 * folder this user may not write in (a snapshot, another user's DATA_DIR while no process has it open) it cannot,
 * and said only "attempt to write a readonly database" or "unable to open database file". (SQLite's way round it,
 * the `immutable` URI parameter, is not reachable: the driver opens files without URI names.)
 */
function walIndexProblem(error: unknown, path: string): VentanillaError | undefined {
  const code = String((error as { code?: unknown })?.code ?? '');
  if (!/^SQLITE_(READONLY|CANTOPEN)/.test(code) || existsSync(`${path}-shm`)) return undefined;
  return new VentanillaError(
    ErrorCode.CONFIG_INVALID,
    `cannot read ${path} here: SQLite reads this database (in WAL mode) through ${path}-shm, which is missing, and this user may not create it in ${dirname(path)}: run the command while the daemon runs (it keeps that file), or as the user the folder belongs to, or on a copy of the folder in one this user may write in (${code})`,
    {},
    { cause: error },
  );
}
