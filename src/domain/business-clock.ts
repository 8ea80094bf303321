// The business clock: deadlines and elapsed time counted in business hours (DOMAIN.md rules 3-6, 12).
// Pure: every instant is a parameter; nothing here reads the system clock, so the scheduler and the tests
// decide what "now" is.
//
// Conventions (pinned by test/unit/domain/business-clock.test.ts):
// - A business day is open on the half-open local interval [open, close): 08:00 is open, 20:00 is closed.
// - A deadline that uses up the last business millisecond of a day lands ON the closing time (Friday 20:00),
//   not on the next opening (Monday 08:00): "60 business hours from Monday 08:00" is Friday 20:00, which is
//   what a customer reading "5 business days" expects, and it is the earliest instant the time has elapsed.
//   So for hours > 0 a deadline is never an opening instant: it is the closing time before it.
// - 0 hours is the start itself if open, else the next opening (a clock that starts now, at the earliest).
// - Business time is real elapsed time: on a day whose DST change falls inside opening hours the day has one
//   hour more or less. Opening and closing are local wall times (08:00 stays 08:00 on either side of a DST
//   change); for a wall time that a change skips or repeats, see firstInstantAtWall.
// - Hours are rounded to whole milliseconds, so fractional hours (0.5, 1/60) are exact to the millisecond.
import { IANAZone } from 'luxon';
import { ErrorCode, VentanillaError } from '../errors.js';
import {
  type CalendarConfig,
  type DescribeLocale,
  type ResolvedCalendar,
  type SettingNames,
  DEFAULT_CALENDAR,
  describeCalendar,
  isIsoDate,
  parseClock,
  parseDaySpec,
  resolveCalendar,
} from './calendar.js';
import { PublicHolidays } from './public-holidays.js';

export { type CalendarConfig, DEFAULT_CALENDAR } from './calendar.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
// Holidays and closed dates are finite, and the constructor refuses an empty week, so an opening always comes
// within days; this bound only turns a broken calendar into an error instead of a hang.
const MAX_CLOSED_DAYS = 3_700;
const MAX_MEMO_DAYS = 20_000; // ~55 years of days, a few MB at most
const QUARTER_HOUR_MS = 15 * MINUTE_MS;
const MAX_MEMO_QUARTERS = 100_000; // ~3 years of quarter hours, a few MB at most

interface Interval {
  start: number;
  end: number;
}

export class BusinessCalendar {
  /** The validated configuration (defaults filled in, times as HH:MM, country upper case). */
  readonly config: CalendarConfig;
  private readonly resolved: ResolvedCalendar;
  private readonly holidays: PublicHolidays | null;
  private readonly zone: IANAZone;
  private readonly intervals = new Map<number, Interval | null>();
  private readonly offsets = new Map<number, number>();

  /** `names` only renames settings in error messages (calendarFromEnv names the environment variables). */
  constructor(config: Partial<CalendarConfig> = {}, names?: SettingNames) {
    this.resolved = resolveCalendar(config, names);
    const { days, extraClosedDates } = this.resolved.config;
    // Frozen: the arithmetic reads `resolved`, so an edit here would silently change nothing.
    this.config = Object.freeze({ ...this.resolved.config, days: Object.freeze([...days]) as number[], extraClosedDates: Object.freeze([...extraClosedDates]) as string[] });
    this.zone = IANAZone.create(this.config.timeZone);
    this.holidays = this.config.holidayCountry === null ? null : new PublicHolidays(this.config.holidayCountry);
  }

  /** Whether the instant's local date (in the calendar's zone) is a business day: weekday, not a holiday, not closed. */
  isBusinessDay(date: Date): boolean {
    return this.isBusinessEpochDay(this.localDay(millis(date, 'date')));
  }

  isOpenAt(instant: Date): boolean {
    const t = millis(instant, 'instant');
    const day = this.intervalOf(this.localDay(t));
    return day !== null && t >= day.start && t < day.end;
  }

  /** The first instant at or after `instant` at which the desk is open: the instant itself while open. */
  nextOpening(instant: Date): Date {
    const t = millis(instant, 'instant');
    let day = this.localDay(t);
    for (let closed = 0; closed <= MAX_CLOSED_DAYS; closed++, day++) {
      const iv = this.intervalOf(day);
      if (iv !== null && t < iv.end) return new Date(Math.max(t, iv.start));
    }
    throw this.noOpening(instant);
  }

  /**
   * `start` plus `hours` of business time; hours may be fractional. Time before the first opening (night,
   * weekend, holiday) does not count. 0 hours gives the instant itself if open, else the next opening.
   * Walks day by day (about 1.4 calendar days per 12 business hours), never minute by minute.
   */
  addBusinessHours(start: Date, hours: number): Date {
    const t = millis(start, 'start');
    if (!Number.isFinite(hours) || hours < 0) {
      throw new RangeError(`addBusinessHours: hours must be a finite number >= 0, got ${String(hours)}`);
    }
    let remaining = Math.round(hours * HOUR_MS);
    if (remaining === 0) return this.nextOpening(start);
    let day = this.localDay(t);
    for (let closed = 0; closed <= MAX_CLOSED_DAYS; day++) {
      const iv = this.intervalOf(day);
      const from = iv === null ? 0 : Math.max(t, iv.start);
      if (iv === null || from >= iv.end) {
        closed++;
        continue;
      }
      closed = 0;
      const available = iv.end - from;
      // "<=": using exactly the rest of the day ends at closing time (see the conventions above).
      if (remaining <= available) return new Date(from + remaining);
      remaining -= available;
    }
    throw this.noOpening(start);
  }

  /** Business hours elapsed from a to b, fractional; 0 when b <= a. The inverse of addBusinessHours. */
  businessHoursBetween(a: Date, b: Date): number {
    const from = millis(a, 'a');
    const to = millis(b, 'b');
    if (to <= from) return 0;
    let total = 0;
    const last = this.localDay(to);
    for (let day = this.localDay(from); day <= last; day++) {
      const iv = this.intervalOf(day);
      if (iv === null) continue;
      const overlap = Math.min(to, iv.end) - Math.max(from, iv.start);
      if (overlap > 0) total += overlap;
    }
    return total / HOUR_MS;
  }

  /** "lunes a viernes de 08:00 a 20:00 (hora de Ciudad de México)" and its pt/en forms, for the mails. */
  describeHours(locale: DescribeLocale): string {
    return describeCalendar(this.resolved, locale);
  }

  /** Business hours in one business day (12 by default): what "N business days" means in the mails. */
  get hoursPerDay(): number {
    return (this.resolved.closeMinute - this.resolved.openMinute) / 60;
  }

  /** The public holidays (local dates) that close the desk in a year; none without a holiday country. */
  publicHolidays(year: number): string[] {
    return this.holidays?.dates(year) ?? [];
  }

  // --- days are counted as "epoch days": days since 1970-01-01 of the local calendar date, zone-free ---

  private localDay(t: number): number {
    return Math.floor((t + this.offsetMinutes(t) * MINUTE_MS) / DAY_MS);
  }

  /**
   * The zone's UTC offset at t, memoised per quarter hour: luxon asks Intl (~13 µs, most of a scheduler
   * step's calendar time). A quarter whose two ends have the same offset has it throughout (a zone changes
   * offset at most once in 15 minutes); one with a transition inside is not memoised.
   */
  private offsetMinutes(t: number): number {
    const quarter = Math.floor(t / QUARTER_HOUR_MS);
    const known = this.offsets.get(quarter);
    if (known !== undefined) return known;
    const start = this.zone.offset(quarter * QUARTER_HOUR_MS);
    if (start !== this.zone.offset((quarter + 1) * QUARTER_HOUR_MS - 1)) return this.zone.offset(t);
    if (this.offsets.size >= MAX_MEMO_QUARTERS) this.offsets.clear();
    this.offsets.set(quarter, start);
    return start;
  }

  private isBusinessEpochDay(day: number): boolean {
    const date = new Date(day * DAY_MS);
    const isoWeekday = ((date.getUTCDay() + 6) % 7) + 1;
    if (!this.resolved.days.has(isoWeekday)) return false;
    const iso = date.toISOString().slice(0, 10);
    return !this.resolved.extraClosed.has(iso) && !(this.holidays?.has(iso) ?? false);
  }

  /** The open interval of a local day as instants, or null on a closed day. */
  private intervalOf(day: number): Interval | null {
    // Memoised: deadlines are recomputed for every pending ticket on every scheduler tick, over the same days.
    const known = this.intervals.get(day);
    if (known !== undefined) return known;
    if (this.intervals.size >= MAX_MEMO_DAYS) this.intervals.clear();
    const interval = this.computeInterval(day);
    this.intervals.set(day, interval);
    return interval;
  }

  private computeInterval(day: number): Interval | null {
    if (!this.isBusinessEpochDay(day)) return null;
    const start = firstInstantAtWall(this.zone, day, this.resolved.openMinute);
    const end = firstInstantAtWall(this.zone, day, this.resolved.closeMinute);
    // Only a DST oddity could make a day's interval empty; treat that day as closed.
    return end > start ? { start, end } : null;
  }

  private noOpening(instant: Date): Error {
    return new Error(`business calendar: no opening within ${MAX_CLOSED_DAYS} days after ${instant.toISOString()}`);
  }
}

/**
 * The first instant at which the local clock on that date reads `minute` (after midnight) or later. Opening and
 * closing are wall times, and this makes them exact around DST changes: a time that a gap skips gives the end
 * of the gap (the desk opening at 01:30 in a 01:00->02:00 gap opens at 02:00), and a time that happens twice
 * (clocks going back) gives its first occurrence. `minute` 1440 is the next day's midnight.
 */
export function firstInstantAtWall(zone: IANAZone, day: number, minute: number): number {
  const wall = day * DAY_MS + minute * MINUTE_MS; // the wall reading, written as if it were UTC
  // Offsets in force a day either side cover every zone's changes (none changes twice within two days).
  const offsets = new Set([zone.offset(wall - DAY_MS), zone.offset(wall), zone.offset(wall + DAY_MS)]);
  const candidates = [...offsets].map((o) => wall - o * MINUTE_MS);
  const valid = candidates.filter((t) => wall - zone.offset(t) * MINUTE_MS === t);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: find the transition between the two candidate instants by bisection (to the millisecond).
  let before = Math.min(...candidates);
  let after = Math.max(...candidates);
  const offsetBefore = zone.offset(before);
  while (after - before > 1) {
    const mid = Math.floor((before + after) / 2);
    if (zone.offset(mid) === offsetBefore) before = mid;
    else after = mid;
  }
  return after;
}

function millis(value: Date, name: string): number {
  const t = value instanceof Date ? value.getTime() : NaN;
  if (Number.isNaN(t)) throw new RangeError(`business clock: '${name}' must be a valid Date, got ${String(value)}`);
  return t;
}

/**
 * The calendar from the environment. Unset or empty variables take the defaults, except HOLIDAY_COUNTRY, whose
 * empty value means "no holidays". Errors name the variable.
 */
export function calendarFromEnv(env: Record<string, string | undefined>): BusinessCalendar {
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const config: Partial<CalendarConfig> = {};
  const zone = text('BUSINESS_TIMEZONE');
  if (zone !== undefined) config.timeZone = zone;
  const days = text('BUSINESS_DAYS');
  if (days !== undefined) config.days = parseDaySpec(days, 'BUSINESS_DAYS');
  const hours = text('BUSINESS_HOURS');
  if (hours !== undefined) {
    const m = /^([^-\s]+)\s*-\s*([^-\s]+)$/.exec(hours);
    if (!m) throw badEnv('BUSINESS_HOURS', `expected opening-closing as "08:00-20:00", got '${hours}'`);
    config.open = m[1] ?? '';
    config.close = m[2] ?? '';
    parseClock(config.open, 'BUSINESS_HOURS', false);
    parseClock(config.close, 'BUSINESS_HOURS', true);
  }
  const country = env['HOLIDAY_COUNTRY'];
  if (country !== undefined) config.holidayCountry = country.trim() === '' ? null : country.trim();
  const closed = text('CLOSED_DATES');
  if (closed !== undefined) {
    config.extraClosedDates = closed.split(',').map((d) => d.trim()).filter((d) => d !== '');
    const bad = config.extraClosedDates.find((d) => !isIsoDate(d));
    if (bad !== undefined) throw badEnv('CLOSED_DATES', `expected dates YYYY-MM-DD separated by commas, got '${bad}'`);
  }
  return new BusinessCalendar(config, {
    timeZone: 'BUSINESS_TIMEZONE',
    days: 'BUSINESS_DAYS',
    hours: 'BUSINESS_HOURS',
    holidayCountry: 'HOLIDAY_COUNTRY',
    extraClosedDates: 'CLOSED_DATES',
  });
}

function badEnv(variable: string, message: string): VentanillaError {
  return new VentanillaError(ErrorCode.CONFIG_INVALID, `${variable}: ${message}`, { setting: variable });
}
