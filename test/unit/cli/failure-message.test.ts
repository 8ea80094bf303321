import { describe, expect, it } from 'vitest';
import { exitCodeFor, failureMessage, pipeFailureMessage } from '../../../src/cli/failure-message.js';
import { ErrorCode, VentanillaError } from '../../../src/errors.js';

// What the CLI prints when a command fails: one line an operator can act on; a stack only for a bug.

describe('failureMessage', () => {
  it('a coded error: its code and message', () => {
    expect(failureMessage(new VentanillaError(ErrorCode.INPUT_UNREADABLE, 'No ticket 1042.'))).toBe('ventanilla: INPUT_UNREADABLE: No ticket 1042.');
  });

  it('a file or network error: its message, no stack', () => {
    const error = Object.assign(new Error("ENOENT: no such file or directory, open 'x.eml'"), { code: 'ENOENT', syscall: 'open' });
    expect(failureMessage(error)).toBe("ventanilla: ENOENT: no such file or directory, open 'x.eml'");
  });

  it('a full disk or a locked database (the driver adapter\'s error, no syscall): one line saying to try again, no stack', () => {
    const full = Object.assign(new Error('database or disk is full'), { name: 'DriverAdapterError', cause: { kind: 'sqlite', extendedCode: 13 } });
    const line = failureMessage(full);
    expect(line).toBe('ventanilla: TEMPORARY: database or disk is full (nothing was lost: free the disk or wait, then run the command again)');
    // A lock is no full disk: "free the disk" sent the operator of a `migrate` waiting on a daemon to df.
    expect(failureMessage(new Error('SQLITE_BUSY: database is locked'))).toBe(
      'ventanilla: TEMPORARY: SQLITE_BUSY: database is locked (nothing was lost: another process held the database for 15 s, a command or a daemon busy writing, a backup; wait, then run the command again)',
    );
  });

  // `ingest -` (exit 75): every failure is a temporary one to the MTA; the line keeps the form `ventanilla: <CODE>: ...`.
  it('`ingest -`: a coded error as any command prints it, anything else labelled TEMPORARY, on one line, saying the MTA keeps the mail', () => {
    const kept = ' (nothing was stored: exit 75, the MTA keeps the mail and retries it)';
    expect(pipeFailureMessage(new VentanillaError(ErrorCode.INPUT_UNREADABLE, 'no mail on stdin'))).toBe(`ventanilla: INPUT_UNREADABLE: no mail on stdin${kept}`);
    expect(pipeFailureMessage(new Error('SQLITE_BUSY: database is locked'))).toBe(`ventanilla: TEMPORARY: SQLITE_BUSY: database is locked${kept}`);
    // A bug's stack would fill the MTA's log with lines that are not the reason: its message, on one line.
    expect(pipeFailureMessage(new TypeError('Invalid `prisma.ticket.create()` invocation:\n\n  value too long'))).toBe(`ventanilla: TEMPORARY: Invalid \`prisma.ticket.create()\` invocation: value too long${kept}`);
  });

  it('anything else is a bug: its stack', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(failureMessage(bug)).toBe(`ventanilla: ${bug.stack}`);
  });
});

describe('exitCodeFor', () => {
  it('3 when what the command names does not exist (a ticket or anything else), 1 for any other failure', () => {
    expect(exitCodeFor(new VentanillaError(ErrorCode.TICKET_NOT_FOUND, 'Ticket #4242 does not exist'))).toBe(3);
    expect(exitCodeFor(new VentanillaError(ErrorCode.NOT_FOUND, 'No bulletin 99'))).toBe(3);
    expect(exitCodeFor(new VentanillaError(ErrorCode.TRANSITION_REFUSED, 'closed, which is final'))).toBe(1);
    expect(exitCodeFor(new Error('a bug'))).toBe(1);
  });
});
