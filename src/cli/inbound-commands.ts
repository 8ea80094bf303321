import type { Command } from 'commander';
import { ErrorCode, VentanillaError } from '../errors.js';
import { INBOUND_OUTCOMES, quarantineWaiting, recentInbound, type InboundOutcome } from '../store/inbound-log-repo.js';
import { deskTime } from '../domain/desk-time.js';
import { readOnly } from './with-app.js';

// What became of the mail that came in, for an operator who would otherwise open the database: the inbound log
// (every mail's outcome), and the quarantine with each mail's reason and the SHA-256 `raw-mail` and `replay` use.

const DEFAULT_LIMIT = 50;

function parseOutcome(value: string | undefined): InboundOutcome | undefined {
  if (value === undefined) return undefined;
  if ((INBOUND_OUTCOMES as readonly string[]).includes(value)) return value as InboundOutcome;
  throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--outcome: expected one of ${INBOUND_OUTCOMES.join(', ')} (got "${value}")`);
}

/** Seven digits: what the check below lets through. */
const MAX_LIMIT = 9_999_999;

/** `--limit N`: a whole number from 1 to MAX_LIMIT, or `fallback` when not given. */
export function parseLimit(value: string | undefined, fallback = DEFAULT_LIMIT): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,7}$/.test(value) || Number(value) === 0) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--limit: expected a whole number from 1 to ${MAX_LIMIT} (got "${value}")`);
  return Number(value);
}

export function registerInboundCommands(program: Command): void {
  program
    .command('inbound')
    .description('what became of the mail that came in, newest first (the inbound log)')
    .option('--outcome <outcome>', `only one outcome: ${INBOUND_OUTCOMES.join(', ')}`)
    .option('--limit <n>', `how many (default ${DEFAULT_LIMIT})`)
    .option('--json', 'print JSON')
    .action(async (opts: { outcome?: string; limit?: string; json?: boolean }) => {
      const outcome = parseOutcome(opts.outcome);
      const limit = parseLimit(opts.limit);
      const { rows, timeZone } = await readOnly(async (app) => ({ rows: await recentInbound(app.db, { outcome, limit }), timeZone: app.lifecycle.policies.calendar.config.timeZone }));
      if (opts.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      for (const r of rows) {
        const ticket = r.ticket === null ? '-' : `#${r.ticket}`;
        process.stdout.write(`${deskTime(r.receivedAt, timeZone)}\t${r.outcome.padEnd(11)}\t${ticket}\t${r.from ?? '-'}\t${r.subject ?? ''}${r.detail ? `\t(${r.detail})` : ''}\n`);
      }
    });

  program
    .command('quarantine')
    .description('the mails that could not be processed, with the reason: `replay` tries them again, `raw-mail` shows one')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { rows, timeZone } = await readOnly(async (app) => ({ rows: await quarantineWaiting(app.db), timeZone: app.lifecycle.policies.calendar.config.timeZone }));
      if (opts.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      for (const q of rows) {
        process.stdout.write(`${q.id}\t${deskTime(q.quarantinedAt, timeZone)}\t${q.from ?? '-'}\t${q.subject ?? ''}\t${q.errorCode}: ${q.error}\n\traw-mail ${q.sha256}\n`);
      }
      process.stdout.write(`${rows.length} ${rows.length === 1 ? 'mail waits' : 'mails wait'} in the quarantine${rows.length > 0 ? ': `ventanilla replay` tries them again' : ''}\n`);
    });
}
