import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BusinessCalendar, type CalendarConfig, DEFAULT_CALENDAR, calendarFromEnv } from '../../../src/domain/business-clock.js';

// The calendar's configuration: holidays, validation, description, environment. The arithmetic on it is in
// business-clock.test.ts.

const MX = 'America/Mexico_City';
const LISBON = 'Europe/Lisbon';

/** A local wall time in a zone as a Date. */
function at(iso: string, zone = MX): Date {
  const dt = DateTime.fromISO(iso, { zone });
  if (!dt.isValid) throw new Error(`bad test date ${iso}`);
  return dt.toJSDate();
}
/** A Date shown as local wall time, with the weekday so that failures read easily. */
function show(date: Date, zone = MX, withMs = false): string {
  return DateTime.fromJSDate(date, { zone }).setLocale('en').toFormat(withMs ? 'ccc yyyy-MM-dd HH:mm:ss.SSS' : 'ccc yyyy-MM-dd HH:mm');
}

const desk = new BusinessCalendar();
const add = (iso: string, hours: number, cal = desk, zone = MX) => show(cal.addBusinessHours(at(iso, zone), hours), zone);

// The official list (Ley Federal del Trabajo art. 74), computed here without the holiday library.
function nthMonday(year: number, month: number, n: number): string {
  const first = DateTime.utc(year, month, 1);
  return first.plus({ days: ((8 - first.weekday) % 7) + 7 * (n - 1) }).toISODate() ?? '';
}
function officialMexicanHolidays(year: number): string[] {
  const dates = [`${year}-01-01`, nthMonday(year, 2, 1), nthMonday(year, 3, 3), `${year}-05-01`, `${year}-09-16`, nthMonday(year, 11, 3), `${year}-12-25`];
  if (year >= 2024 && (year - 2024) % 6 === 0) dates.push(`${year}-10-01`);
  return dates.sort();
}

describe('Mexican public holidays (date-holidays, public type only)', () => {
  it('2026 is the official list', () => {
    expect(desk.publicHolidays(2026)).toEqual(['2026-01-01', '2026-02-02', '2026-03-16', '2026-05-01', '2026-09-16', '2026-11-16', '2026-12-25']);
  });
  it('2027 is the official list', () => {
    expect(desk.publicHolidays(2027)).toEqual(['2027-01-01', '2027-02-01', '2027-03-15', '2027-05-01', '2027-09-16', '2027-11-15', '2027-12-25']);
  });
  it('the presidential transition is October 1 from 2024 on (not December 1), every six years', () => {
    for (const year of [2024, 2030, 2036]) {
      expect(desk.publicHolidays(year)).toContain(`${year}-10-01`);
      expect(desk.publicHolidays(year)).not.toContain(`${year}-12-01`);
    }
    expect(desk.isBusinessDay(at('2024-10-01T12:00'))).toBe(false);
    expect(desk.isBusinessDay(at('2030-10-01T12:00'))).toBe(false);
    expect(desk.isBusinessDay(at('2026-10-01T12:00'))).toBe(true);
    // Before the 2014 reform took effect it was December 1 (2018: a Saturday).
    expect(desk.publicHolidays(2018)).toContain('2018-12-01');
    expect(desk.publicHolidays(2018)).not.toContain('2018-10-01');
  });
  it('matches the law for every year 2024-2040', () => {
    for (let year = 2024; year <= 2040; year++) expect(desk.publicHolidays(year)).toEqual(officialMexicanHolidays(year));
  });
  it('every 2026 holiday on a weekday is a closed day', () => {
    for (const date of desk.publicHolidays(2026)) {
      const weekday = DateTime.fromISO(date).weekday;
      expect(desk.isBusinessDay(at(`${date}T12:00`))).toBe(false);
      if (weekday <= 5) expect(desk.isOpenAt(at(`${date}T12:00`))).toBe(false);
    }
  });
  it('bank holidays and observances are working days (Holy Thursday/Friday, Nov 2, Dec 12, Mother\'s Day)', () => {
    for (const date of ['2026-04-02', '2026-04-03', '2026-11-02', '2025-12-12', '2027-05-10']) {
      expect(desk.isBusinessDay(at(`${date}T12:00`)), date).toBe(true);
    }
  });
  it('another country, a lower-case code, and none', () => {
    const pt = new BusinessCalendar({ timeZone: LISBON, holidayCountry: 'pt' });
    expect(pt.config.holidayCountry).toBe('PT');
    expect(pt.isBusinessDay(at('2026-06-10T12:00', LISBON))).toBe(false); // Dia de Portugal, a Wednesday
    expect(desk.isBusinessDay(at('2026-06-10T12:00'))).toBe(true);
    const none = new BusinessCalendar({ holidayCountry: null });
    expect(none.isBusinessDay(at('2026-01-01T12:00'))).toBe(true);
    expect(none.publicHolidays(2026)).toEqual([]);
  });
});

describe('construction', () => {
  it('defaults: Monday-Friday 08:00-20:00 Mexico City, Mexican holidays', () => {
    expect(DEFAULT_CALENDAR).toEqual({ timeZone: MX, days: [1, 2, 3, 4, 5], open: '08:00', close: '20:00', holidayCountry: 'MX', extraClosedDates: [] });
    expect(Object.isFrozen(DEFAULT_CALENDAR)).toBe(true);
    expect(new BusinessCalendar().config).toEqual(DEFAULT_CALENDAR);
    expect(new BusinessCalendar({ timeZone: undefined, open: '8:00' }).config).toMatchObject({ timeZone: MX, open: '08:00' });
  });
  it.each<[string, Partial<CalendarConfig>, RegExp]>([
    ['no business days', { days: [] }, /days: a calendar needs at least one business day/],
    ['weekday 0', { days: [0, 1] }, /days: expected ISO weekdays 1..7, got 0/],
    ['weekday 8', { days: [8] }, /days: .*got 8/],
    ['fractional weekday', { days: [1.5] }, /days: .*got 1.5/],
    ['bad time zone', { timeZone: 'Mars/Olympus' }, /timeZone: unknown IANA time zone 'Mars\/Olympus'/],
    ['bad opening', { open: '25:00' }, /open\/close: expected a time HH:MM/],
    ['opening at 24:00', { open: '24:00', close: '24:00' }, /open\/close: expected a time/],
    ['minutes 60', { open: '08:60' }, /open\/close: expected a time/],
    ['closing before opening', { open: '20:00', close: '08:00' }, /closing time 08:00 must be after opening time 20:00/],
    ['empty day', { open: '08:00', close: '08:00' }, /must be after opening/],
    ['unknown country', { holidayCountry: 'XX' }, /holidayCountry: no holiday data for country 'XX'/],
    ['bad closed date', { extraClosedDates: ['2026-02-30'] }, /extraClosedDates: expected dates YYYY-MM-DD, got '2026-02-30'/],
  ])('rejects %s', (_name, config, message) => {
    expect(() => new BusinessCalendar(config)).toThrow(message);
  });
  it('24:00 closes at the end of the day; duplicate days are ignored', () => {
    const late = new BusinessCalendar({ days: [5, 1, 1], open: '18:00', close: '24:00' });
    expect(late.config.days).toEqual([1, 5]);
    expect(add('2026-03-02T18:00', 6, late)).toBe('Tue 2026-03-03 00:00');
    expect(late.isOpenAt(at('2026-03-02T23:59:59.999'))).toBe(true);
    expect(late.isOpenAt(at('2026-03-03T00:00'))).toBe(false);
  });
  it('is pure: the system clock does not change any answer', () => {
    const run = () => {
      const cal = new BusinessCalendar({ extraClosedDates: ['2026-12-24'] });
      return [cal.addBusinessHours(at('2026-12-23T10:00'), 30).toISOString(), cal.businessHoursBetween(at('2026-01-01T00:00'), at('2027-06-01T00:00')), cal.nextOpening(at('2026-12-24T10:00')).toISOString()];
    };
    const expected = run();
    vi.useFakeTimers();
    for (const now of ['1999-01-01T00:00:00Z', '2026-12-24T12:00:00Z', '2045-06-01T00:00:00Z']) {
      vi.setSystemTime(new Date(now));
      expect(run()).toEqual(expected);
    }
  });
  afterEach(() => {
    vi.useRealTimers();
  });
});

describe('describeHours', () => {
  it('the default calendar in es, pt and en', () => {
    // The times are written as the mails' dates are (ICU's form: its spaces vary with Node's version).
    expect(desk.describeHours('es')).toMatch(/^lunes a viernes de 8:00\sa\.\s?m\. a 8:00\sp\.\s?m\. \(hora de Ciudad de México\)$/);
    expect(desk.describeHours('pt')).toBe('segunda a sexta, das 08:00 às 20:00 (hora da Cidade do México)');
    expect(desk.describeHours('en')).toMatch(/^Monday to Friday, 8:00\sAM to 8:00\sPM \(Mexico City time\)$/);
  });
  it('other days, hours and zones', () => {
    const lisbon = new BusinessCalendar({ timeZone: LISBON, open: '9:00', close: '18:00', holidayCountry: 'PT' });
    expect(lisbon.describeHours('pt')).toBe('segunda a sexta, das 09:00 às 18:00 (hora de Lisboa)');
    const odd = new BusinessCalendar({ days: [1, 3, 5] });
    expect(odd.describeHours('es')).toMatch(/^lunes, miércoles y viernes de 8:00\sa\.\s?m\. a 8:00\sp\.\s?m\. \(hora de Ciudad de México\)$/);
    expect(odd.describeHours('en')).toMatch(/^Monday, Wednesday and Friday, 8:00\sAM to 8:00\sPM \(Mexico City time\)$/);
    expect(new BusinessCalendar({ days: [1, 2, 3, 5] }).describeHours('pt')).toContain('segunda a quarta e sexta, das');
    expect(new BusinessCalendar({ days: [6] }).describeHours('es')).toMatch(/^sábado de 8:00\sa\.\s?m\. a 8:00\sp\.\s?m\./);
    expect(new BusinessCalendar({ days: [1, 2, 3, 4, 5, 6, 7] }).describeHours('en')).toMatch(/^Every day, 8:00\sAM to 8:00\sPM/);
    expect(new BusinessCalendar({ days: [1, 2, 3, 4, 5, 6, 7] }).describeHours('pt')).toMatch(/^todos os dias, das 08:00/);
    expect(new BusinessCalendar({ timeZone: 'America/Argentina/Buenos_Aires' }).describeHours('es')).toContain('(hora de Buenos Aires)');
    // Mexico's other zones and Portugal's islands are named with their accents, not as the zone's id writes them.
    expect(new BusinessCalendar({ timeZone: 'America/Cancun' }).describeHours('es')).toContain('(hora de Cancún)');
    expect(new BusinessCalendar({ timeZone: 'America/Merida' }).describeHours('pt')).toContain('(hora de Mérida)');
    expect(new BusinessCalendar({ timeZone: 'America/Mazatlan' }).describeHours('en')).toContain('(Mazatlán time)');
    expect(new BusinessCalendar({ timeZone: 'America/Ciudad_Juarez' }).describeHours('es')).toContain('(hora de Ciudad Juárez)');
    expect(new BusinessCalendar({ timeZone: 'Atlantic/Azores' }).describeHours('pt')).toContain('(hora dos Açores)');
    expect(new BusinessCalendar({ timeZone: 'Atlantic/Madeira' }).describeHours('en')).toContain('(Madeira time)');
    expect(new BusinessCalendar({ timeZone: 'Asia/Kolkata' }).describeHours('en')).toContain('(Kolkata time)');
    expect(new BusinessCalendar({ timeZone: 'Asia/Kolkata' }).describeHours('es')).toContain('(hora de Kolkata)');
    expect(new BusinessCalendar({ timeZone: 'UTC' }).describeHours('es')).toContain('(hora UTC)');
  });
});

describe('calendarFromEnv', () => {
  it('an empty environment gives the default calendar', () => {
    expect(calendarFromEnv({}).config).toEqual(DEFAULT_CALENDAR);
    expect(calendarFromEnv({ BUSINESS_TIMEZONE: '', BUSINESS_DAYS: ' ', BUSINESS_HOURS: '', CLOSED_DATES: '' }).config).toEqual(DEFAULT_CALENDAR);
  });
  it('reads every variable', () => {
    const cal = calendarFromEnv({
      BUSINESS_TIMEZONE: LISBON,
      BUSINESS_DAYS: '1-3, 5',
      BUSINESS_HOURS: '09:00 - 18:00',
      HOLIDAY_COUNTRY: 'pt',
      CLOSED_DATES: '2026-12-24, 2026-12-31',
    });
    expect(cal.config).toEqual({ timeZone: LISBON, days: [1, 2, 3, 5], open: '09:00', close: '18:00', holidayCountry: 'PT', extraClosedDates: ['2026-12-24', '2026-12-31'] });
    expect(calendarFromEnv({ BUSINESS_DAYS: '1,2,3,4,5' }).config.days).toEqual([1, 2, 3, 4, 5]);
    expect(calendarFromEnv({ BUSINESS_DAYS: '1-5' }).config.days).toEqual([1, 2, 3, 4, 5]);
  });
  it('an empty HOLIDAY_COUNTRY means no holidays', () => {
    const cal = calendarFromEnv({ HOLIDAY_COUNTRY: '' });
    expect(cal.config.holidayCountry).toBeNull();
    expect(cal.isBusinessDay(at('2026-01-01T12:00'))).toBe(true);
  });
  it.each([
    ['BUSINESS_TIMEZONE', 'Mars/Olympus'],
    ['BUSINESS_DAYS', '0-5'],
    ['BUSINESS_DAYS', '5-1'],
    ['BUSINESS_DAYS', 'lunes'],
    ['BUSINESS_DAYS', '1,,2'],
    ['BUSINESS_HOURS', '9-18'],
    ['BUSINESS_HOURS', '08:00'],
    ['BUSINESS_HOURS', '20:00-08:00'],
    ['HOLIDAY_COUNTRY', 'ZZ'],
    ['CLOSED_DATES', '2026-12-24,24/12/2026'],
  ])('names %s in the error for %j', (variable, value) => {
    expect(() => calendarFromEnv({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });
});
