// The table of public holidays built with the project (scripts/holiday-table.mjs): the dates date-holidays and
// our own rules (public-holidays.ts) give for the countries served, a few years back and ahead of the build.
// Reading it costs ~1 ms; loading date-holidays costs every process ~0.15 s (see public-holidays.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';

export interface HolidayTable {
  /** The library that computed it, "date-holidays@3.37.0": a table from another version is not used. */
  library: string;
  /** Every country code the library knows (the calendar's configuration is checked against it). */
  countries: string[];
  /** Sorted local dates "YYYY-MM-DD" by country, then by year. */
  dates: Record<string, Record<string, string[]>>;
}

export const holidayTablePath = join(projectRoot, 'dist', 'public-holidays.json');

const requireHere = createRequire(import.meta.url);

/** The installed date-holidays, as a table names it (its package.json only: the library itself is not loaded). */
export function installedHolidayLibrary(): string {
  return `date-holidays@${(requireHere('date-holidays/package.json') as { version: string }).version}`;
}

/** The table at `path` if it was built by the installed library; null if missing, unreadable or from another version. */
export function readHolidayTable(path: string = holidayTablePath): HolidayTable | null {
  let table: HolidayTable;
  try {
    table = JSON.parse(readFileSync(path, 'utf8')) as HolidayTable;
  } catch {
    // Missing (not built yet) or damaged: the library computes the same dates, only more slowly.
    return null;
  }
  const wellFormed = Array.isArray(table?.countries) && typeof table.dates === 'object' && table.dates !== null;
  return wellFormed && table.library === installedHolidayLibrary() ? table : null;
}

let shared: HolidayTable | null | undefined;

/** The project's table, read once per process. */
export function projectHolidayTable(): HolidayTable | null {
  if (shared === undefined) shared = readHolidayTable();
  return shared;
}
