import type { Command } from 'commander';
import { createApp } from '../app.js';
import { parseTicketNumber, registerAgentCommands } from './agent-commands.js';
import { isTicketStatus, isUnresolved, TICKET_STATUSES } from '../domain/ticket-status.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { DEFAULT_TICKET_LIST_LIMIT, listTickets, showTicket, ticketCount, type TicketSummaryJson } from '../store/ticket-queries.js';
import { parseLimit } from './inbound-commands.js';
import { deskTime } from '../domain/desk-time.js';
import { formatTicket } from './ticket-show-format.js';

/** " [SLA breached: level 2, first response due 2026-11-23 12:00 -06:00]" for a ticket still owed an answer. */
function slaMark(t: TicketSummaryJson, timeZone: string): string {
  if (t.escalationLevel === 0 || !isUnresolved(t.status)) return '';
  const [what, due] = t.firstRespondedAt === null ? ['first response', t.firstResponseDueAt] : ['resolution', t.resolutionDueAt];
  return ` [SLA breached: level ${t.escalationLevel}${due ? `, ${what} due ${deskTime(due, timeZone)}` : ''}]`;
}

export function registerTicketCommands(program: Command): void {
  const tickets = program.command('tickets').description('look at and work on tickets');
  registerAgentCommands(program, tickets);

  tickets
    .command('list')
    .description('list the newest tickets, oldest of them first')
    .option('--status <status>', `only this status (${TICKET_STATUSES.join(', ')})`)
    .option('--breached', 'only tickets past an SLA target and not yet solved (as of the last SLA check)')
    .option('--limit <n>', `how many of the newest (default ${DEFAULT_TICKET_LIST_LIMIT})`)
    .option('--json', 'print a JSON array (format in the README)')
    .action(async (opts: { status?: string; breached?: boolean; limit?: string; json?: boolean }) => {
      if (opts.status && !isTicketStatus(opts.status)) {
        throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--status must be one of ${TICKET_STATUSES.join(', ')} (got "${opts.status}")`);
      }
      const app = await createApp({ readOnly: true });
      try {
        const limit = parseLimit(opts.limit, DEFAULT_TICKET_LIST_LIMIT);
        const filter = { status: opts.status, breached: opts.breached === true };
        const rows = await listTickets(app.db, { ...filter, limit });
        if (opts.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        const timeZone = app.lifecycle.policies.calendar.config.timeZone;
        for (const t of rows) {
          const follow = `${t.followUpOf ? ` (follow-up of #${t.followUpOf})` : ''}${t.held ? ` [held: ${t.heldFromNotBelieved ? 'From not believed' : 'sender not authorised'}]` : ''}${slaMark(t, timeZone)}`;
          process.stdout.write(`#${t.number}\t${t.status.padEnd(8)}\t${t.priority.padEnd(6)}\t${t.requester}\t${t.subject}${follow}\n`);
        }
        const total = rows.length < limit ? rows.length : await ticketCount(app.db, filter);
        const noun = (n: number) => `ticket${n === 1 ? '' : 's'}${opts.breached ? ' past an SLA target' : ''}`;
        process.stdout.write(total > rows.length ? `the newest ${rows.length} of ${total} ${noun(total)} (--limit N for more)\n` : `${total} ${noun(total)}\n`);
      } finally {
        await app.close();
      }
    });

  tickets
    .command('show')
    .description('show one ticket with its messages, attachments, links and history (its events, the newest 20)')
    .argument('<number>', 'ticket number')
    .option('--full', "each message's whole text: a mail's quoted history and signature too (hidden by default), a mail sent as its reader got it; and every event")
    .option('--json', 'print JSON (format in the README; each message has its whole `text` and its `visibleText`)')
    .action(async (numberText: string, opts: { json?: boolean; full?: boolean }) => {
      const number = parseTicketNumber(numberText);
      const app = await createApp({ readOnly: true });
      try {
        const ticket = await showTicket(app.db, number);
        if (!ticket) throw new VentanillaError(ErrorCode.TICKET_NOT_FOUND, `Ticket #${number} does not exist; see \`ventanilla tickets list\`.`);
        process.stdout.write(opts.json ? JSON.stringify(ticket, null, 2) + '\n' : formatTicket(ticket, app.lifecycle.policies.calendar.config.timeZone, opts.full === true));
      } finally {
        await app.close();
      }
    });
}
