import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, VentanillaError } from './errors.js';

/** For SECRET_KEY (config-variables.ts) and secret.key alike: an HMAC under a short or empty key is one a stranger can compute. */
export const MIN_SECRET_LENGTH = 16;

/**
 * SECRET_KEY signs Message-IDs, plus-addresses and links. When it is not configured (the demo), one is
 * generated once and kept in DATA_DIR, so references in mail already sent stay valid across restarts.
 */
export function resolveSecret(configured: string | undefined, dataDir: string, warn: (message: string) => void = () => {}): string {
  const file = join(dataDir, 'secret.key');
  if (configured) return configuredSecret(configured, file, warn);
  if (existsSync(file)) return readSecretFile(file);
  mkdirSync(dataDir, { recursive: true });
  // Written whole under a name of its own, then linked into place: a process starting at the same moment (two
  // `ingest -` from an MTA on a fresh install) finds either no secret.key or a complete one, never the empty
  // file that a plain create-then-write shows for an instant.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
  } catch (error) {
    // Another process created it first: use theirs. Any other failure (a folder not writable) is the caller's.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temp, { force: true });
  }
  return readSecretFile(file);
}

/**
 * For a command that only reads (store/read-only-database.ts): it signs nothing that outlives it, so a DATA_DIR
 * without a secret.key this user may read (a reporting user, a snapshot) is no reason to write one: the configured
 * key, else the file's, else one for this run only.
 */
export function secretForReading(configured: string | undefined, dataDir: string, warn: (message: string) => void = () => {}): string {
  const file = join(dataDir, 'secret.key');
  if (configured) return configuredSecret(configured, file, warn);
  return readableSecret(file) ?? randomBytes(32).toString('hex');
}

/**
 * Set on an install that ran on its generated key (secrets moved to the environment, a container): every link
 * and Reply-To address of the mail sent before stops working, and nothing said so. Neither key is repeated.
 */
function configuredSecret(configured: string, file: string, warn: (message: string) => void): string {
  if ((readableSecret(file) ?? configured) !== configured) {
    warn(`SECRET_KEY is not the key in ${file}, which signed the mail sent before it was set: the survey, unsubscribe and knowledge-base links and the Reply-To addresses of that mail no longer work. Set SECRET_KEY to the file's key to keep them, or delete the file once they no longer matter`);
  }
  return configured;
}

function readableSecret(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function readSecretFile(file: string): string {
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new VentanillaError(
      ErrorCode.CONFIG_INVALID,
      `${file} holds ${secret.length} characters, fewer than ${MIN_SECRET_LENGTH}: nothing is signed with it. Set SECRET_KEY to the key mail already sent was signed with, or put it back in that file; a new one (delete the file) makes the links and Reply-To addresses of mail already sent stop working`,
    );
  }
  return secret;
}
