import type { Command } from 'commander';
import { createApp } from '../app.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { ingestPaths } from '../ingest/sources/files.js';
import { ingestStdin } from '../ingest/sources/stdin.js';
import { inTransaction } from '../store/database.js';
import { markReplayed, pendingQuarantine } from '../store/inbound-log-repo.js';

/** sysexits.h: tells an MTA to keep the message and try again later. */
export const EX_TEMPFAIL = 75;

export function registerIngestCommands(program: Command): void {
  program
    .command('ingest')
    .description('ingest one mail from stdin (`-`, for an MTA pipe) or .eml files and Maildir folders')
    .argument('<paths...>', '`-` for stdin, or files and directories')
    .option('--json', 'print one JSON line per mail')
    .action(async (paths: string[], opts: { json?: boolean }) => {
      if (paths.includes('-')) return ingestFromPipe(paths, opts);
      const app = await createApp();
      try {
        const report = await ingestPaths(app.pipeline, paths, (r) => {
          const line = opts.json
            ? JSON.stringify({ file: r.file, outcome: r.outcome, ticket: r.ticketNumber, detail: r.detail })
            : `${r.outcome.padEnd(11)} ${r.ticketNumber ? `#${r.ticketNumber}` : '-'}\t${r.file}`;
          process.stdout.write(line + '\n');
        });
        if (!opts.json) process.stdout.write(`${report.results.length} mails: ${JSON.stringify(report.counts)}\n`);
      } finally {
        await app.close();
      }
    });

  program
    .command('replay')
    .description('process the quarantined mails again (after a fix or an upgrade)')
    .action(async () => {
      const app = await createApp();
      try {
        const pending = await pendingQuarantine(app.db);
        let replayed = 0;
        for (const item of pending) {
          // Streamed from the store: a big quarantined mail is never held whole (pipeline.ingestStream).
          const result = await app.pipeline.ingestStream(app.blobs.openRead(item.rawSha256), { source: 'replay', sourceRef: `quarantine:${item.id}` });
          // A mail that fails again is quarantined again as a new entry; this one is done either way.
          await inTransaction(app.db, (tx) => markReplayed(tx, item.id, result.outcome, app.now()));
          process.stdout.write(`quarantine ${item.id}: ${result.outcome}${result.ticketNumber ? ` #${result.ticketNumber}` : ''}\n`);
          replayed++;
        }
        process.stdout.write(`${replayed} replayed\n`);
      } finally {
        await app.close();
      }
    });
}

/**
 * For an MTA: exit 0 once the mail is stored (whatever its outcome, even quarantined), 75 on any failure so
 * the MTA keeps the mail and retries. A mail is never bounced because of us.
 */
async function ingestFromPipe(paths: string[], opts: { json?: boolean }): Promise<void> {
  if (paths.length > 1) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, '`ingest -` reads one mail from stdin and takes no other paths.');
  let app;
  try {
    app = await createApp();
    const result = await ingestStdin(app.pipeline);
    process.stdout.write(
      (opts.json ? JSON.stringify({ outcome: result.outcome, ticket: result.ticketNumber, detail: result.detail }) : `${result.outcome} ${result.ticketNumber ? `#${result.ticketNumber}` : ''}`.trim()) + '\n',
    );
  } catch (error) {
    process.stderr.write(`ventanilla: temporary failure, the MTA should retry: ${(error as Error)?.message ?? error}\n`);
    process.exitCode = EX_TEMPFAIL;
  } finally {
    await app?.close().catch(() => undefined);
  }
}
