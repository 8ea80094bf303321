// Writes dist/public-holidays.json: the public holidays of the countries served, two years back to eight
// years ahead of the build, as date-holidays and our rules give them (src/domain/public-holidays.ts). The
// program then reads dates instead of loading date-holidays (~2 MB of code) in every process; a year or a
// country outside the table is computed by the library, as before. Run by `npm run build`, after tsc.
import { writeFileSync, renameSync } from 'node:fs';
import { buildHolidayTable } from '../dist/src/domain/public-holidays.js';
import { holidayTablePath } from '../dist/src/domain/holiday-table.js';
import { SERVED_COUNTRIES } from '../dist/src/bulletins/countries.js';

const year = new Date().getUTCFullYear();
const table = buildHolidayTable(SERVED_COUNTRIES, year - 2, year + 8);
// Written whole, then renamed: a process starting during a build reads the old table or the new one.
writeFileSync(`${holidayTablePath}.tmp`, JSON.stringify(table));
renameSync(`${holidayTablePath}.tmp`, holidayTablePath);
