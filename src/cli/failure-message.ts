import { oneLine } from '../domain/one-line.js';
import { ErrorCode, VentanillaError, isTemporaryFailure } from '../errors.js';

/**
 * The exit code of a failed command (README "Command line"): 3 when what it names does not exist, so that a script
 * can tell "no such ticket" (a typo, a ticket deleted by a restore) from a refusal or a failure, 1 otherwise.
 */
export const EXIT_NOT_FOUND = 3;

export function exitCodeFor(error: unknown): number {
  const notFound = error instanceof VentanillaError && (error.code === ErrorCode.NOT_FOUND || error.code === ErrorCode.TICKET_NOT_FOUND);
  return notFound ? EXIT_NOT_FOUND : 1;
}

/**
 * The line the CLI prints for a failed command. A coded error and a file or network error ("ENOENT: no such
 * file or directory, stat 'x.eml'") say what and where; a full disk or a locked database is a passing condition
 * the operator can act on, not a bug (the driver's error has no syscall, and printed a stack); anything else
 * is a bug, and its stack is what a report needs.
 */
export function failureMessage(error: unknown): string {
  if (error instanceof VentanillaError) return `ventanilla: ${error.code}: ${error.message}`;
  const system = error as NodeJS.ErrnoException;
  if (typeof system?.code === 'string' && typeof system.syscall === 'string') return `ventanilla: ${system.message}`;
  if (isTemporaryFailure(error)) {
    const message = (error as Error).message;
    // SQLite waits 15 s for a lock (store/database.ts) before it says "database is locked": no disk to free there.
    const why = /SQLITE_BUSY|database is locked/i.test(message) ? 'another process held the database for 15 s, a command or a daemon busy writing, a backup; wait' : 'free the disk or wait';
    return `ventanilla: ${ErrorCode.TEMPORARY}: ${message} (nothing was lost: ${why}, then run the command again)`;
  }
  return `ventanilla: ${(error as Error)?.stack ?? String(error)}`;
}

/**
 * The line of `ingest -` when the mail was not stored (exit 75): the form of every command's failure, on one line for
 * the MTA's log, and saying the mail is kept. Whatever failed is a temporary failure to the MTA, which retries: an
 * uncoded error (a database it cannot open, a bug) is labelled so, with its message, not a stack.
 */
export function pipeFailureMessage(error: unknown): string {
  const line = error instanceof VentanillaError ? failureMessage(error) : `ventanilla: ${ErrorCode.TEMPORARY}: ${(error as Error)?.message ?? String(error)}`;
  return `${oneLine(line)} (nothing was stored: exit 75, the MTA keeps the mail and retries it)`;
}
