import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from './sqlite-driver.js';
import type { Database as Connection } from 'better-sqlite3';
import { ErrorCode, VentanillaError } from '../errors.js';
import { migrationsDir } from '../paths.js';

// Prisma's own bookkeeping table, created the way `prisma migrate` creates it, so that a team with the
// schema engine can take over this database with `prisma migrate deploy` and see every migration applied.
export const PRISMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir: string = migrationsDir): MigrationFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      // Prisma's checksum is the SHA-256 of the file's bytes, in hex.
      return { name, sql, checksum: sha256(sql) };
    });
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * The page size of a new database: SQLite's default, chosen on purpose. 16 KiB pages were measured twice (two
 * sessions, alternating runs): each mail's raw copy and text span fewer overflow pages, which took 10% off the
 * ingest recording thread's CPU a mail and 8% off the backlog benchmark's wall time (4.21 s against 4.58 s for
 * 5,000 mails); but each of a scheduler tick's scattered updates then writes a whole 16 KiB page to the WAL, which
 * fills 4x as fast: the 1M-ticket tick's timers took 0.34-0.56 s against 0.15-0.29 s, and the tick passed its 1 s
 * goal. A WAL four times larger kept the tick (and 256 MiB on the disk for good); not worth it. The pragma counts
 * only while the file is empty: an existing file keeps its own page size.
 */
export const PAGE_SIZE = 4096;

/** Applies pending migrations in order, each in its own transaction. Safe to call from two processes at once. */
export function migrateDatabase(path: string, dir: string = migrationsDir): MigrationReport {
  const db = new Database(path, { timeout: LOCK_WAIT_MS });
  try {
    // Before anything changes in the file: a database with a failed migration is left as it was.
    refuseUnresolvedMigrations(db);
    // Before WAL: SQLite takes a page size only while the file is empty (an existing file keeps its own).
    db.pragma(`page_size = ${PAGE_SIZE}`);
    // WAL lets the CLI read while the daemon writes; it is a property of the file, so setting it here is enough.
    enableWal(db);
    // Prisma's SQLite migrations rebuild tables (create, copy, drop, rename) and expect foreign keys off;
    // the pragma is ignored inside a transaction, so it is set here, and checked after each file instead.
    db.pragma('foreign_keys = OFF');
    db.exec(PRISMA_MIGRATIONS_TABLE);
    const migrations = readMigrations(dir);
    refuseNewerDatabase(db, path, migrations);
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const outcome = applyOne(db, migration);
      (outcome === 'applied' ? report.applied : report.alreadyApplied).push(migration.name);
    }
    return report;
  } finally {
    db.close();
  }
}

export const LOCK_WAIT_MS = 15_000;

/**
 * A migration `prisma migrate deploy` started and that failed (its row has no finished_at, nor rolled_back_at):
 * Ventanilla's own migrator never leaves one, as each migration is one transaction, but Prisma's does not roll
 * its SQL back, so half of it may be in the database. Applying it again would fail on what is there, or make a
 * change twice; Prisma stops (P3009) until `prisma migrate resolve` says how it ended, and so does this.
 */
export function refuseUnresolvedMigrations(db: Connection): void {
  const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
  if (!hasTable) return;
  const failed = db
    .prepare('SELECT migration_name AS name, started_at AS startedAt, logs FROM "_prisma_migrations" WHERE finished_at IS NULL AND rolled_back_at IS NULL ORDER BY migration_name')
    .all() as Array<{ name: string; startedAt: string; logs: string | null }>;
  const [first] = failed;
  if (!first) return;
  const which = failed.map((m) => `${m.name} failed (started ${m.startedAt}${firstLine(m.logs)})`).join(', and migration ');
  throw new VentanillaError(
    ErrorCode.MIGRATION_UNRESOLVED,
    `Migration ${which}: part of it may be in the database, and no migration is applied until it is resolved. If all its changes are there (finish them by hand), run \`ventanilla migrate resolve --applied ${first.name}\`; once none is left (undo them by hand), \`ventanilla migrate resolve --rolled-back ${first.name}\` and it is applied again (\`prisma migrate resolve\` does the same)`,
    { failed: failed.map((m) => m.name) },
  );
}

/** Prisma's logs of a failed migration (the database's error, then its backtrace), cut to their first line. */
function firstLine(logs: string | null): string {
  const line = logs?.trim().split('\n')[0]?.trim();
  return line ? `: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}` : '';
}

/**
 * A migration recorded in the database that this version does not have: a newer version ran on it (an upgrade
 * rolled back, a DATA_DIR copied from another machine). This version's code would read tables it does not know
 * and write rows without columns the newer one needs; it stops instead.
 */
export function refuseNewerDatabase(db: Connection, path: string, migrations: MigrationFile[]): void {
  const known = new Set(migrations.map((m) => m.name));
  const unknown = appliedMigrationNames(db).filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  throw new VentanillaError(
    ErrorCode.DATABASE_TOO_NEW,
    `The database ${path} was migrated by a newer Ventanilla (migration ${unknown.join(', ')} is not in this version): run that version or a later one, or restore a backup of DATA_DIR taken before it ran.`,
  );
}

/** The migrations recorded as applied: finished, and not rolled back since (as Prisma counts them). */
export function appliedMigrationNames(db: Connection): string[] {
  const rows = db
    .prepare('SELECT migration_name AS name FROM "_prisma_migrations" WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL ORDER BY migration_name')
    .all() as Array<{ name: string }>;
  return rows.map((row) => row.name);
}

/**
 * Switches the file to WAL, waiting for another process's write lock. SQLite answers this switch with
 * SQLITE_BUSY at once, without its busy handler, while another connection holds the write lock of a
 * rollback-journal file: two processes creating the same database together meet exactly that.
 */
function enableWal(db: Connection): void {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      sleepSync(pause);
    }
  }
}

// The migrator is synchronous (it runs before anything else opens the database), so it waits without the event loop.
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function applyOne(db: Connection, migration: MigrationFile): 'applied' | 'already' {
  // IMMEDIATE takes the write lock first, so two processes starting together cannot both apply it.
  const run = db.transaction(() => {
    const row = db
      .prepare('SELECT checksum FROM "_prisma_migrations" WHERE migration_name = ? AND rolled_back_at IS NULL AND finished_at IS NOT NULL')
      .get(migration.name) as { checksum: string } | undefined;
    if (row) {
      // Like `prisma migrate`, accept a file whose only change is its line endings (a Windows checkout).
      const variants = [migration.sql, migration.sql.replace(/\r\n/g, '\n'), migration.sql.replace(/\r?\n/g, '\r\n')].map(sha256);
      if (!variants.includes(row.checksum)) {
        throw new VentanillaError(
          ErrorCode.MIGRATION_CHECKSUM,
          `Migration ${migration.name} was changed after it was applied. Restore the original file and add a new migration instead.`,
        );
      }
      return 'already' as const;
    }
    const startedAt = new Date().toISOString();
    try {
      db.exec(migration.sql);
    } catch (error) {
      throw new VentanillaError(ErrorCode.MIGRATION_FAILED, `Migration ${migration.name} failed: ${(error as Error).message}`, {}, { cause: error });
    }
    const violations = db.pragma('foreign_key_check') as unknown[];
    if (violations.length > 0) {
      throw new VentanillaError(ErrorCode.MIGRATION_FAILED, `Migration ${migration.name} left ${violations.length} foreign key violation(s)`, { violations });
    }
    db.prepare(
      'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 1)',
    ).run(randomUUID(), migration.checksum, new Date().toISOString(), migration.name, startedAt);
    return 'applied' as const;
  });
  return run.immediate();
}
