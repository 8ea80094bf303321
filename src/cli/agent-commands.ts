import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { TicketStatus } from '../domain/ticket-status.js';
import { AGENT_SET_STATUSES } from '../domain/lifecycle.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { replyToTicket, setTicketStatus, type ReplyResult } from '../lifecycle/agent-actions.js';
import { releaseProductIssue } from '../lifecycle/product-issue-release.js';
import { ticketNumbersOfIssue } from '../store/lifecycle-repo.js';
import { deskTime } from '../domain/desk-time.js';
import { decodeTextFile } from '../text-file.js';
import { fileReadReason } from '../file-read-reason.js';
import { collect, defaultActor, withApp } from './with-app.js';

/** "1042" or "#1042"; not "0x412" nor "1e3", which Number() would take. */
export function parseTicketNumber(text: string): number {
  if (!/^#?\d{1,9}$/.test(text.trim())) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `"${text}" is not a ticket number`);
  return Number(text.trim().replace(/^#/, ''));
}

/**
 * The statuses an agent may give (AGENT_SET_STATUSES: never back to new, which the domain refuses too), and a reply
 * does not close (`tickets set` does, after it). One list for --help and for the error, so both name the same.
 */
const REPLY_STATUSES: readonly TicketStatus[] = ['pending', 'solved', 'on_hold', 'open'];

function parseStatus(text: string | undefined, allowed: readonly TicketStatus[]): TicketStatus | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) {
    // A reply that should also close: what to run instead.
    const instead = text === 'closed' ? ': reply, then `ventanilla tickets set N --status closed`' : '';
    throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--status must be one of ${allowed.join(', ')} (got "${text}")${instead}`);
  }
  return text as TicketStatus;
}

export function registerAgentCommands(program: Command, tickets: Command): void {
  tickets
    .command('reply')
    .description('answer a ticket (mailed to the customer) or add an internal note')
    .argument('<number>', 'ticket number')
    .requiredOption('--body-file <file>', 'the answer, plain text (- for stdin)')
    .option('--status <status>', `also move the ticket: ${REPLY_STATUSES.join(', ')}`)
    .option('--issue <ref>', 'the product issue, with --status on_hold')
    .option('--internal', 'an internal note: never mailed')
    .option('--attach <file>', 'attach a file (repeatable)', collect, [])
    .option('--as <agent>', 'who answers (default $VENTANILLA_AGENT or the OS user)')
    .option('--again', 'the same words once more: without it, the same answer run again within a day is not recorded twice')
    .action(async (numberText: string, opts: { bodyFile: string; status?: string; issue?: string; internal?: boolean; attach: string[]; as?: string; again?: boolean }) => {
      const bytes = opts.bodyFile === '-' ? await readStdin() : await readFile(opts.bodyFile).catch((error: unknown) => {
        throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `Cannot read --body-file ${opts.bodyFile}: ${fileReadReason(error)}`);
      });
      // An editor's byte-order mark would reach the customer as an invisible first character; a Windows editor's
      // CRLF stayed in the ticket's copy of the answer and in notes (the mail itself is normalised when sent).
      const body = decodeTextFile(bytes).replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
      const { result, timeZone } = await withApp(async (app) => ({
        result: await replyToTicket(app, { number: parseTicketNumber(numberText), body, status: parseStatus(opts.status, REPLY_STATUSES), issueRef: opts.issue, internal: opts.internal, attachmentPaths: opts.attach, actor: opts.as ?? defaultActor(), now: app.now(), again: opts.again }),
        timeZone: app.lifecycle.policies.calendar.config.timeZone,
      }));
      process.stdout.write(`#${result.number} ${result.status}${replyOutcome(result, timeZone)}\n`);
    });

  tickets
    .command('set')
    .description('change the status of a ticket (the customer is told when it matters)')
    .argument('<number>', 'ticket number')
    .requiredOption('--status <status>', AGENT_SET_STATUSES.join(', '))
    .option('--issue <ref>', 'the product issue the ticket waits for (needed for on_hold)')
    .option('--as <agent>', 'who does it')
    .action(async (numberText: string, opts: { status: string; issue?: string; as?: string }) => {
      const status = parseStatus(opts.status, AGENT_SET_STATUSES) as TicketStatus;
      const actor = opts.as ?? defaultActor();
      const { result, timeZone } = await withApp(async (app) => ({
        result: await setTicketStatus(app, { number: parseTicketNumber(numberText), status, issueRef: opts.issue, actor, now: app.now() }),
        timeZone: app.lifecycle.policies.calendar.config.timeZone,
      }));
      // Run again after a kill: the change was made then, and what it queued is sent now.
      if (result.recordedBefore) return void process.stdout.write(`#${result.number} ${result.to} already: set so by ${actor} at ${deskTime(result.recordedBefore, timeZone)}, not again\n`);
      process.stdout.write(result.already ? `#${result.number} already ${result.to}\n` : `#${result.number} ${result.from} -> ${result.to}\n`);
    });

  program
    .command('product-issue')
    .description('product issues that tickets wait for')
    .command('release')
    .description('the issue is fixed: solve every ticket on hold for it and tell each customer')
    .argument('<ref>', 'the product issue reference')
    .option('--as <agent>', 'who does it')
    .action(async (ref: string, opts: { as?: string }) => {
      const { released, before, timeZone } = await withApp(async (app) => {
        const released = await releaseProductIssue(app, { issueRef: ref, actor: opts.as ?? defaultActor(), now: app.now() });
        const before = released.solved.length ? [] : await ticketNumbersOfIssue(app.db, ref, 10);
        return { released, before, timeZone: app.lifecycle.policies.calendar.config.timeZone };
      });
      // None on hold: released before (a script run twice), or a reference no ticket ever had (a typo).
      if (!released.solved.length && !before.length) throw new VentanillaError(ErrorCode.NOT_FOUND, `No ticket was ever on hold for ${ref}; see \`ventanilla tickets list --status on_hold\`.`);
      // A release killed before it was done is finished by this run (or by the daemon's next tick): say it was that one.
      const resumed = released.resumedFrom ? `finished the release of ${ref} recorded at ${deskTime(released.resumedFrom, timeZone)}, which had stopped before it was done: ` : '';
      const list = (numbers: number[]) => numbers.map((n) => `#${n}`).join(', ');
      process.stdout.write(released.solved.length ? `${resumed}solved ${list(released.solved)}\n` : `already released: no ticket is on hold for ${ref} any more (${list(before)}${before.length === 10 ? '...' : ''} had been)\n`);
    });
}

/** What became of an answer, for the agent; the same answer run again (killed before) says it was not doubled. */
function replyOutcome(result: ReplyResult, timeZone: string): string {
  if (result.recordedBefore) {
    const what = result.mailed ? 'answer' : 'note';
    const mail = result.mailed ? ', its mail not sent twice' : '';
    return ` · this ${what} was recorded already at ${deskTime(result.recordedBefore, timeZone)}: not recorded again${mail} (--again records the same words once more)`;
  }
  if (result.notMailed) return ` · NOT mailed to the requester: ${result.notMailed}`;
  return result.mailed ? ' · answer queued for the customer' : ' · internal note';
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
