import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { migrateDatabase } from './migrator.js';
import { checkDatabaseForReading } from './read-only-database.js';
import { cachedSqliteAdapter } from './sqlite-connection.js';

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

const WAL_BYTES_BEFORE_CHECKPOINT = 64 * 1024 * 1024;

/**
 * Opens the SQLite database, applying pending migrations first; `readOnly` (a command that only reads): opens
 * it read-only, migrating nothing, once it is checked to be migrated (read-only-database.ts).
 */
export async function openDatabase(path: string, options: { readOnly?: boolean } = {}): Promise<Db> {
  if (options.readOnly) {
    checkDatabaseForReading(path);
  } else {
    mkdirSync(dirname(path), { recursive: true });
    migrateDatabase(path);
  }
  const { factory, connection } = cachedSqliteAdapter(`file:${path}`, 15_000, options.readOnly);
  const db = new PrismaClient({ adapter: factory });
  // Per-connection settings: NORMAL is durable in WAL mode across process crashes (only an OS crash can
  // lose the last commits); foreign keys are off by default in SQLite.
  await db.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  await db.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  // A scheduler tick on a million tickets touches index pages all over the file: SQLite's default 2 MB
  // page cache made every statement read pages again (the tick's profile was 40% in SQLite itself).
  // (A memory map was tried too: ~10% off the tick's timers, but every mapped page counts in the RSS, and
  // the bulletin run's peak RSS grew from 438 to 734 MiB; not worth it.)
  // 16 MiB: as fast on the 1M tick as 64 MiB (measured), and the cache counts in the RSS.
  await db.$queryRawUnsafe(`PRAGMA cache_size = -${16 * 1024}`);
  await db.$executeRawUnsafe('PRAGMA temp_store = MEMORY');
  // Checkpoints (copying the WAL back into the file, with an fsync) ran inside the commits of a tick:
  // a 64 MB WAL instead of 4 MB makes them rarer and larger; the WAL file is reused, not regrown. The limit
  // is in pages, and a file's page size is its own (migrator.ts PAGE_SIZE: older files have 4 KiB).
  // Read on the connection itself: every command opens the database, an MTA's `ingest -` once per mail.
  const sqlite = connection();
  const pageSize = Number(sqlite.pragma('page_size', { simple: true }));
  await db.$queryRawUnsafe(`PRAGMA wal_autocheckpoint = ${Math.round(WAL_BYTES_BEFORE_CHECKPOINT / pageSize)}`);
  connections.set(db, sqlite);
  files.set(db, path);
  return db;
}

/** Each database's file, for what lives beside it (scheduler/liveness.ts). */
const files = new WeakMap<Db, string>();

/** The file `db` was opened from; undefined for a client not opened by openDatabase. */
export function databaseFileOf(db: Db): string | undefined {
  return files.get(db);
}

/** Each database's connection, and each open transaction's (set by inTransaction). */
const connections = new WeakMap<object, Database.Database>();

/**
 * The connection Prisma runs on, for the hot paths' direct SQL (store/sql.ts). Every statement on it is
 * part of whatever transaction Prisma has open, so write through it only inside inTransaction.
 */
export function connectionOf(handle: Db | Tx): Database.Database {
  const connection = connections.get(handle);
  if (!connection) throw new Error('not a database opened by openDatabase, nor one of its transactions');
  return connection;
}

/** A unique key refused a row: Prisma's P2002, or SQLite's own error from the direct SQL of store/sql.ts. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'P2002' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function isBusy(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ''} ${JSON.stringify((error as { meta?: unknown })?.meta ?? '')}`;
  return /SQLITE_BUSY|database is locked|Socket timeout|busy/i.test(text);
}

/**
 * Runs fn in one write transaction. SQLite reports a conflict between two processes as "busy" without
 * waiting when a deferred transaction upgrades to a writer, so the whole unit is retried a few times.
 */
export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(
        async (tx) => {
          // Take the write lock first (what BEGIN IMMEDIATE does; the adapter only issues BEGIN): no read
          // snapshot can go stale, so another writer makes SQLite wait (busy_timeout) instead of failing.
          // (Direct, not through Prisma: it runs once per transaction, and Prisma's own cost per query shows.)
          const connection = connectionOf(db);
          connection.prepare('UPDATE "JobLease" SET "name" = "name" WHERE 0').run();
          connections.set(tx, connection);
          return fn(tx);
        },
        { timeout: 60_000, maxWait: 60_000 },
      );
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (attempt >= attempts) {
        throw new VentanillaError(ErrorCode.DB_BUSY, 'The database stayed locked by another process; try again.', {}, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
    }
  }
}
