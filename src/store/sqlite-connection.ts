import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type Database from 'better-sqlite3';

// Prisma's better-sqlite3 adapter prepares every statement anew (`client.prepare(sql).bind(args)`), which
// showed as 7% of the ingest and scheduler profiles; and the hot paths (store/sql.ts) need the very
// connection Prisma's transactions run on, so that their statements are part of the same transaction.
// This wraps the adapter's connection: `prepare` returns a cached statement behind a small facade that
// keeps the adapter's one-shot `bind(args)` contract, and the raw connection is kept for direct SQL.

type Statement = Database.Statement<unknown[]>;
const CACHE_LIMIT = 500;

/** What the adapter calls on a prepared statement (see @prisma/adapter-better-sqlite3's performIO/executeIO). */
class BoundStatement {
  private args: unknown[] = [];
  constructor(private readonly stmt: Statement) {}
  get reader(): boolean {
    return this.stmt.reader;
  }
  bind(args: unknown[]): this {
    this.args = args;
    return this;
  }
  run(): Database.RunResult {
    return this.stmt.run(...this.args);
  }
  columns(): Database.ColumnDefinition[] {
    return this.stmt.columns();
  }
  raw(): { all: () => unknown[] } {
    return { all: () => this.stmt.raw(true).all(...this.args) as unknown[] };
  }
}

/** A prepare() that reuses statements by SQL text (bounded: the adapter also runs one-off SQL). */
export function cachingPrepare(connection: Database.Database): (sql: string) => BoundStatement {
  const cache = new Map<string, Statement>();
  const prepare = connection.prepare.bind(connection) as (sql: string) => Statement;
  return (sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = prepare(sql);
      // Transaction control and schema changes are not worth keeping (and DDL invalidates statements anyway).
      if (/^\s*(select|insert|update|delete|with)\b/i.test(sql)) {
        if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
    }
    return new BoundStatement(stmt);
  };
}

type AdapterFactory = InstanceType<typeof PrismaBetterSqlite3>;
type Adapter = Awaited<ReturnType<AdapterFactory['connect']>> & { client: Database.Database };

/**
 * The adapter factory Prisma gets, and the raw connection it will use (set once Prisma connects, which
 * openDatabase forces before returning).
 */
export function cachedSqliteAdapter(url: string, timeoutMs: number, readonly = false): { factory: AdapterFactory; connection: () => Database.Database } {
  const inner = new PrismaBetterSqlite3({ url, timeout: timeoutMs, ...(readonly ? { readonly, fileMustExist: true } : {}) });
  let connection: Database.Database | null = null;
  const factory = Object.create(inner) as AdapterFactory;
  factory.connect = async () => {
    const adapter = (await inner.connect()) as Adapter;
    connection = adapter.client;
    const prepare = cachingPrepare(connection);
    // Only `prepare` changes; everything else (exec, close, pragma) goes to the real connection.
    adapter.client = new Proxy(connection, {
      get: (target, key) => {
        if (key === 'prepare') return prepare;
        const value = Reflect.get(target, key, target) as unknown;
        // Native methods must see the real connection as `this`.
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return adapter;
  };
  return {
    factory,
    connection: () => {
      if (!connection) throw new Error('the database is not connected yet');
      return connection;
    },
  };
}
