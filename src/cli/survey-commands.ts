import type { Command } from 'commander';
import type { CsatSummary, NpsSummary } from '../domain/survey-metrics.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import { refuseNonAddress } from '../lifecycle/access-actions.js';
import { parseReportDate, REPORT_GROUPINGS, surveyReport, type ReportGrouping, type SurveyFigures } from '../surveys/report.js';
import { inTransaction } from '../store/database.js';
import { setSurveysOptOut } from '../store/survey-opt-out-repo.js';
import { deskTime } from '../domain/desk-time.js';
import { readOnly, withApp } from './with-app.js';

const pct = (value: number | null) => (value === null ? '-' : `${value.toFixed(1)}%`);
const signed = (value: number | null) => (value === null ? '-' : `${value > 0 ? '+' : ''}${value.toFixed(1)}`);

function csatLine(c: CsatSummary): string {
  return `CSAT ${pct(c.satisfiedPercent)} satisfied (${c.satisfied} good, ${c.neutral} neutral, ${c.unsatisfied} bad) · ${c.answered}/${c.sent} answered (${pct(c.responseRate)})`;
}

function npsLine(n: NpsSummary): string {
  return `NPS ${signed(n.nps)} (${n.promoters} promoters, ${n.passives} passives, ${n.detractors} detractors) · ${n.answered}/${n.sent} answered (${pct(n.responseRate)})`;
}

/** Surveys asked whose mail has not left yet: not in the counts before it. */
const waiting = (pending: number) => (pending > 0 ? ` · ${pending} waiting in the outbox` : '');

function block(f: SurveyFigures, indent: string): string {
  return `${indent}${csatLine(f.csat)}${waiting(f.csat.pending)}\n${indent}${npsLine(f.nps)}${waiting(f.nps.pending)}\n`;
}

/** `ventanilla survey report`: CSAT % satisfied, NPS, response rates and counts (README "Surveys"). */
export function registerSurveyCommands(program: Command): void {
  const survey = program.command('survey').description('satisfaction surveys: CSAT after solved tickets, NPS once a year');
  survey
    .command('report')
    .description('CSAT, NPS and response rates of the surveys sent in a period')
    .option('--from <day>', 'first day (2026-01-01) or ISO time; default: since the first survey')
    .option('--to <day>', 'last day, included (2026-12-31; a month 2026-12 or a year includes all of it), or ISO time; default: now')
    .option('--by <group>', REPORT_GROUPINGS.join(', '))
    .option('--json', 'print JSON')
    .action(async (opts: { from?: string; to?: string; by?: string; json?: boolean }) => {
      if (opts.by !== undefined && !(REPORT_GROUPINGS as readonly string[]).includes(opts.by)) {
        throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--by must be one of ${REPORT_GROUPINGS.join(', ')} (got "${opts.by}")`);
      }
      const { report, zone } = await readOnly(async (app) => {
        const zone = app.lifecycle.policies.calendar.config.timeZone;
        const from = opts.from ? parseReportDate(opts.from, 'from', zone) : null;
        const to = opts.to ? parseReportDate(opts.to, 'to', zone) : app.now();
        if (from && from >= to) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--from (${opts.from}) is after --to (${opts.to ?? 'now'}): the period is empty`);
        return { report: await surveyReport(app.db, { from, to, by: (opts.by as ReportGrouping | undefined) ?? null }), zone };
      });
      if (opts.json) return void process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      // The period is [from, to): "--to 2026-11-30" ends before 1 December begins on the desk's clock.
      process.stdout.write(`Surveys sent from ${report.from ? deskTime(report.from, zone) : 'the first'}, before ${deskTime(report.to, zone)}\n`);
      process.stdout.write(block(report, ''));
      for (const group of report.groups ?? []) process.stdout.write(`${group.key ?? `(no ${report.by})`}\n${block(group, '  ')}`);
    });
  for (const [name, optOut] of [['opt-out', true], ['opt-in', false]] as const) {
    survey
      .command(name)
      .description(optOut ? 'send this contact no more surveys (their wish given by phone or in a ticket)' : 'send surveys to this contact again after an opt-out')
      .argument('<email>', "the contact's address")
      .action(async (email: string) => {
        const address = email.trim().toLowerCase();
        const r = await withApp((app) => inTransaction(app.db, (tx) => setSurveysOptOut(tx, address, optOut ? app.now() : null)));
        if (r === 'unknown') refuseNonAddress(email);
        if (r === 'unknown') throw new VentanillaError(ErrorCode.NOT_FOUND, `No contact has the address ${address}; see \`ventanilla contacts list\`.`);
        const state = optOut ? 'gets no surveys' : 'gets surveys';
        process.stdout.write(`${address} ${r === 'changed' ? 'now ' : 'already '}${state}\n`);
      });
  }
}
