import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { createApp } from '../app.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { failureMessage, pipeFailureMessage } from './failure-message.js';
import { ingestPaths } from '../ingest/sources/files.js';
import { ingestStdin } from '../ingest/sources/stdin.js';
import { replayQuarantine } from '../ingest/sources/quarantine.js';
import { readRawMail } from '../store/raw-mails.js';
import { acquireLease, newHolderId, releaseLease } from '../scheduler/lease.js';

/** sysexits.h: tells an MTA to keep the message and try again later. */
export const EX_TEMPFAIL = 75;
/** The lease a replay holds (the job leases' table); a killed replay's is taken over at once (scheduler/lease.ts). */
const REPLAY_LEASE = 'quarantine-replay';
const REPLAY_LEASE_MS = 10 * 60_000;

export function registerIngestCommands(program: Command): void {
  const ingest = program
    .command('ingest')
    .description('ingest one mail from stdin (`-`, for an MTA pipe) or .eml files and Maildir folders')
    .argument('<paths...>', '`-` for stdin, or files and directories')
    .option('--json', 'print one JSON line per mail');
  if (readsStdin()) {
    // A command line this version cannot read (an unknown option): as a pipe, 75 as every other failure there,
    // since commander's exit 1 makes Postfix bounce the mail to its sender; and said in that failure's one line
    // for the MTA's log, not as commander's "error: ..." followed by the command's whole help.
    ingest
      .showHelpAfterError(false)
      .configureOutput({ outputError: () => undefined })
      .exitOverride((error) => {
        if (error.exitCode === 0) process.exit(0); // --help
        const options = ingest.options.map((option) => option.long).join(', ');
        const why = `${error.message.replace(/^error: /, '')}: \`ingest -\` takes only ${options}; check the pipe command.`;
        process.stderr.write(`${pipeFailureMessage(new VentanillaError(ErrorCode.INPUT_UNREADABLE, why))}\n`);
        process.exit(EX_TEMPFAIL);
      });
  }
  ingest
    .action(async (paths: string[], opts: { json?: boolean }) => {
      if (paths.includes('-')) return ingestFromPipe(paths, opts);
      await checkPathsExist(paths);
      const app = await createApp();
      try {
        const report = await ingestPaths(app.pipeline, paths, (r) => {
          const line = opts.json
            ? JSON.stringify({ file: r.file, outcome: r.outcome, ticket: r.ticketNumber, detail: r.detail })
            : `${r.outcome.padEnd(11)} ${r.ticketNumber ? `#${r.ticketNumber}` : '-'}\t${r.file}`;
          process.stdout.write(line + '\n');
        }, (file) => process.stderr.write(`ventanilla: skipped ${file}: it vanished before it was read (moved or deleted by another program)\n`), (file) => {
          // Refused as an empty `ingest -` is, in a failure's line; the other files go on, and the command exits 1.
          process.stderr.write(`${failureMessage(new VentanillaError(ErrorCode.INPUT_UNREADABLE, `${file} is empty (0 bytes): no mail in it, not ingested.`))}\n`);
          process.exitCode = 1;
        });
        const skipped = report.skipped.length > 0 ? `; ${report.skipped.length} vanished before they were read` : '';
        const empty = report.empty.length > 0 ? `; ${report.empty.length} empty, not ingested` : '';
        if (!opts.json) process.stdout.write(`${report.results.length} mails: ${JSON.stringify(report.counts)}${skipped}${empty}\n`);
      } finally {
        await app.close();
      }
    });

  program
    .command('raw-mail')
    .description('write a raw mail, as it came in, to stdout (by the SHA-256 of the inbound log, a message or the quarantine)')
    .argument('<sha256>', 'the raw mail\'s SHA-256 (64 hex digits)')
    .action(async (sha256: string) => {
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `"${sha256}" is not a SHA-256 (64 lowercase hex digits).`);
      const app = await createApp({ readOnly: true });
      try {
        const raw = await readRawMail(app.db, app.blobs, sha256);
        if (!raw) throw new VentanillaError(ErrorCode.NOT_FOUND, `No raw mail ${sha256} is kept here (DATA_DIR ${app.config.dataDir}).`);
        process.stdout.write(raw);
      } finally {
        await app.close();
      }
    });

  program
    .command('replay')
    .description('process the quarantined mails again (after a fix or an upgrade)')
    .action(async () => {
      const app = await createApp();
      // One replay at a time: two would each quarantine a mail that still fails again, as two new entries.
      const holder = newHolderId(app.db, 'replay:', app.log);
      try {
        if (!(await acquireLease(app.db, REPLAY_LEASE, holder, REPLAY_LEASE_MS))) {
          throw new VentanillaError(ErrorCode.DB_BUSY, 'another `ventanilla replay` is running on this database: let it finish, then run it again if mail is left.');
        }
        const replayed = await replayQuarantine(app, {
          // Renewed for each mail: a long quarantine outlasts one lease.
          beforeEach: async () => {
            await acquireLease(app.db, REPLAY_LEASE, holder, REPLAY_LEASE_MS);
          },
          replayed: (id, outcome, ticket) => process.stdout.write(`quarantine ${id}: ${outcome}${ticket ? ` #${ticket}` : ''}\n`),
          missing: (id, sha256) => {
            process.stderr.write(`ventanilla: quarantine ${id}: its raw copy ${sha256} is not kept here any more; left in the quarantine\n`);
            process.exitCode = 1;
          },
        });
        process.stdout.write(`${replayed} replayed\n`);
      } finally {
        await releaseLease(app.db, REPLAY_LEASE, holder, app.now()).catch(() => undefined);
        await app.close();
      }
    });
}

/**
 * For an MTA: exit 0 once the mail is stored (whatever its outcome, even quarantined), 75 on any failure so
 * the MTA keeps the mail and retries. A mail is never bounced because of us.
 */
async function ingestFromPipe(paths: string[], opts: { json?: boolean }): Promise<void> {
  let app;
  try {
    // Inside the try: a pipe command with an extra argument (Postfix's `${recipient}`) must defer every mail,
    // where exit 1 would bounce each one to its sender.
    if (paths.length > 1) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, '`ingest -` reads one mail from stdin and takes no other paths.');
    app = await createApp();
    const result = await ingestStdin(app.pipeline);
    process.stdout.write(
      (opts.json ? JSON.stringify({ file: '-', outcome: result.outcome, ticket: result.ticketNumber, detail: result.detail }) : `${result.outcome} ${result.ticketNumber ? `#${result.ticketNumber}` : ''}`.trim()) + '\n',
    );
  } catch (error) {
    process.stderr.write(`${pipeFailureMessage(error)}\n`);
    process.exitCode = EX_TEMPFAIL;
  } finally {
    await app?.close().catch(() => undefined);
  }
}

/**
 * Every path given is there, before any mail is ingested: a typo among good paths stopped the import halfway with
 * the file system's words (exit 1, "ENOENT ... stat"), and what to run again was the operator's puzzle. Exit 3, as
 * for anything else a command names that does not exist; a path that is there but cannot be read fails later, as
 * the file system says.
 */
async function checkPathsExist(paths: string[]): Promise<void> {
  const missing: string[] = [];
  for (const path of paths) {
    const found = await stat(path).then(
      () => true,
      (error: NodeJS.ErrnoException) => error.code !== 'ENOENT' && error.code !== 'ENOTDIR',
    );
    // A relative path is found from the folder the command runs in, which in cron or a service is not the operator's.
    if (!found) missing.push(isAbsolute(path) ? path : `${path} (${resolve(path)})`);
  }
  if (missing.length === 0) return;
  throw new VentanillaError(ErrorCode.NOT_FOUND, `No file or folder at ${missing.join(', ')}: nothing was ingested; check the path${missing.length > 1 ? 's' : ''}.`);
}

/** Whether this process was started as `ingest -` (read before commander has parsed the arguments). */
function readsStdin(): boolean {
  const args = process.argv.slice(2);
  const command = args.indexOf('ingest');
  return command >= 0 && args.slice(command + 1).includes('-');
}
