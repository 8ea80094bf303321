// A migration that `prisma migrate deploy` started and that failed (another machine, a team using the schema
// engine on this database) leaves a `_prisma_migrations` row without finished_at, and may have left half its
// changes. Prisma then applies nothing more (P3009) until `prisma migrate resolve` says how it ended; a row
// rolled back (rolled_back_at set) counts as never applied. Ventanilla's migrator follows the same rules.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, VentanillaError } from '../../src/errors.js';
import { migrationsDir } from '../../src/paths.js';
import { migrateDatabase } from '../../src/store/migrator.js';
import { resolveMigration } from '../../src/store/migration-resolve.js';
import { checkDatabaseForReading } from '../../src/store/read-only-database.js';
import { cliBuilt, runCli } from '../support/cli.js';

const LATER = '29990101000000_later';
let tmp: string;
let dir: string;
let path: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ventanilla-migrator-failed-'));
  dir = join(tmp, 'migrations');
  cpSync(migrationsDir, dir, { recursive: true });
  mkdirSync(join(dir, LATER));
  writeFileSync(join(dir, LATER, 'migration.sql'), 'CREATE TABLE "Later" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
  path = join(tmp, 'ventanilla.db');
  migrateDatabase(path); // this version's migrations, without LATER
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function sql<T>(text: string, ...params: unknown[]): T[] {
  const db = new Database(path);
  try {
    const statement = db.prepare(text);
    return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
  } finally {
    db.close();
  }
}
const rowsOf = (name: string) =>
  sql<{ finished_at: string | null; rolled_back_at: string | null; applied_steps_count: number }>(
    'SELECT finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" WHERE migration_name = ? ORDER BY started_at, rowid',
    name,
  );
const hasLaterTable = () => sql(`SELECT name FROM sqlite_master WHERE name = 'Later'`).length === 1;

/** The row `prisma migrate deploy` leaves when the migration's SQL fails. */
function recordFailed(name: string, rolledBack = false): void {
  sql(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, rolled_back_at) VALUES (?, 'x', ?, 'near "(": syntax error', '2026-11-30 10:00:00', ?)`,
    `failed-${name}-${rolledBack}`,
    name,
    rolledBack ? '2026-11-30 11:00:00' : null,
  );
}

function caught(fn: () => unknown): VentanillaError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VentanillaError);
    return error as VentanillaError;
  }
  throw new Error('expected an error');
}

describe('a migration recorded as failed by `prisma migrate deploy`', () => {
  it('stops the migrator, naming it and both ways out, and changes nothing', () => {
    recordFailed(LATER);
    const before = sql('SELECT * FROM "_prisma_migrations" ORDER BY rowid');
    const error = caught(() => migrateDatabase(path, dir));
    expect(error.code).toBe(ErrorCode.MIGRATION_UNRESOLVED);
    expect(error.message).toContain(LATER);
    expect(error.message).toContain(`ventanilla migrate resolve --applied ${LATER}`);
    expect(error.message).toContain(`ventanilla migrate resolve --rolled-back ${LATER}`);
    expect(error.message).not.toContain('\n');
    expect(sql('SELECT * FROM "_prisma_migrations" ORDER BY rowid')).toEqual(before);
    expect(hasLaterTable()).toBe(false);
  });

  it('stops the migrator even for a migration this version does not have', () => {
    recordFailed('29990202000000_of_a_newer_version');
    expect(caught(() => migrateDatabase(path, dir)).code).toBe(ErrorCode.MIGRATION_UNRESOLVED);
  });

  it('a row rolled back counts as never applied: the migration is applied again, as Prisma does', () => {
    recordFailed(LATER, true);
    expect(migrateDatabase(path, dir).applied).toEqual([LATER]);
    expect(hasLaterTable()).toBe(true);
    expect(rowsOf(LATER).map((r) => [r.finished_at !== null, r.rolled_back_at !== null])).toEqual([[false, true], [true, false]]);
  });

  it('`resolve --rolled-back` marks it rolled back; the next migration applies it again', () => {
    recordFailed(LATER);
    resolveMigration(path, LATER, 'rolled-back', dir);
    expect(rowsOf(LATER)).toEqual([expect.objectContaining({ finished_at: null, rolled_back_at: expect.any(String) })]);
    expect(migrateDatabase(path, dir).applied).toEqual([LATER]);
    expect(hasLaterTable()).toBe(true);
  });

  it('`resolve --applied` records it applied (the failed row rolled back); the next migration leaves it alone', () => {
    recordFailed(LATER);
    resolveMigration(path, LATER, 'applied', dir);
    expect(rowsOf(LATER).map((r) => [r.finished_at !== null, r.rolled_back_at !== null, r.applied_steps_count])).toEqual([[false, true, 0], [true, false, 0]]);
    const report = migrateDatabase(path, dir);
    expect(report.applied).toEqual([]);
    expect(report.alreadyApplied).toContain(LATER);
    expect(hasLaterTable()).toBe(false); // the operator said its changes are there: they are not made again
  });

  it('`resolve` refuses what Prisma refuses: rolling back a migration not failed, marking applied one already applied or unknown', () => {
    expect(caught(() => resolveMigration(path, LATER, 'rolled-back', dir)).message).toContain(`${LATER} is not recorded as failed`);
    const applied = '20261128000000_init';
    expect(caught(() => resolveMigration(path, applied, 'applied', dir)).message).toContain(`${applied} is already recorded as applied`);
    expect(caught(() => resolveMigration(path, '29990303000000_nowhere', 'applied', dir)).message).toContain('29990303000000_nowhere is not a migration of this version');
  });
});

describe('a command that only reads (checkDatabaseForReading)', () => {
  it('migrates nothing: a database that lacks a migration of this version is refused, naming it; a failed one too', () => {
    const before = sql('SELECT * FROM "_prisma_migrations" ORDER BY rowid');
    const pending = caught(() => checkDatabaseForReading(path, dir));
    expect(pending.code).toBe(ErrorCode.MIGRATION_PENDING);
    expect(pending.message).toContain(`lacks migration ${LATER} of this version`);
    expect(pending.message).toContain('run `ventanilla migrate`');
    expect(sql('SELECT * FROM "_prisma_migrations" ORDER BY rowid')).toEqual(before);
    expect(() => checkDatabaseForReading(path)).not.toThrow(); // this version's own migrations are all there
    recordFailed(LATER);
    expect(caught(() => checkDatabaseForReading(path, dir)).code).toBe(ErrorCode.MIGRATION_UNRESOLVED);
  });
});

describe.skipIf(!cliBuilt)('`ventanilla migrate` and start-up on a failed migration', () => {
  it('print one line naming it, exit 1, and `migrate resolve` clears the way', async () => {
    const env = { DATA_DIR: tmp, SUPPORT_ADDRESS: 'soporte@example.test' };
    const failed = '20261202010000_held_escalations'; // this version's last: its failed row, as if it had never been applied
    sql('DELETE FROM "_prisma_migrations" WHERE migration_name = ?', failed);
    sql('DROP TABLE "HeldEscalation"');
    recordFailed(failed);
    for (const command of ['migrate', 'tickets list', 'ingest -']) {
      const result = await runCli(command.split(' '), { env });
      expect(result.code, command).toBe(command === 'ingest -' ? 75 : 1);
      // The same line for `ingest -`, which adds for the MTA's log that the mail is kept (exit 75).
      expect(result.stderr.trim().startsWith(`ventanilla: MIGRATION_UNRESOLVED: Migration ${failed} failed `), `${command}: ${result.stderr}`).toBe(true);
      if (command === 'ingest -') expect(result.stderr.trim()).toMatch(/\(nothing was stored: exit 75, the MTA keeps the mail and retries it\)$/);
      expect(result.stderr, command).toContain(`resolve --rolled-back ${failed}`);
      expect(result.stderr.trim().split('\n'), command).toHaveLength(1);
    }
    // A typo in the name: exit 3 (what it names does not exist), one line naming the failed one and where the
    // names are; nothing recorded.
    const before = sql('SELECT * FROM "_prisma_migrations" ORDER BY rowid');
    for (const how of ['--applied', '--rolled-back']) {
      const typo = await runCli(['migrate', 'resolve', how, '20261202010000_held_escalation'], { env });
      expect({ code: typo.code, stdout: typo.stdout }, how).toEqual({ code: 3, stdout: '' });
      expect(typo.stderr, how).toBe(
        `ventanilla: NOT_FOUND: Migration 20261202010000_held_escalation is not a migration of this version: check the name; the one recorded as failed here is ${failed} (\`ventanilla migrate\` names it too), and this version's migrations are the folders in ${migrationsDir} (\`ls ${migrationsDir}\`).\n`,
      );
    }
    expect(sql('SELECT * FROM "_prisma_migrations" ORDER BY rowid')).toEqual(before);
    const resolved = await runCli(['migrate', 'resolve', '--rolled-back', failed], { env });
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toBe(`${failed} marked rolled back: \`ventanilla migrate\` (or start-up) applies it again\n`);
    const migrated = await runCli(['migrate'], { env });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain(`applied ${failed}`);
  });
});
