import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { migrateDatabase } from './migrator.js';
import { cachedSqliteAdapter } from './sqlite-connection.js';

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** Opens the SQLite database, applying pending migrations first. */
export async function openDatabase(path: string): Promise<Db> {
  mkdirSync(dirname(path), { recursive: true });
  migrateDatabase(path);
  const { factory, connection } = cachedSqliteAdapter(`file:${path}`, 15_000);
  const db = new PrismaClient({ adapter: factory });
  // Per-connection settings: NORMAL is durable in WAL mode across process crashes (only an OS crash can
  // lose the last commits); foreign keys are off by default in SQLite.
  await db.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  await db.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  connections.set(db, connection());
  return db;
}

const connections = new WeakMap<Db, Database.Database>();

/**
 * The connection Prisma runs on, for the hot paths' direct SQL (store/fast-sql.ts). Every statement on it
 * is part of whatever transaction Prisma has open, so use it only inside inTransaction or for reads.
 */
export function connectionOf(db: Db): Database.Database {
  const connection = connections.get(db);
  if (!connection) throw new Error('not a database opened by openDatabase');
  return connection;
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
          await tx.$executeRawUnsafe('UPDATE "JobLease" SET "name" = "name" WHERE 0');
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
