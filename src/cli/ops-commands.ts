import type { Command } from 'commander';
import { createApp, type App } from '../app.js';
import { loadConfig } from '../config.js';
import { calendarFromEnv } from '../domain/business-clock.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { failureMessage } from './failure-message.js';
import { gatewayJobs } from '../scheduler/jobs.js';
import { Scheduler, type JobRun } from '../scheduler/runner.js';
import { inTransaction } from '../store/database.js';
import { deferredNoticeCount } from '../store/deferred-notice-repo.js';
import { countOutbox, listOutbox, type OutboxHeaders } from '../store/outbox-repo.js';
import { parseColumn } from '../outbound/outgoing-mail.js';
import { retryUnsuppressed, type SuppressedRecipient } from '../outbound/suppressed-recipients.js';
import { deskTime, parseDeskTime } from '../domain/desk-time.js';
import { oneLine } from '../domain/one-line.js';

/** A failed job's line in `run-once`'s report: what the command's own failure would say, without its stack. */
const failureLine = (error: unknown) => failureMessage(error).replace(/^ventanilla: /, '').split('\n')[0];

export function registerOpsCommands(program: Command): void {
  const scheduler = program.command('scheduler').description('scheduled jobs: reminders, auto-close, SLA, outbox');
  scheduler
    .command('run-once')
    .description('run every due job once, as if it were --now (default: now)')
    .option('--now <iso>', 'the time to act as, e.g. 2026-12-01T10:00:00-06:00 (without an offset: BUSINESS_TIMEZONE)')
    .option('--json', 'print the result of each job as JSON')
    .action(async (opts: { now?: string; json?: boolean }) => {
      const config = loadConfig();
      const now = opts.now ? parseDeskTime(opts.now, calendarFromEnv(config.calendarEnv).config.timeZone) : new Date();
      if (!now) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--now must be an ISO 8601 time, e.g. 2026-12-01T10:00:00-06:00 (got "${opts.now}")`);
      const app = await createApp({ config, now: () => now, explicitClock: opts.now !== undefined });
      try {
        const runs = await new Scheduler(gatewayJobs(app), app).runOnce(now);
        const shown = runs.map((run) => (!run.ran && run.reason === 'failed' ? { ...run, error: failureLine(run.error) } : run));
        if (opts.json) process.stdout.write(JSON.stringify({ now: now.toISOString(), runs: shown }, null, 2) + '\n');
        else for (const run of shown) process.stdout.write(`${run.job}: ${run.ran ? JSON.stringify(run.result) : 'error' in run ? `failed (${String(run.error)})` : `skipped (${run.reason})`}\n`);
        // The jobs after a failed one ran; the command still fails, with the first failure's message and exit code.
        const failed = runs.find((run): run is Extract<JobRun, { reason: 'failed' }> => !run.ran && run.reason === 'failed');
        if (failed) throw failed.error;
      } finally {
        await app.close();
      }
    });

  const outbox = program.command('outbox').description('the mail Ventanilla sends');
  outbox
    .command('list')
    .description('recent outgoing mail, newest first')
    .option('--failed', 'only mail that failed permanently')
    .option('--json', 'print JSON')
    .action(async (opts: { failed?: boolean; json?: boolean }) => {
      const app = await createApp({ readOnly: true });
      try {
        const filter = { status: opts.failed ? 'failed' : undefined };
        const [rows, total] = await Promise.all([listOutbox(app.db, filter), countOutbox(app.db, filter)]);
        // mayHaveReached: a try may have left it with its reader (OutboxMail.mayHaveReached), though it was never sent.
        // suppressed: whom it is not sent to because their address is suppressed (OutboxHeaders.suppressed).
        const view = rows.map((r) => ({ id: r.id, status: r.status, template: r.template, to: JSON.parse(r.toList) as string[], subject: r.subject, attempts: r.attempts, lastError: r.lastError, mayHaveReached: r.mayHaveReached, createdAt: r.createdAt.toISOString(), sentAt: r.sentAt?.toISOString() ?? null, suppressed: suppressedOf(r.headers) }));
        if (opts.json) return void process.stdout.write(JSON.stringify(view, null, 2) + '\n');
        // One mail a line: a server's reply of several lines stays as it came in lastError (and in --json).
        for (const r of view) process.stdout.write(`${r.id}\t${r.status.padEnd(7)}\t${r.template}\t${r.to.join(', ')}\t${r.subject}${r.lastError ? `\t(${oneLine(r.lastError)})` : ''}${mayHaveReachedNote(r)}${suppressedNote(r.suppressed)}\n`);
        // A backlog's notices are owed, not in the outbox yet (outbound/deferred-notices.ts): say so, or a reader would miss them.
        const owed = deferredNoticeCount(app.db);
        // Only the newest are listed (listOutbox): "100 mails" read as all there were.
        const shown = view.length < total ? `the newest ${view.length} of ${total} mails` : `${view.length} mails`;
        process.stdout.write(`${shown}${owed > 0 ? `; ${owed} notices owed, written here once the mailbox is caught up` : ''}\n`);
      } finally {
        await app.close();
      }
    });
  outbox
    .command('retry')
    .description('send a failed mail again')
    .argument('<id>', 'outbox id (see outbox list --failed)')
    .action(async (idText: string) => {
      if (!/^\d{1,9}$/.test(idText)) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `"${idText}" is not an outbox id; see \`ventanilla outbox list --failed\`.`);
      const id = Number(idText);
      const app = await createApp();
      try {
        const timeZone = app.lifecycle.policies.calendar.config.timeZone;
        const retry = await inTransaction(app.db, (tx) => retryUnsuppressed(tx, id, app.now()));
        if (!retry) return alreadyRetried(app, id);
        // To suppressed addresses alone: sending it again would only bounce again (README "Bounces and suppression").
        if (!retry.retried) {
          const lift = retry.refused.map((r) => `\`ventanilla suppressions lift ${r.address}\``).join(' and ');
          throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, `mail ${id} is not sent again: ${retry.refused.map((r) => `${r.address} bounces (suppressed${sinceOf(r, timeZone)})`).join(', ')}; if ${retry.refused.length > 1 ? 'they work' : 'the address works'} again, ${lift}, then retry.`);
        }
        const report = await app.drainer().drain();
        const after = await app.db.outboxMail.findUnique({ where: { id }, select: { status: true, lastError: true } });
        const leftOut = retry.leftOut.map((r) => `${r.address} (suppressed${sinceOf(r, timeZone)}: \`ventanilla suppressions lift ${r.address}\`)`).join(', ');
        process.stdout.write(`mail ${idText} queued again${leftOut ? `, not to ${leftOut}` : ''}: ${JSON.stringify(report)}\n`);
        // Sent, or waiting for its next attempt, is success; failed again is not, and says why.
        if (after?.status === 'failed') throw new VentanillaError(ErrorCode.SMTP_FAILED, `mail ${idText} failed again: ${after.lastError ?? 'no reason recorded'}`);
      } finally {
        await app.close();
      }
    });
}

/**
 * A mail not sent whose reader may have it all the same (a connection lost after its end, the server's answer with
 * it; some recipients took it): the operator who reads "failed" or "cancelled" would take it for never delivered.
 */
function mayHaveReachedNote(mail: { status: string; mayHaveReached: boolean }): string {
  // A pending one too: its next try may give its reader a second copy.
  return mail.status !== 'sent' && mail.mayHaveReached ? '\t[may have reached the recipient]' : '';
}

/** The recipients a mail is not sent to because their address is suppressed; [] for the rest (and rows from before). */
function suppressedOf(headers: string): string[] {
  return parseColumn<OutboxHeaders>(headers).suppressed ?? [];
}

/**
 * Whom a mail does not go to because their address bounces: the owner asked why a customer never got it reads it
 * here, whether the mail went to the others (its row no longer names her) or to no one (`cancelled`).
 */
function suppressedNote(suppressed: string[]): string {
  return suppressed.length > 0 ? `\t[not sent to ${suppressed.join(', ')}: suppressed after bounces]` : '';
}

/** " since <time>" on the desk's clock, of a suppression (one made by hand before suppressedAt was kept has none). */
const sinceOf = (r: SuppressedRecipient, timeZone: string) => (r.since ? ` since ${deskTime(r.since, timeZone)}` : '');

/**
 * `outbox retry` of a mail that is not failed: sent or on its way is already what was asked (exit 0); one taken
 * back (a cancelled bulletin, an unsubscribe) is not sent again; an id that is not there is NOT_FOUND (exit 3).
 */
async function alreadyRetried(app: App, id: number): Promise<void> {
  const mail = await app.db.outboxMail.findUnique({ where: { id }, select: { status: true, lastError: true } });
  if (!mail) throw new VentanillaError(ErrorCode.NOT_FOUND, `No mail with id ${id} in the outbox; see \`ventanilla outbox list --failed\`.`);
  if (mail.status === 'cancelled') throw new VentanillaError(ErrorCode.TRANSITION_REFUSED, `mail ${id} was taken back (${mail.lastError ?? 'cancelled'}): it is not sent again.`);
  process.stdout.write(mail.status === 'sent' ? `mail ${id} already sent: nothing to retry\n` : `mail ${id} already queued (${mail.status}): nothing to retry\n`);
}
