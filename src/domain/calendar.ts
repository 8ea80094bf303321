// The business calendar's configuration: defaults, validation, public holidays and the human description.
// Pure: no clock, no I/O. The arithmetic on it lives in business-clock.ts.
import { DateTime, IANAZone } from 'luxon';
import { ErrorCode, VentanillaError } from '../errors.js';
import { isHolidayCountry } from './public-holidays.js';

export interface CalendarConfig {
  timeZone: string;
  /** ISO weekdays, 1=Mon..7=Sun. */
  days: number[];
  /** "HH:MM" local wall time. */
  open: string;
  /** "HH:MM" local wall time, after open; "24:00" means the end of the day. */
  close: string;
  /** ISO 3166 country whose *public* holidays close the desk (public-holidays.ts); null: none. */
  holidayCountry: string | null;
  /** Local dates "YYYY-MM-DD" that are closed as well (company days off). */
  extraClosedDates: string[];
}

// DOMAIN.md rule 5: Monday-Friday 08:00-20:00 Mexico City, Mexican public holidays excluded (12 h a day).
export const DEFAULT_CALENDAR: CalendarConfig = Object.freeze({
  timeZone: 'America/Mexico_City',
  days: Object.freeze([1, 2, 3, 4, 5]) as number[],
  open: '08:00',
  close: '20:00',
  holidayCountry: 'MX',
  extraClosedDates: Object.freeze([]) as unknown as string[],
});

/** Validated calendar in the form the arithmetic wants. */
export interface ResolvedCalendar {
  config: CalendarConfig;
  days: ReadonlySet<number>;
  /** Minutes after local midnight; close may be 1440. */
  openMinute: number;
  closeMinute: number;
  extraClosed: ReadonlySet<string>;
}

/** What to call each setting in an error: the config field, or the environment variable it came from. */
export interface SettingNames {
  timeZone: string;
  days: string;
  hours: string;
  holidayCountry: string;
  extraClosedDates: string;
}
const FIELD_NAMES: SettingNames = {
  timeZone: 'timeZone',
  days: 'days',
  hours: 'open/close',
  holidayCountry: 'holidayCountry',
  extraClosedDates: 'extraClosedDates',
};

function invalid(setting: string, message: string): VentanillaError {
  return new VentanillaError(ErrorCode.CONFIG_INVALID, `${setting}: ${message}`, { setting });
}

/** "08:00" -> 480. "24:00" only where allowEndOfDay (a closing time). */
export function parseClock(text: string, setting: string, allowEndOfDay: boolean): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  const ok = m !== null && Number(m[2]) < 60 && (minutes < 1440 || (allowEndOfDay && minutes === 1440));
  if (!ok) throw invalid(setting, `expected a time HH:MM such as 08:00${allowEndOfDay ? ' (or 24:00)' : ''}, got '${text}'`);
  return minutes;
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** "1-5", "1,2,3,4,5", "1-3,5" -> sorted ISO weekdays. */
export function parseDaySpec(text: string, setting: string): number[] {
  const days = new Set<number>();
  const bad = () => invalid(setting, `expected ISO weekdays 1=Monday..7=Sunday as "1-5" or "1,2,3,4,5", got '${text}'`);
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^([1-7])(?:\s*-\s*([1-7]))?$/.exec(part);
    if (!m) throw bad();
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw bad();
    for (let d = from; d <= to; d++) days.add(d);
  }
  return [...days].sort((a, b) => a - b);
}

export function isIsoDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text, { zone: 'UTC' }).isValid;
}

export function resolveCalendar(partial: Partial<CalendarConfig> = {}, names: SettingNames = FIELD_NAMES): ResolvedCalendar {
  // An explicit undefined means "the default", as a missing key does (a spread alone would copy the undefined).
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<CalendarConfig>;
  const config: CalendarConfig = { ...DEFAULT_CALENDAR, ...given };
  if (typeof config.timeZone !== 'string' || !IANAZone.isValidZone(config.timeZone)) {
    throw invalid(names.timeZone, `unknown IANA time zone '${String(config.timeZone)}' (expected e.g. America/Mexico_City)`);
  }
  // An empty week would make every search for the next opening run forever: refuse it here, once.
  if (!Array.isArray(config.days) || config.days.length === 0) {
    throw invalid(names.days, 'a calendar needs at least one business day (ISO weekdays 1=Monday..7=Sunday)');
  }
  for (const d of config.days) {
    if (!Number.isInteger(d) || d < 1 || d > 7) throw invalid(names.days, `expected ISO weekdays 1..7, got ${String(d)}`);
  }
  const openMinute = parseClock(config.open, names.hours, false);
  const closeMinute = parseClock(config.close, names.hours, true);
  if (closeMinute <= openMinute) {
    throw invalid(names.hours, `closing time ${config.close} must be after opening time ${config.open} (overnight hours are not supported)`);
  }
  let holidayCountry: string | null = null;
  if (config.holidayCountry !== null && config.holidayCountry.trim() !== '') {
    holidayCountry = config.holidayCountry.trim().toUpperCase();
    if (!isHolidayCountry(holidayCountry)) {
      throw invalid(names.holidayCountry, `no holiday data for country '${config.holidayCountry}' (expected an ISO 3166 code such as MX)`);
    }
  }
  for (const date of config.extraClosedDates) {
    if (!isIsoDate(date)) throw invalid(names.extraClosedDates, `expected dates YYYY-MM-DD, got '${date}'`);
  }
  const days = [...new Set(config.days)].sort((a, b) => a - b);
  return {
    // Times are written back as HH:MM so that "8:00" and "08:00" describe the same way.
    config: { ...config, days, open: hhmm(openMinute), close: hhmm(closeMinute), holidayCountry, extraClosedDates: [...config.extraClosedDates] },
    days: new Set(days),
    openMinute,
    closeMinute,
    extraClosed: new Set(config.extraClosedDates),
  };
}

// --- Human description (the notification mails quote it) ---

export type DescribeLocale = 'es' | 'pt' | 'en';

const DAY_NAMES: Record<DescribeLocale, string[]> = {
  es: ['lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado', 'domingo'],
  pt: ['segunda', 'terça', 'quarta', 'quinta', 'sexta', 'sábado', 'domingo'],
  en: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
};
const WORDS: Record<DescribeLocale, { to: string; and: string; everyDay: string }> = {
  es: { to: 'a', and: 'y', everyDay: 'todos los días' },
  pt: { to: 'a', and: 'e', everyDay: 'todos os dias' },
  en: { to: 'to', and: 'and', everyDay: 'every day' },
};

// Zones of the countries served (DOMAIN.md), named as a customer would say them; es/pt carry their preposition
// because Portuguese contracts it with the article ("da Cidade do México", "de Lisboa"). Keys are lower case
// because zone names are matched case-insensitively; links (America/Buenos_Aires) are listed too.
const ZONE_NAMES: Record<string, [es: string, pt: string, en: string]> = {
  'america/mexico_city': ['de Ciudad de México', 'da Cidade do México', 'Mexico City'],
  'america/argentina/buenos_aires': ['de Buenos Aires', 'de Buenos Aires', 'Buenos Aires'],
  'america/buenos_aires': ['de Buenos Aires', 'de Buenos Aires', 'Buenos Aires'],
  'america/la_paz': ['de La Paz', 'de La Paz', 'La Paz'],
  'america/santiago': ['de Santiago de Chile', 'de Santiago do Chile', 'Santiago'],
  'america/bogota': ['de Bogotá', 'de Bogotá', 'Bogotá'],
  'america/costa_rica': ['de Costa Rica', 'da Costa Rica', 'Costa Rica'],
  'america/guayaquil': ['de Ecuador', 'do Equador', 'Ecuador'],
  'america/asuncion': ['de Asunción', 'de Assunção', 'Asunción'],
  'america/lima': ['de Lima', 'de Lima', 'Lima'],
  'america/santo_domingo': ['de Santo Domingo', 'de São Domingos', 'Santo Domingo'],
  'america/montevideo': ['de Montevideo', 'de Montevidéu', 'Montevideo'],
  'america/new_york': ['de Nueva York', 'de Nova Iorque', 'New York'],
  'america/chicago': ['de Chicago', 'de Chicago', 'Chicago'],
  'america/denver': ['de Denver', 'de Denver', 'Denver'],
  'america/los_angeles': ['de Los Ángeles', 'de Los Angeles', 'Los Angeles'],
  'europe/lisbon': ['de Lisboa', 'de Lisboa', 'Lisbon'],
  // Mexico's and Portugal's other zones: their ids drop the accents ("America/Cancun").
  'america/cancun': ['de Cancún', 'de Cancún', 'Cancún'],
  'america/merida': ['de Mérida', 'de Mérida', 'Mérida'],
  'america/mazatlan': ['de Mazatlán', 'de Mazatlán', 'Mazatlán'],
  'america/ciudad_juarez': ['de Ciudad Juárez', 'de Ciudad Juárez', 'Ciudad Juárez'],
  'atlantic/azores': ['de las Azores', 'dos Açores', 'Azores'],
  'atlantic/madeira': ['de Madeira', 'da Madeira', 'Madeira'],
};

/** "hora de Ciudad de México" / "hora da Cidade do México" / "Mexico City time": the hours' footer and every date in mail. */
export function zonePhrase(timeZone: string, locale: DescribeLocale): string {
  const known = ZONE_NAMES[timeZone.toLowerCase()];
  if (known) {
    const [es, pt, en] = known;
    return locale === 'es' ? `hora ${es}` : locale === 'pt' ? `hora ${pt}` : `${en} time`;
  }
  // Unknown zone: its last segment ("Asia/Kolkata" -> "Kolkata"); a bare "UTC" reads as an abbreviation.
  const place = (timeZone.split('/').pop() ?? timeZone).replace(/_/g, ' ');
  if (!timeZone.includes('/')) return locale === 'en' ? `${place} time` : `hora ${place}`;
  return locale === 'en' ? `${place} time` : `hora de ${place}`;
}

function describeDays(days: ReadonlySet<number>, locale: DescribeLocale): string {
  const { to, and, everyDay } = WORDS[locale];
  if (days.size === 7) return everyDay;
  const name = (d: number) => DAY_NAMES[locale][d - 1] ?? String(d);
  // Runs of three or more consecutive days read as a range ("lunes a viernes"); shorter ones are listed.
  const items: string[] = [];
  const sorted = [...days].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    const first = sorted[i] ?? 0;
    const last = sorted[j] ?? 0;
    if (j - i >= 2) items.push(`${name(first)} ${to} ${name(last)}`);
    else for (let k = i; k <= j; k++) items.push(name(sorted[k] ?? 0));
    i = j + 1;
  }
  return items.length === 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${and} ${items[items.length - 1] ?? ''}`;
}

/** The BCP 47 tag each language's dates and times are written with in mail. */
export const LOCALE_TAGS: Record<DescribeLocale, string> = { es: 'es-MX', pt: 'pt-PT', en: 'en-US' };

const clockFormats = new Map<DescribeLocale, Intl.DateTimeFormat>();

/**
 * A time of day as the mail's dates write theirs (formatInstant): "8:00 PM" in US English, "8:00 p.m." in
 * Mexican Spanish, "20:00" in Portugal. Written "20:00" beside a deadline at "4:15 PM", the hours read as if
 * two people had written the mail, and a US reader does not count in 24 hours.
 */
function clockTime(minuteOfDay: number, locale: DescribeLocale): string {
  let format = clockFormats.get(locale);
  if (!format) clockFormats.set(locale, (format = new Intl.DateTimeFormat(LOCALE_TAGS[locale], { timeStyle: 'short', timeZone: 'UTC' })));
  return format.format(new Date(minuteOfDay * 60_000));
}

export function describeCalendar(resolved: ResolvedCalendar, locale: DescribeLocale): string {
  const { timeZone } = resolved.config;
  const [open, close] = [clockTime(resolved.openMinute, locale), clockTime(resolved.closeMinute, locale)];
  const days = describeDays(resolved.days, locale);
  const zone = zonePhrase(timeZone, locale);
  if (locale === 'es') return `${days} de ${open} a ${close} (${zone})`;
  if (locale === 'pt') return `${days}, das ${open} às ${close} (${zone})`;
  return `${days[0]?.toUpperCase() ?? ''}${days.slice(1)}, ${open} to ${close} (${zone})`;
}
