// One catalogue of error codes: every error that reaches a user or a log carries one of these, and a
// message that says what to do.
export const ErrorCode = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  MIGRATION_CHECKSUM: 'MIGRATION_CHECKSUM',
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  DATABASE_TOO_NEW: 'DATABASE_TOO_NEW',
  MIGRATION_UNRESOLVED: 'MIGRATION_UNRESOLVED',
  MIGRATION_PENDING: 'MIGRATION_PENDING',
  TEMPLATE_INVALID: 'TEMPLATE_INVALID',
  DB_BUSY: 'DB_BUSY',
  PARSE_FAILED: 'PARSE_FAILED',
  PIPELINE_FAILED: 'PIPELINE_FAILED',
  IMAP_FAILED: 'IMAP_FAILED',
  TICKET_NOT_FOUND: 'TICKET_NOT_FOUND',
  /** The ticket's twin for anything else a command names: a contact, subscriber, organisation, bulletin, mail... */
  NOT_FOUND: 'NOT_FOUND',
  INPUT_UNREADABLE: 'INPUT_UNREADABLE',
  TRANSITION_REFUSED: 'TRANSITION_REFUSED',
  SMTP_FAILED: 'SMTP_FAILED',
  /** `blobs sweep` (and the nightly job) would remove what it cannot tell is garbage: store/blob-sweep-guard.ts. */
  SWEEP_REFUSED: 'SWEEP_REFUSED',
  /** The label of a failure isTemporaryFailure (below) passes, printed as a code (cli/failure-message.ts): wait, run again. */
  TEMPORARY: 'TEMPORARY',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class VentanillaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VentanillaError';
  }
}

/**
 * True for failures that may pass if retried later (database locked, disk momentarily full, network). A full
 * disk shows as ENOSPC on a file, but as SQLite's "database or disk is full" (SQLITE_FULL) or "disk I/O error"
 * (SQLITE_IOERR, a journal it could not grow) on the database: none of those is the mail's fault, so none may
 * quarantine it (a smaller quarantine row still fits where the ticket did not, and the MTA would be told "stored").
 */
export function isTemporaryFailure(error: unknown): boolean {
  if (error instanceof VentanillaError) return error.code === ErrorCode.DB_BUSY;
  const text = String((error as { message?: unknown })?.message ?? error);
  const code = String((error as { code?: unknown })?.code ?? '');
  return /SQLITE_BUSY|database is locked|SQLITE_FULL|database or disk is full|SQLITE_IOERR|disk I\/O error|ENOSPC|EAGAIN|ECONNREFUSED|ETIMEDOUT|EMFILE/i.test(text + ' ' + code);
}
