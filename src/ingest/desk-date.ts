import { DateTime } from 'luxon';

// RFC 5322 gives every Date a zone, but some mailers write none ("Mon, 19 Jan 2026 10:00:00": scripts, old
// clients). mailparser reads such a time in the zone of the process, so one mail had another date on another server
// (a daemon on UTC, an operator's `ventanilla ingest` on local time), and a copy read on the other was taken for
// another mail under the same Message-ID (stages/reused-message-id.ts). A time without a zone is taken to be the
// desk's (BUSINESS_TIMEZONE): its customers write in it, and every server reads the same instant.

/** "[Mon, ]19 Jan 2026 10:00[:00]", nothing after the time but comments ("(CST)" names no zone). */
const WITHOUT_ZONE = /^(?:[a-z]{3}\s*,\s*)?(\d{1,2})\s+([a-z]{3})\s+(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$/i;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * The mail's date: `parsed` (the parser's instant, or null), except when the Date header `written` gives a time
 * without a zone, which is read on the desk clock `timeZone`.
 */
export function writtenDateOnDeskClock(parsed: Date | null, written: string | undefined, timeZone: string): Date | null {
  const match = written === undefined ? null : WITHOUT_ZONE.exec(withoutComments(written));
  const month = match ? MONTHS.indexOf((match[2] as string).toLowerCase()) + 1 : 0;
  if (!match || month === 0) return parsed;
  const [day, year, hour, minute, second] = [match[1], match[3], match[4], match[5], match[6] ?? '0'].map(Number) as [number, number, number, number, number];
  // RFC 5322 4.3: a two-digit year is 19xx from 50 on, 20xx below.
  const fullYear = year < 50 ? 2000 + year : year < 100 ? 1900 + year : year;
  const local = DateTime.fromObject({ year: fullYear, month, day, hour, minute, second }, { zone: timeZone });
  return local.isValid ? local.toJSDate() : parsed;
}

function withoutComments(header: string): string {
  return header.replace(/\([^()]*\)/g, ' ').replace(/\s+/g, ' ').trim();
}
