import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { userName } from './data-dir.js';
import { ErrorCode, VentanillaError } from './errors.js';
import { decodeTextFile } from './text-file.js';

/**
 * Reads ./.env into `env`, a variable already set winning, as Node's process.loadEnvFile does, with its parser.
 * Not loadEnvFile itself: of a .env this user may not read (mode 600, another user's: the file holds passwords)
 * it said "ENOENT: no such file or directory, open '.env'", and of a folder named .env it threw a TypeError.
 */
export function loadDotenv(env: NodeJS.ProcessEnv): string[] {
  const file = resolve('.env');
  let text: string;
  try {
    text = decodeDotenv(readFileSync(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') return [];
    throw new VentanillaError(
      ErrorCode.CONFIG_INVALID,
      `.env: cannot read ${file} (${code}): make it a file this user (${userName()}) may read, or remove it and set the variables in the environment`,
      {},
      { cause: error },
    );
  }
  // A byte order mark (Windows' Notepad) would be read as part of the first variable's name, which went unread.
  text = text.replace(/^\uFEFF/, '');
  for (const [name, value] of Object.entries(parseEnv(text))) if (env[name] === undefined) env[name] = value;
  return cutAtHash(text, file);
}

/**
 * Windows-1252 where it is not UTF-8 (Notepad's "ANSI"): SUPPORT_NAME's accents reach every mail's From. Line by
 * line: a UTF-8 file with one line added from a Windows console (`echo X=ñ >> .env`) read whole as Windows-1252
 * turned every other line's accents into "Ã³".
 */
function decodeDotenv(bytes: Buffer): string {
  if (isUtf8(bytes) || bytes[0] === 0xff || bytes[0] === 0xfe) return decodeTextFile(bytes);
  const lines: string[] = [];
  for (let start = 0; start < bytes.length; ) {
    const nl = bytes.indexOf(10, start);
    const end = nl === -1 ? bytes.length : nl + 1;
    lines.push(decodeTextFile(bytes.subarray(start, end)));
    start = end;
  }
  return lines.join('');
}

/**
 * The parser ends an unquoted value at its first "#", wherever it stands: a password "Pa55#word" was read as "Pa55"
 * and only the server's refusal told of it. A "#" right after a character is taken as part of the value (one after
 * a space is a comment, as meant); the warning names the variable, never its value.
 */
function cutAtHash(text: string, file: string): string[] {
  const warnings: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const name = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*[^\s'"`#](?:[^#]*[^\s#])?#/.exec(line)?.[1];
    if (name) warnings.push(`${name} in ${file}: read up to its "#", the rest taken for a comment; put the value in quotes if the "#" is part of it`);
  }
  return warnings;
}
