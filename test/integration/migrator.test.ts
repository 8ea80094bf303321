// The hand-written migrator (src/store/migrator.ts): applies prisma/migrations in order, once, records
// them in Prisma's own `_prisma_migrations` table, refuses edited migrations, rolls back broken ones and
// is safe to run from two processes at once.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, VentanillaError } from '../../src/errors.js';
import { projectRoot, migrationsDir } from '../../src/paths.js';
import { migrateDatabase, PAGE_SIZE } from '../../src/store/migrator.js';

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: string | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: string | null;
  started_at: string;
  applied_steps_count: number;
}

const migrationNames = readdirSync(migrationsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(migrationsDir, e.name, 'migration.sql')))
  .map((e) => e.name)
  .sort();
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ventanilla-migrator-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function query<T>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
const rows = (dbPath: string) => query<MigrationRow>(dbPath, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
const tables = (dbPath: string) =>
  query<{ name: string }>(dbPath, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).map((r) => r.name);

/** A private copy of prisma/migrations that a test may change. */
function copyMigrations(): string {
  const dir = join(tmp, 'migrations');
  cpSync(migrationsDir, dir, { recursive: true });
  return dir;
}
function addMigration(dir: string, name: string, sql: string): void {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'migration.sql'), sql);
}

async function expectCode(fn: () => unknown, code: ErrorCode): Promise<VentanillaError> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a VentanillaError ${code}`).toBeInstanceOf(VentanillaError);
  expect((caught as VentanillaError).code).toBe(code);
  return caught as VentanillaError;
}

describe('migrateDatabase', () => {
  it('finds the project migrations', () => {
    expect(migrationNames.length).toBeGreaterThan(0);
  });

  it('applies every migration to a database file that does not exist yet, and to an empty file', () => {
    for (const file of ['absent.sqlite', 'empty.sqlite']) {
      const path = join(tmp, file);
      if (file === 'empty.sqlite') writeFileSync(path, '');
      expect(migrateDatabase(path), file).toEqual({ applied: migrationNames, alreadyApplied: [] });
      expect(tables(path)).toEqual(expect.arrayContaining(['_prisma_migrations', 'Ticket', 'Message']));
      expect(query<{ journal_mode: string }>(path, 'PRAGMA journal_mode')[0]?.journal_mode).toBe('wal');
    }
  });

  it('creates a new database with PAGE_SIZE pages; an existing file keeps its own page size and still migrates', () => {
    const fresh = join(tmp, 'fresh.sqlite');
    migrateDatabase(fresh);
    expect(query<{ page_size: number }>(fresh, 'PRAGMA page_size')[0]?.page_size).toBe(PAGE_SIZE);
    // A database created with other pages (by hand, or by a version with another PAGE_SIZE), in WAL, with a row:
    // the page size of a file with content changes only by a VACUUM, which start-up must not run on its own.
    const other = (PAGE_SIZE as number) === 8192 ? 16384 : 8192;
    const older = join(tmp, 'older.sqlite');
    const db = new Database(older);
    db.pragma(`page_size = ${other}`);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE "Keep" ("id" INTEGER PRIMARY KEY, "note" TEXT)');
    db.prepare('INSERT INTO "Keep" ("note") VALUES (?)').run('still here');
    db.close();
    expect(migrateDatabase(older).applied).toEqual(migrationNames);
    expect(query<{ page_size: number }>(older, 'PRAGMA page_size')[0]?.page_size).toBe(other);
    expect(query<{ note: string }>(older, 'SELECT "note" FROM "Keep"')).toEqual([{ note: 'still here' }]);
  });

  it('openDatabase checkpoints the WAL at 64 MiB whatever the page size of the file', async () => {
    const { openDatabase } = await import('../../src/store/database.js');
    const older = join(tmp, 'older-16k.sqlite');
    const raw = new Database(older);
    raw.pragma('page_size = 16384');
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE "Keep" ("id" INTEGER PRIMARY KEY)');
    raw.close();
    for (const [file, pages] of [['new.sqlite', (64 * 1024 * 1024) / PAGE_SIZE], ['older-16k.sqlite', 4096]] as const) {
      const db = await openDatabase(join(tmp, file));
      try {
        const [row] = await db.$queryRawUnsafe<[{ wal_autocheckpoint: number | bigint }]>('PRAGMA wal_autocheckpoint');
        expect(Number(row.wal_autocheckpoint), file).toBe(pages);
      } finally {
        await db.$disconnect();
      }
    }
  });

  it('applies nothing the second time', () => {
    const path = join(tmp, 'twice.sqlite');
    migrateDatabase(path);
    const before = rows(path);
    expect(migrateDatabase(path)).toEqual({ applied: [], alreadyApplied: migrationNames });
    expect(rows(path)).toEqual(before);
  });

  it("records each migration in Prisma's _prisma_migrations table", () => {
    const path = join(tmp, 'rows.sqlite');
    const startedAt = Date.now();
    migrateDatabase(path);
    // Columns, types, nullability and defaults exactly as `prisma migrate` creates the table on SQLite.
    const columns = query<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(
      path,
      `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info('_prisma_migrations')`,
    );
    expect(columns).toEqual([
      { name: 'id', type: 'TEXT', notnull: 1, dflt_value: null, pk: 1 },
      { name: 'checksum', type: 'TEXT', notnull: 1, dflt_value: null, pk: 0 },
      { name: 'finished_at', type: 'DATETIME', notnull: 0, dflt_value: null, pk: 0 },
      { name: 'migration_name', type: 'TEXT', notnull: 1, dflt_value: null, pk: 0 },
      { name: 'logs', type: 'TEXT', notnull: 0, dflt_value: null, pk: 0 },
      { name: 'rolled_back_at', type: 'DATETIME', notnull: 0, dflt_value: null, pk: 0 },
      { name: 'started_at', type: 'DATETIME', notnull: 1, dflt_value: 'current_timestamp', pk: 0 },
      { name: 'applied_steps_count', type: 'INTEGER UNSIGNED', notnull: 1, dflt_value: '0', pk: 0 },
    ]);
    const recorded = rows(path);
    expect(recorded.map((r) => r.migration_name)).toEqual(migrationNames);
    for (const [i, row] of recorded.entries()) {
      const name = migrationNames[i]!;
      expect(row.checksum, `${name}: checksum is the SHA-256 of migration.sql`).toBe(sha256(join(migrationsDir, name, 'migration.sql')));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row.finished_at, `${name}: finished_at`).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      const started = Date.parse(row.started_at);
      const finished = Date.parse(row.finished_at!);
      expect(started, `${name}: started_at parses as a date`).not.toBeNaN();
      expect(finished, `${name}: finished_at parses as a date`).not.toBeNaN();
      expect(started).toBeGreaterThanOrEqual(startedAt - 1000);
      expect(finished).toBeGreaterThanOrEqual(started);
    }
  });

  it('refuses a migration whose file changed after it was applied (MIGRATION_CHECKSUM)', async () => {
    const dir = copyMigrations();
    const path = join(tmp, 'changed.sqlite');
    migrateDatabase(path, dir);
    const before = rows(path);
    appendFileSync(join(dir, migrationNames[0]!, 'migration.sql'), '\n-- edited after the fact\n');
    const error = await expectCode(() => migrateDatabase(path, dir), ErrorCode.MIGRATION_CHECKSUM);
    expect(error.message).toContain(migrationNames[0]!);
    expect(rows(path)).toEqual(before);
  });

  it('refuses a database that a newer version migrated further (DATABASE_TOO_NEW), naming the migration', async () => {
    const newer = copyMigrations();
    addMigration(newer, '29990101000000_from_a_newer_version', 'CREATE TABLE "Later" (id INTEGER PRIMARY KEY);');
    const path = join(tmp, 'newer.sqlite');
    migrateDatabase(path, newer);
    // This version's migrations: the database went one step past them (an upgrade rolled back, a restored copy).
    const error = await expectCode(() => migrateDatabase(path), ErrorCode.DATABASE_TOO_NEW);
    expect(error.message).toContain('29990101000000_from_a_newer_version');
    expect(error.message).toContain(path);
  });

  it('rolls back a broken migration completely (MIGRATION_FAILED) and applies nothing after it', async () => {
    const dir = copyMigrations();
    const path = join(tmp, 'broken.sqlite');
    addMigration(dir, '29990101000000_broken', 'CREATE TABLE "Partial" ("id" INTEGER NOT NULL PRIMARY KEY);\nCREATE INDEX "Partial_id_idx" ON "Partial"("id");\nCREATE TABLE "Broken" (;\n');
    addMigration(dir, '29990102000000_after', 'CREATE TABLE "After" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    const error = await expectCode(() => migrateDatabase(path, dir), ErrorCode.MIGRATION_FAILED);
    expect(error.message).toContain('29990101000000_broken');
    // The earlier migrations were committed, each in its own transaction; nothing of the broken one remains.
    expect(rows(path).map((r) => r.migration_name)).toEqual(migrationNames);
    expect(tables(path)).not.toContain('Partial');
    expect(tables(path)).not.toContain('After');
    expect(query(path, `SELECT name FROM sqlite_master WHERE name LIKE 'Partial%'`)).toEqual([]);

    // Once fixed, the same migration and the one after it apply.
    writeFileSync(join(dir, '29990101000000_broken', 'migration.sql'), 'CREATE TABLE "Partial" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    expect(migrateDatabase(path, dir)).toEqual({ applied: ['29990101000000_broken', '29990102000000_after'], alreadyApplied: migrationNames });
    expect(tables(path)).toEqual(expect.arrayContaining(['Partial', 'After']));
  });

  it('applies migrations in name order, not directory order', () => {
    const dir = join(tmp, 'ordered');
    mkdirSync(dir);
    addMigration(dir, '20200102000000_second', 'CREATE TABLE "B" ("a" INTEGER NOT NULL REFERENCES "A"("id"));\n');
    addMigration(dir, '20200101000000_first', 'CREATE TABLE "A" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
    mkdirSync(join(dir, 'not-a-migration')); // a folder without migration.sql is ignored
    const path = join(tmp, 'ordered.sqlite');
    expect(migrateDatabase(path, dir).applied).toEqual(['20200101000000_first', '20200102000000_second']);
  });

  // KNOWN BUG, reported, not fixed here: better-sqlite3 opens connections with foreign_keys=ON, and the
  // `PRAGMA foreign_keys=OFF` that Prisma's SQLite "RedefineTables" migrations start with is a no-op inside
  // the migrator's transaction, so `DROP TABLE "Ticket"` cascades to every child row. Flip to it() once
  // migrateDatabase turns foreign keys off for its connection (and checks foreign_key_check before commit).
  it('a Prisma-style table redefinition keeps the rows that reference the table', () => {
    const dir = copyMigrations();
    const path = join(tmp, 'redefine.sqlite');
    migrateDatabase(path, dir);
    const db = new Database(path);
    db.exec(`INSERT INTO "Contact" ("id", "email") VALUES (1, 'a@example.test');
      INSERT INTO "Ticket" ("id", "number", "subject", "requesterId", "updatedAt") VALUES (1, 1, 'parent', 1, 0), (2, 2, 'child', 1, 0);
      UPDATE "Ticket" SET "followUpOfId" = 1 WHERE "id" = 2;
      INSERT INTO "TicketCc" ("ticketId", "email") VALUES (1, 'cc@example.test');`);
    const ticketSql = (db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'Ticket'`).get() as { sql: string }).sql;
    db.close();
    addMigration(dir, '29990101000000_redefine_ticket', [
      'PRAGMA defer_foreign_keys=ON;', 'PRAGMA foreign_keys=OFF;',
      ticketSql.replace('CREATE TABLE "Ticket"', 'CREATE TABLE "new_Ticket"') + ';',
      'INSERT INTO "new_Ticket" SELECT * FROM "Ticket";', 'DROP TABLE "Ticket";', 'ALTER TABLE "new_Ticket" RENAME TO "Ticket";',
      'CREATE UNIQUE INDEX "Ticket_number_key" ON "Ticket"("number");', 'PRAGMA foreign_keys=ON;', 'PRAGMA defer_foreign_keys=OFF;', '',
    ].join('\n'));
    migrateDatabase(path, dir);
    expect(query(path, 'SELECT "ticketId", "email" FROM "TicketCc"'), 'CC rows of the redefined table').toEqual([{ ticketId: 1, email: 'cc@example.test' }]);
    expect(query(path, 'SELECT "followUpOfId" FROM "Ticket" WHERE "id" = 2'), 'follow-up link').toEqual([{ followUpOfId: 1 }]);
  });

  // KNOWN DIFFERENCE, reported: `prisma migrate deploy` accepts an applied migration whose file differs only
  // in line endings (git autocrlf); this migrator refuses it with MIGRATION_CHECKSUM. Flip to it() once fixed.
  it('accepts an applied migration re-checked-out with CRLF line endings, like Prisma', () => {
    const dir = copyMigrations();
    const path = join(tmp, 'crlf.sqlite');
    migrateDatabase(path, dir);
    const file = join(dir, migrationNames[0]!, 'migration.sql');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\r?\n/g, '\r\n'));
    expect(migrateDatabase(path, dir)).toEqual({ applied: [], alreadyApplied: migrationNames });
  });


  it('waits for a write lock held by another process on a database not yet in WAL mode', async () => {
    // SQLite answers the switch to WAL with SQLITE_BUSY at once, without its busy handler, when another
    // connection holds the write lock of a rollback-journal file (two processes creating the database together).
    const path = join(tmp, 'held.sqlite');
    const init = new Database(path);
    init.exec('CREATE TABLE "Held" ("n" INTEGER)');
    init.close();
    const holder = `
      import Database from 'better-sqlite3';
      const db = new Database(${JSON.stringify(path)});
      db.exec('BEGIN IMMEDIATE');
      db.exec('INSERT INTO "Held" VALUES (1)');
      process.stdout.write('held');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 600);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', holder], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.on('close', resolve));
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const report = migrateDatabase(path);
    await exited;
    expect(report.applied).toEqual(migrationNames);
    expect(query<{ journal_mode: string }>(path, 'PRAGMA journal_mode')[0]?.journal_mode).toBe('wal');
    expect(query<{ n: number }>(path, 'SELECT n FROM "Held"')).toEqual([{ n: 1 }]);
  });
  it('two processes migrating the same new file at once both succeed and apply each migration once', async (ctx) => {
    const built = join(projectRoot, 'dist', 'src', 'store', 'migrator.js');
    if (!existsSync(built)) ctx.skip(`${built} is absent: run \`npx tsc -p tsconfig.json\` to build it`);
    const source = join(projectRoot, 'src', 'store', 'migrator.ts');
    if (statSync(built).mtimeMs < statSync(source).mtimeMs) console.warn(`${built} is older than ${source}: testing the last build`);

    // Extra slow migrations widen the window in which the two processes overlap.
    const dir = copyMigrations();
    for (let i = 1; i <= 3; i++) {
      addMigration(
        dir,
        `2999010${i}000000_bulk`,
        `CREATE TABLE "Bulk${i}" ("n" INTEGER NOT NULL);\nWITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 200000) INSERT INTO "Bulk${i}" SELECT n FROM c;\n`,
      );
    }
    const path = join(tmp, 'race.sqlite');
    const startAt = Date.now() + 1500; // both processes wait for the same instant after their slow start-up
    const script = `
      import { migrateDatabase } from ${JSON.stringify(pathToFileURL(built).href)};
      while (Date.now() < ${startAt}) await new Promise((r) => setTimeout(r, 1));
      process.stdout.write(JSON.stringify(migrateDatabase(${JSON.stringify(path)}, ${JSON.stringify(dir)})));
    `;
    const run = () =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: projectRoot });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const results = await Promise.all([run(), run()]);
    for (const r of results) expect(r.code, `child failed: ${r.stderr}`).toBe(0);
    const reports = results.map((r) => JSON.parse(r.stdout) as { applied: string[]; alreadyApplied: string[] });
    const all = readdirSync(dir).filter((n) => existsSync(join(dir, n, 'migration.sql'))).sort();
    for (const name of all) {
      const appliedBy = reports.filter((rep) => rep.applied.includes(name)).length;
      expect(appliedBy, `${name} applied by ${appliedBy} processes`).toBe(1);
      expect(reports.every((rep) => rep.applied.includes(name) || rep.alreadyApplied.includes(name))).toBe(true);
    }
    expect(rows(path).map((r) => r.migration_name)).toEqual(all);
    expect(query<{ n: number }>(path, 'SELECT count(*) AS n FROM "Bulk3"')[0]?.n).toBe(200_000);
  });
});
