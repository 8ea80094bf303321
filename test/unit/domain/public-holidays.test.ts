// Public holidays come from the table built with the project (dist/public-holidays.json, scripts/holiday-table.mjs)
// when it has the country and the year, and from date-holidays otherwise: the same dates either way, and a
// process whose calendar the table covers never loads the library.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SERVED_COUNTRIES } from '../../../src/bulletins/countries.js';
import { type HolidayTable, holidayTablePath, installedHolidayLibrary, readHolidayTable } from '../../../src/domain/holiday-table.js';
import { PublicHolidays, buildHolidayTable, isHolidayCountry } from '../../../src/domain/public-holidays.js';
import { projectRoot } from '../../../src/paths.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ventanilla-holidays-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const fromLibrary = (country: string, year: number) => new PublicHolidays(country, null).dates(year);

describe('the holiday table built with the project', () => {
  it('exists after the build, from the installed library, and gives what the library gives for every country and year in it', () => {
    const table = readHolidayTable();
    expect(table, `${holidayTablePath} is missing or from another date-holidays: run npm run build`).not.toBeNull();
    if (!table) return;
    expect(table.library).toBe(installedHolidayLibrary());
    expect(Object.keys(table.dates).sort()).toEqual([...SERVED_COUNTRIES].sort());
    const thisYear = new Date().getUTCFullYear();
    for (const [country, byYear] of Object.entries(table.dates)) {
      expect(Object.keys(byYear)).toContain(String(thisYear));
      expect(Object.keys(byYear)).toContain(String(thisYear + 1));
      for (const [year, dates] of Object.entries(byYear)) expect(dates, `${country} ${year}`).toEqual(fromLibrary(country, Number(year)));
    }
    expect(table.countries).toContain('MX');
    expect(table.countries).not.toContain('XX');
  });

  it('a table written by another date-holidays, a damaged one or none at all is not used', () => {
    const path = join(tmp, 'table.json');
    expect(readHolidayTable(path)).toBeNull();
    writeFileSync(path, '{"library": "date-holidays@3.37.0", "countr');
    expect(readHolidayTable(path)).toBeNull();
    const older: HolidayTable = { ...buildHolidayTable(['MX'], 2026, 2026), library: 'date-holidays@1.0.0' };
    writeFileSync(path, JSON.stringify(older));
    expect(readHolidayTable(path)).toBeNull();
    writeFileSync(path, JSON.stringify({ ...older, library: installedHolidayLibrary() }));
    expect(readHolidayTable(path)?.dates.MX?.['2026']).toEqual(fromLibrary('MX', 2026));
  });
});

describe('PublicHolidays', () => {
  it('reads the table for the years it has, and asks the library for the others', () => {
    // A made-up holiday shows which source answered.
    const table: HolidayTable = { library: installedHolidayLibrary(), countries: ['MX'], dates: { MX: { '2026': ['2026-06-15'] } } };
    const mx = new PublicHolidays('MX', table);
    expect(mx.dates(2026)).toEqual(['2026-06-15']);
    expect(mx.has('2026-06-15')).toBe(true);
    expect(mx.has('2026-01-01')).toBe(false);
    expect(mx.dates(2027)).toEqual(fromLibrary('MX', 2027));
    expect(mx.has('2027-01-01')).toBe(true);
    // A country the table lacks: the library, the MX rules apart.
    expect(new PublicHolidays('JP', table).dates(2026)).toEqual(fromLibrary('JP', 2026));
  });

  it('the MX rule of October 1 every six years from 2024 holds with and without the table', () => {
    const table = buildHolidayTable(['MX'], 2023, 2031);
    for (const year of [2024, 2030]) {
      expect(table.dates.MX?.[year]).toContain(`${year}-10-01`);
      expect(table.dates.MX?.[year]).not.toContain(`${year}-12-01`);
    }
    expect(fromLibrary('MX', 2018)).toContain('2018-12-01');
    expect(new PublicHolidays('MX', table).dates(2030)).toEqual(fromLibrary('MX', 2030));
  });

  it('knows a country from the table, or from the library without one', () => {
    const table: HolidayTable = { library: installedHolidayLibrary(), countries: ['MX', 'PT'], dates: {} };
    expect(isHolidayCountry('PT', table)).toBe(true);
    expect(isHolidayCountry('JP', table)).toBe(false);
    expect(isHolidayCountry('JP', null)).toBe(true);
    expect(isHolidayCountry('XX', null)).toBe(false);
  });
});

describe('loading', () => {
  it('a process whose calendar the table covers does not load date-holidays; one that needs another year does', () => {
    const run = (year: number) =>
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { createRequire } from 'node:module';
           import { BusinessCalendar } from './dist/src/domain/business-clock.js';
           const calendar = new BusinessCalendar({ holidayCountry: 'MX' });
           const closed = calendar.publicHolidays(${year}).length;
           const deadline = calendar.addBusinessHours(new Date(Date.UTC(${year}, 2, 13, 15)), 84).toISOString();
           const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => /date-holidays(-parser)?\\/(lib|src)|moment-timezone/.test(p));
           process.stdout.write(JSON.stringify({ closed, deadline, loaded }));`,
        ],
        { cwd: projectRoot, encoding: 'utf8' },
      );
    const thisYear = new Date().getUTCFullYear();
    const covered = JSON.parse(run(thisYear)) as { closed: number; loaded: string[] };
    expect(covered.closed).toBeGreaterThanOrEqual(7);
    expect(covered.loaded).toEqual([]);
    const beyond = JSON.parse(run(thisYear + 40)) as { closed: number; loaded: string[] };
    expect(beyond.closed).toBeGreaterThanOrEqual(7);
    expect(beyond.loaded.length).toBeGreaterThan(0);
  });

  it('the shipped bundle leaves date-holidays out (it is required from node_modules when needed)', () => {
    const bundleDir = join(projectRoot, 'dist', 'bundle');
    for (const file of readdirSync(bundleDir).filter((f) => f.endsWith('.js'))) {
      expect(readFileSync(join(bundleDir, file), 'utf8'), file).not.toMatch(/date-holidays-parser|moment-timezone/);
    }
  });
});
