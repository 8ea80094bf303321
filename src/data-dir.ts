import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from './config.js';
import { ErrorCode, VentanillaError } from './errors.js';

/**
 * Creates DATA_DIR and the database's folder when missing and checks that this user may write in them, before
 * anything is written there. Without it an unwritable DATA_DIR surfaced as a secret.key "not found" or as
 * SQLite's "unable to open database file" with a stack trace, naming neither the folder nor the setting.
 */
export function ensureWritableFolders(config: Pick<Config, 'dataDir' | 'databasePath' | 'env'>): void {
  ensureWritable(config.dataDir, 'DATA_DIR');
  const databaseDir = dirname(config.databasePath);
  if (databaseDir !== config.dataDir) ensureWritable(databaseDir, config.env.DATABASE_URL ? 'DATABASE_URL' : 'DATA_DIR');
}

function ensureWritable(dir: string, variable: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new VentanillaError(
      ErrorCode.CONFIG_INVALID,
      `${variable}: cannot write in ${dir} (${code}): make it a folder this user (${userName()}) may write in, or set ${variable} to one`,
      {},
      { cause: error },
    );
  }
}

const userName = () => process.env.USER ?? process.env.LOGNAME ?? `uid ${process.getuid?.() ?? '?'}`;
