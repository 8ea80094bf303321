import type Database from 'better-sqlite3';
import { connectionOf, type Db, type Tx } from './database.js';

// Direct SQL for the hot paths (ingest, scheduler ticks). A Prisma query costs 230-330 µs here in its own
// machinery against 7 µs for the same prepared statement (test/bench/HISTORY.md), and a mail
// or a due ticket takes some 25 of them. The statements run on the connection Prisma's transaction holds,
// so they commit or roll back with it. Values are written the way Prisma's SQLite adapter writes them
// (dates as ISO text with +00:00, booleans as 0/1), so Prisma reads them back unchanged and the text
// comparisons of due-time queries keep working.

export type SqlValue = string | number | bigint | boolean | Date | Uint8Array | null | undefined;

export interface Sql {
  get<T>(sql: string, ...args: SqlValue[]): T | undefined;
  all<T>(sql: string, ...args: SqlValue[]): T[];
  /** Runs a write; `id` is the row id of an INSERT. */
  run(sql: string, ...args: SqlValue[]): { changes: number; id: number };
}

const sqlHandles = new WeakMap<Database.Database, Sql>();

let lastDateMs = Number.NaN;
let lastDateText = '';

/** Dates as the Prisma adapter stores them (see @prisma/adapter-better-sqlite3 mapArg). */
export function sqlDate(date: Date): string {
  // The statements of a mail or a tick mostly write the same instant (its "now"): formatted once. (An invalid
  // date's NaN never equals the last one, so it still throws.)
  const ms = date.getTime();
  if (ms !== lastDateMs) {
    lastDateText = date.toISOString().replace('Z', '+00:00');
    lastDateMs = ms;
  }
  return lastDateText;
}

function toArg(value: SqlValue): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return sqlDate(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** A stored date (ISO text, or epoch milliseconds from older rows) as a Date; null stays null. */
export function dateOf(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return new Date(typeof value === 'string' ? value : Number(value));
}

function handleFor(connection: Database.Database): Sql {
  const cached = sqlHandles.get(connection);
  if (cached) return cached;
  const statements = new Map<string, Database.Statement<unknown[]>>();
  const prepare = (sql: string) => {
    let stmt = statements.get(sql);
    if (!stmt) {
      // Plain numbers: the connection defaults to BigInt (Prisma's setting), and no id here nears 2^53.
      stmt = connection.prepare(sql).safeIntegers(false) as Database.Statement<unknown[]>;
      statements.set(sql, stmt);
    }
    return stmt;
  };
  const handle: Sql = {
    get: <T>(sql: string, ...args: SqlValue[]) => prepare(sql).get(...args.map(toArg)) as T | undefined,
    all: <T>(sql: string, ...args: SqlValue[]) => prepare(sql).all(...args.map(toArg)) as T[],
    run: (sql, ...args) => {
      const result = prepare(sql).run(...args.map(toArg));
      return { changes: result.changes, id: Number(result.lastInsertRowid) };
    },
  };
  sqlHandles.set(connection, handle);
  return handle;
}

/** Direct SQL on the transaction's connection (or the database's, for reads outside a transaction). */
export function sqlOf(handle: Tx | Db): Sql {
  return handleFor(connectionOf(handle));
}

/** `?, ?, ?` for an IN list. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
