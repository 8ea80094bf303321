import { DateTime } from 'luxon';

/**
 * "2026-11-23 10:00 -06:00": a time in the text an agent reads, on the desk's clock (BUSINESS_TIMEZONE), as the
 * customers' notices state their dates. In UTC a mail written at 10:00 in Mexico City read "16:00". The offset
 * stays, so the line is exact wherever it is read; `--json` keeps ISO 8601 UTC for programs.
 */
export function deskTime(at: Date | string, timeZone: string): string {
  const instant = typeof at === 'string' ? DateTime.fromISO(at) : DateTime.fromJSDate(at);
  return instant.setZone(timeZone).toFormat('yyyy-MM-dd HH:mm ZZ');
}

/**
 * An instant an operator typed (`--now`): with its offset or "Z" as it says, without one on the desk's clock, as
 * the dates in notices and in this CLI's output are. Null when it is not ISO 8601.
 */
export function parseDeskTime(text: string, timeZone: string): Date | null {
  const parsed = DateTime.fromISO(text.trim(), { zone: timeZone });
  return parsed.isValid ? parsed.toJSDate() : null;
}
