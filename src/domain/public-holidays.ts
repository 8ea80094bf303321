// Public holidays of a country, year by year: from the table built with the project when it has the country
// and year (holiday-table.ts), from date-holidays otherwise. date-holidays brings moment-timezone with every
// zone's data and astronomia: ~2 MB of code that every command compiled at start, ~0.15 s of a ~1 s
// `ventanilla ingest -` from an MTA (measured; test/bench/HISTORY.md). It is loaded on first need only, with
// require, so that the calendar's API stays synchronous.
import { createRequire } from 'node:module';
import type HolidaysLibrary from 'date-holidays';
import { DateTime } from 'luxon';
import { type HolidayTable, installedHolidayLibrary, projectHolidayTable } from './holiday-table.js';

const requireHere = createRequire(import.meta.url);
let libraryClass: typeof HolidaysLibrary | undefined;
const library = (): typeof HolidaysLibrary => (libraryClass ??= requireHere('date-holidays') as typeof HolidaysLibrary);

/** date-holidays for one country, public holidays only, with the rules it does not have yet. */
function librarySource(country: string): HolidaysLibrary {
  const Holidays = library();
  const source = new Holidays(country, { types: ['public'] });
  if (country === 'MX') {
    // Ley Federal del Trabajo art. 74 (2014 reform, in force since the 2024 transition): the presidential
    // inauguration holiday moved from December 1 to October 1, every six years. date-holidays 3.37.0 still
    // has December 1 for 2024/2030; keep its rule for the years before 2024 and add October 1 from 2024 on.
    source.setHoliday('12-01 every 6 years since 1934', {
      name: { es: 'Transmisión del Poder Ejecutivo Federal', en: 'Change of Federal Government' },
      type: 'public',
      active: [{ to: '2023-12-31' }],
    });
    source.setHoliday('10-01 every 6 years since 2024', {
      name: { es: 'Transmisión del Poder Ejecutivo Federal', en: 'Change of Federal Government' },
      type: 'public',
      active: [{ from: '2024-01-01' }],
    });
  }
  return source;
}

/** Sorted local dates of one year's public holidays, computed by the library. */
function libraryDates(source: HolidaysLibrary, year: number): string[] {
  const dates = new Set<string>();
  for (const h of source.getHolidays(year)) {
    // Only type 'public': bank holidays (Mexico's Holy Thursday/Friday, Nov 2, Dec 12) and observances
    // (Mother's Day) are working days for the desk.
    if (h.type !== 'public') continue;
    // A holiday may last several days; count whole local days (a DST day lasts 23 or 25 hours).
    const length = Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / 86_400_000));
    const first = DateTime.fromISO(h.date.slice(0, 10), { zone: 'UTC' });
    for (let i = 0; i < length; i++) dates.add(first.plus({ days: i }).toISODate() ?? '');
  }
  return [...dates].sort();
}

/** Whether there is holiday data for an ISO 3166 country code (upper case). */
export function isHolidayCountry(code: string, table: HolidayTable | null = projectHolidayTable()): boolean {
  return table ? table.countries.includes(code) : code in new (library())().getCountries();
}

/** The table scripts/holiday-table.mjs writes: these countries, years `from` to `to`, by the library. */
export function buildHolidayTable(countries: readonly string[], from: number, to: number): HolidayTable {
  const dates: HolidayTable['dates'] = {};
  for (const country of countries) {
    const source = librarySource(country);
    const byYear: Record<string, string[]> = {};
    for (let year = from; year <= to; year++) byYear[year] = libraryDates(source, year);
    dates[country] = byYear;
  }
  return { library: installedHolidayLibrary(), countries: Object.keys(new (library())().getCountries()).sort(), dates };
}

export class PublicHolidays {
  private source: HolidaysLibrary | undefined;
  private readonly byYear = new Map<number, ReadonlySet<string>>();
  private readonly tabled: Record<string, string[]> | undefined;

  /** `table`: the project's by default; null computes everything with the library. */
  constructor(
    readonly country: string,
    table: HolidayTable | null = projectHolidayTable(),
  ) {
    this.tabled = table?.dates[country];
  }

  /** Sorted local dates of the year's public holidays. */
  dates(year: number): string[] {
    return [...this.forYear(year)].sort();
  }

  has(isoDate: string): boolean {
    return this.forYear(Number(isoDate.slice(0, 4))).has(isoDate);
  }

  private forYear(year: number): ReadonlySet<string> {
    let set = this.byYear.get(year);
    if (!set) {
      const dates = this.tabled?.[year] ?? libraryDates((this.source ??= librarySource(this.country)), year);
      set = new Set(dates);
      this.byYear.set(year, set);
    }
    return set;
  }
}
