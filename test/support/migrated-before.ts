import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { migrationsDir } from '../../src/paths.js';
import { migrateDatabase } from '../../src/store/migrator.js';

/**
 * A database file migrated up to `migration`, not including it: a desk as a version before it left its database,
 * for a test to write rows into and then migrate (`migrateDatabase(path)`). Removed when the test ends.
 */
export function databaseBefore(migration: string): string {
  const tmp = mkdtempSync(join(tmpdir(), 'ventanilla-before-'));
  onTestFinished(() => rmSync(tmp, { recursive: true, force: true }));
  const before = join(tmp, 'migrations');
  cpSync(migrationsDir, before, { recursive: true });
  rmSync(join(before, migration), { recursive: true });
  const path = join(tmp, 'db.sqlite');
  migrateDatabase(path, before);
  return path;
}
