// `ventanilla survey report`: CSAT and NPS of the surveys sent in a period, overall and by organisation,
// country or agent (the agent who solved the ticket: CSAT only, NPS is about the company).

import { DateTime } from 'luxon';
import { summariseCsat, summariseNps, type CsatSummary, type NpsSummary } from '../domain/survey-metrics.js';
import { ErrorCode, VentanillaError } from '../errors.js';
import type { Db } from '../store/database.js';
import { surveysSentBetween, type SurveyReportRow } from '../store/survey-repo.js';

export const REPORT_GROUPINGS = ['organisation', 'country', 'agent'] as const;
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number];

/** `pending`: surveys asked whose mail still waits in the outbox; not counted in `sent` (nor in the rates). */
export interface SurveyFigures {
  csat: CsatSummary & { pending: number };
  nps: NpsSummary & { pending: number };
}

export interface SurveyReport extends SurveyFigures {
  /** The period of the surveys counted (by the time they were sent): [from, to), ISO 8601 UTC; from null: since the first. */
  from: string | null;
  to: string;
  by: ReportGrouping | null;
  /** With --by: one entry per organisation / country / agent, most surveys first; key null: none recorded. */
  groups?: Array<SurveyFigures & { key: string | null }>;
}

function figures(rows: SurveyReportRow[]): SurveyFigures {
  const of = (kind: string) => rows.filter((r) => r.kind === kind);
  const sent = (list: SurveyReportRow[]) => list.filter((r) => !r.pending);
  const pending = (list: SurveyReportRow[]) => list.length - sent(list).length;
  const csat = of('csat');
  const nps = of('nps');
  return { csat: { ...summariseCsat(sent(csat)), pending: pending(csat) }, nps: { ...summariseNps(sent(nps)), pending: pending(nps) } };
}

export async function surveyReport(db: Db, q: { from: Date | null; to: Date; by?: ReportGrouping | null }): Promise<SurveyReport> {
  const rows = await surveysSentBetween(db, q.from, q.to);
  const report: SurveyReport = { from: q.from?.toISOString() ?? null, to: q.to.toISOString(), by: q.by ?? null, ...figures(rows) };
  if (q.by) {
    const by = q.by;
    const groups = new Map<string | null, SurveyReportRow[]>();
    for (const row of rows) {
      const key = row[by];
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    report.groups = [...groups.entries()]
      .map(([key, list]) => ({ key, ...figures(list) }))
      .sort((a, b) => b.csat.sent + b.nps.sent - (a.csat.sent + a.nps.sent) || String(a.key ?? '\uffff').localeCompare(String(b.key ?? '\uffff')));
  }
  return report;
}

/** What a date without a time names, by its ISO form: a --to of it counts all of it. */
function dateUnit(value: string): 'years' | 'months' | 'weeks' | 'days' | null {
  if (value.includes('T')) return null;
  if (/^\d{4}$/.test(value)) return 'years';
  if (/^\d{4}-\d{2}$/.test(value)) return 'months';
  return /^\d{4}-?W\d{2}$/.test(value) ? 'weeks' : 'days';
}

/**
 * --from / --to: a day (2026-01-31, in the business time zone; --to counts that whole day), a month, year or
 * week the same way (--to 2026-11 counts November: it ended before it began), or an ISO 8601 instant.
 * Returns the instant the period starts (from) or ends before (to).
 */
export function parseReportDate(value: string, edge: 'from' | 'to', timeZone: string): Date {
  // A time without an offset is the business zone's too, like a day: not the zone of the server the CLI runs on.
  const parsed = DateTime.fromISO(value, { zone: timeZone, setZone: true });
  if (!parsed.isValid) throw new VentanillaError(ErrorCode.INPUT_UNREADABLE, `--${edge} must be a day such as 2026-01-31 or an ISO 8601 time (got "${value}")`);
  const unit = dateUnit(value);
  return (unit && edge === 'to' ? parsed.plus({ [unit]: 1 }) : parsed).toJSDate();
}
