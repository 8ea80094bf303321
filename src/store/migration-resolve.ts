import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Database as Connection } from 'better-sqlite3';
import { ErrorCode, VentanillaError } from '../errors.js';
import { migrationsDir } from '../paths.js';
import { LOCK_WAIT_MS, PRISMA_MIGRATIONS_TABLE, readMigrations } from './migrator.js';
import Database from './sqlite-driver.js';

export type Resolution = 'applied' | 'rolled-back';

/**
 * `prisma migrate resolve --applied|--rolled-back <name>` for a failed migration, on an install without Prisma's
 * CLI (a dev dependency, and its schema engine is a download). Same rules as Prisma's (schema-engine's
 * mark_migration_applied and mark_migration_rolled_back): rolled back, a migration counts as never applied and
 * is applied again; applied, its failed rows are marked rolled back and a finished row is added, with no step
 * run (applied_steps_count 0), so that it is not applied again.
 */
export function resolveMigration(path: string, name: string, how: Resolution, dir: string = migrationsDir): void {
  if (!existsSync(path)) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `No database at ${path}: there is no migration to resolve.`);
  const db = new Database(path, { timeout: LOCK_WAIT_MS, fileMustExist: true });
  try {
    db.exec(PRISMA_MIGRATIONS_TABLE);
    db.transaction(() => (how === 'applied' ? markApplied(db, name, dir) : markRolledBack(db, name, dir))).immediate();
  } finally {
    db.close();
  }
}

const failedRowsOf = (db: Connection, name: string) =>
  db.prepare('SELECT id FROM "_prisma_migrations" WHERE migration_name = ? AND finished_at IS NULL AND rolled_back_at IS NULL').all(name) as Array<{ id: string }>;

function markRolledBack(db: Connection, name: string, dir: string): void {
  const failed = failedRowsOf(db, name);
  // A failed row of a newer version's migration may be rolled back too: only a name known nowhere is a typo.
  const known = readMigrations(dir).some((m) => m.name === name) || db.prepare('SELECT 1 FROM "_prisma_migrations" WHERE migration_name = ?').get(name) !== undefined;
  if (!known) throw noSuchMigration(db, name, dir);
  if (failed.length === 0) {
    throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `Migration ${name} is not recorded as failed: there is nothing to roll back (\`prisma migrate resolve\` refuses it too).`);
  }
  rollBack(db, failed, new Date().toISOString());
}

/** A name that is no migration (a typo): the failed ones, which are what `resolve` is for, and where all are. */
function noSuchMigration(db: Connection, name: string, dir: string): VentanillaError {
  const failed = (db.prepare('SELECT DISTINCT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NULL AND rolled_back_at IS NULL ORDER BY migration_name').all() as Array<{ name: string }>).map((row) => row.name);
  const toResolve =
    failed.length === 0
      ? 'no migration is recorded as failed here, so none needs resolving (`ventanilla migrate` says so)'
      : `the ${failed.length > 1 ? 'ones' : 'one'} recorded as failed here ${failed.length > 1 ? 'are' : 'is'} ${failed.join(', ')} (\`ventanilla migrate\` names ${failed.length > 1 ? 'them' : 'it'} too)`;
  return new VentanillaError(ErrorCode.NOT_FOUND, `Migration ${name} is not a migration of this version: check the name; ${toResolve}, and this version's migrations are the folders in ${dir} (\`ls ${dir}\`).`);
}

function rollBack(db: Connection, rows: Array<{ id: string }>, now: string): void {
  for (const row of rows) db.prepare('UPDATE "_prisma_migrations" SET rolled_back_at = ? WHERE id = ?').run(now, row.id);
}

function markApplied(db: Connection, name: string, dir: string): void {
  const migration = readMigrations(dir).find((m) => m.name === name);
  if (!migration) throw noSuchMigration(db, name, dir);
  const applied = db.prepare('SELECT 1 FROM "_prisma_migrations" WHERE migration_name = ? AND finished_at IS NOT NULL AND rolled_back_at IS NULL').get(name);
  if (applied) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `Migration ${name} is already recorded as applied: there is nothing to resolve.`);
  const now = new Date().toISOString();
  rollBack(db, failedRowsOf(db, name), now);
  db.prepare('INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 0)').run(
    randomUUID(),
    migration.checksum,
    now,
    name,
    now,
  );
}
