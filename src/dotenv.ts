import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { userName } from './data-dir.js';
import { ErrorCode, VentanillaError } from './errors.js';

/**
 * Reads ./.env into `env`, a variable already set winning, as Node's process.loadEnvFile does, with its parser.
 * Not loadEnvFile itself: of a .env this user may not read (mode 600, another user's: the file holds passwords)
 * it said "ENOENT: no such file or directory, open '.env'", and of a folder named .env it threw a TypeError.
 */
export function loadDotenv(env: NodeJS.ProcessEnv): void {
  const file = resolve('.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') return;
    throw new VentanillaError(
      ErrorCode.CONFIG_INVALID,
      `.env: cannot read ${file} (${code}): make it a file this user (${userName()}) may read, or remove it and set the variables in the environment`,
      {},
      { cause: error },
    );
  }
  // A byte order mark (Windows' Notepad) would be read as part of the first variable's name, which went unread.
  for (const [name, value] of Object.entries(parseEnv(text.replace(/^\uFEFF/, '')))) if (env[name] === undefined) env[name] = value;
}
