import { DateTime } from 'luxon';
import { calendarFromEnv } from '../../src/domain/business-clock.js';

/**
 * A business hour (10:00 on the desk's clock, when the NPS campaign mails) at least `days` days before now: the
 * instant a `scheduler run-once --now` runs the campaign as of, while the drain sends on the wall clock.
 */
export function openHourDaysAgo(days = 2): string {
  const calendar = calendarFromEnv({});
  let day = DateTime.now().setZone(calendar.config.timeZone).minus({ days }).set({ hour: 10, minute: 0, second: 0, millisecond: 0 });
  while (!calendar.isOpenAt(day.toJSDate())) day = day.minus({ days: 1 });
  return day.toISO() as string;
}
