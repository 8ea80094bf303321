import type { Command } from 'commander';
import type { App } from '../app.js';
import { sweepBlobs, type BlobSweepReport } from '../store/blob-sweep.js';
import { readOnly, withoutSending } from './with-app.js';

// The blob store (DATA_DIR/blobs: the bigger attachments, an agent's, the raw mails that streamed in) keeps files
// nothing names any more (store/blob-sweep.ts says which, and why removing them is safe with the daemon at work).

const amount = (n: { files: number; bytes: number }, what: string) => `${n.files} ${what}${n.files === 1 ? '' : 's'} (${n.bytes} bytes${n.bytes >= 1024 * 1024 ? `, ${(n.bytes / (1024 * 1024)).toFixed(1)} MiB` : ''})`;

/** The report in one line: what went (or would go), and what stayed. */
export function sweepSummary(r: BlobSweepReport): string {
  const restored = r.restored > 0 ? `; put back ${r.restored} a killed sweep had left aside` : '';
  const line = `${r.dryRun ? 'would remove' : 'removed'} ${amount(r.removed, 'unreferenced blob file')} and ${amount(r.temporary, 'temporary file')}; kept ${r.referenced} that rows name, ${r.young} younger than a day${restored}`;
  // What the guard says (store/blob-sweep-guard.ts): a dry run is how an operator looks before --force.
  if (r.refusal === null) return line;
  return `${line}\n${r.dryRun ? 'without --force, a sweep refuses' : 'removed with --force, although'}: ${r.refusal}`;
}

export function registerBlobCommands(program: Command): void {
  const blobs = program.command('blobs').description('the files under DATA_DIR/blobs: bigger attachments, an agent\'s, raw mails that streamed in');
  blobs
    .command('sweep')
    .description('remove the blob files no row names and untouched for a day, and the temporary files of writers dead as long (the daemon does it nightly)')
    .option('--dry-run', 'remove nothing: say what would be removed')
    .option('--json', 'print the report as JSON')
    .option('--force', 'remove them even when the database does not look like this store\'s (refused otherwise: the wrong DATABASE_URL or DATA_DIR)')
    .action(async (opts: { dryRun?: boolean; json?: boolean; force?: boolean }) => {
      const sweep = (app: App) => sweepBlobs(app, { dryRun: opts.dryRun === true, force: opts.force === true });
      // A dry run changes nothing: it works for a user who may only read DATA_DIR.
      const report = await (opts.dryRun ? readOnly(sweep) : withoutSending(sweep));
      process.stdout.write((opts.json ? JSON.stringify(report) : sweepSummary(report)) + '\n');
    });
}
