import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '../../../src/domain/business-clock.js';

// Business-time arithmetic (DOMAIN.md rules 3-6). Holidays, validation, description and environment are in
// calendar.test.ts.

const MX = 'America/Mexico_City';
const LISBON = 'Europe/Lisbon';
const SANTIAGO = 'America/Santiago';

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
const between = (a: string, b: string, cal = desk, zone = MX) => cal.businessHoursBetween(at(a, zone), at(b, zone));

describe('business days and opening hours', () => {
  it('isBusinessDay reads the local date in the calendar zone, not UTC', () => {
    const lateOnNewYear = at('2026-01-01T23:30'); // already Jan 2 in UTC
    expect(lateOnNewYear.toISOString().slice(0, 10)).toBe('2026-01-02');
    expect(desk.isBusinessDay(lateOnNewYear)).toBe(false);
    expect(desk.isBusinessDay(at('2026-01-02T00:00'))).toBe(true);
    expect(desk.isBusinessDay(at('2026-03-07T12:00'))).toBe(false); // Saturday
    expect(desk.isBusinessDay(at('2026-03-08T12:00'))).toBe(false); // Sunday
  });
  it.each([
    ['2026-03-03T07:59:59.999', false],
    ['2026-03-03T08:00', true],
    ['2026-03-03T13:00', true],
    ['2026-03-03T19:59:59.999', true],
    ['2026-03-03T20:00', false], // closing time itself is closed: [08:00, 20:00)
    ['2026-03-07T12:00', false],
    ['2026-03-16T12:00', false], // Benito Juárez, third Monday of March
  ])('isOpenAt %s -> %s', (iso, open) => {
    expect(desk.isOpenAt(at(iso))).toBe(open);
  });
  it.each([
    ['2026-03-03T10:00', 'Tue 2026-03-03 10:00'], // open: the instant itself
    ['2026-03-03T06:00', 'Tue 2026-03-03 08:00'],
    ['2026-03-06T20:00', 'Mon 2026-03-09 08:00'],
    ['2026-01-30T20:00', 'Tue 2026-02-03 08:00'], // Monday Feb 2 is Constitution Day
    ['2026-12-24T21:00', 'Mon 2026-12-28 08:00'],
    ['2026-12-31T20:00', 'Mon 2027-01-04 08:00'],
  ])('nextOpening %s -> %s', (iso, expected) => {
    expect(show(desk.nextOpening(at(iso)))).toBe(expected);
  });
});

describe('addBusinessHours', () => {
  it('60 h from Monday 08:00 is Friday 20:00 of the same week (rule 3)', () => {
    expect(add('2026-03-02T08:00', 60)).toBe('Fri 2026-03-06 20:00');
    expect(desk.addBusinessHours(at('2026-03-02T08:00'), 60).toISOString()).toBe('2026-03-07T02:00:00.000Z');
  });
  it('84 h from Monday 08:00 is the next Tuesday 20:00 (rule 4: 7 business days)', () => {
    expect(add('2026-03-02T08:00', 84)).toBe('Tue 2026-03-10 20:00');
    expect(add('2026-03-09T08:00', 84)).toBe('Wed 2026-03-18 20:00'); // skips Monday Mar 16
  });
  it('a deadline that uses the whole day stays at closing time; one millisecond more moves to the next day', () => {
    expect(add('2026-03-03T08:00', 12)).toBe('Tue 2026-03-03 20:00');
    expect(add('2026-03-03T19:00', 1)).toBe('Tue 2026-03-03 20:00');
    expect(add('2026-03-06T08:00', 12)).toBe('Fri 2026-03-06 20:00'); // not Monday 08:00
    expect(show(desk.addBusinessHours(at('2026-03-03T08:00'), 12 + 1 / 3_600_000), MX, true)).toBe('Wed 2026-03-04 08:00:00.001');
  });
  it('0 hours: the instant itself when open, else the next opening', () => {
    expect(add('2026-03-03T10:00', 0)).toBe('Tue 2026-03-03 10:00');
    expect(add('2026-03-03T08:00', 0)).toBe('Tue 2026-03-03 08:00');
    expect(add('2026-03-03T20:00', 0)).toBe('Wed 2026-03-04 08:00');
    expect(add('2026-03-07T10:00', 0)).toBe('Mon 2026-03-09 08:00');
  });
  it('a start at night, at closing time, on a weekend or on a holiday counts from the next opening', () => {
    expect(add('2026-03-03T23:00', 1)).toBe('Wed 2026-03-04 09:00');
    expect(add('2026-03-03T03:00', 1)).toBe('Tue 2026-03-03 09:00');
    expect(add('2026-03-03T20:00', 0.5)).toBe('Wed 2026-03-04 08:30');
    expect(add('2026-03-07T10:00', 2)).toBe('Mon 2026-03-09 10:00');
    expect(add('2026-03-08T23:59', 12)).toBe('Mon 2026-03-09 20:00');
    expect(add('2026-09-16T10:00', 1)).toBe('Thu 2026-09-17 09:00');
    expect(add('2026-11-16T08:00', 60)).toBe('Mon 2026-11-23 20:00');
  });
  it('crosses the year end: Jan 1 2027 (a Friday holiday) and the weekend are skipped', () => {
    expect(add('2026-12-30T14:00', 24)).toBe('Mon 2027-01-04 14:00');
    expect(add('2026-12-28T08:00', 60)).toBe('Mon 2027-01-04 20:00');
    expect(add('2026-12-29T10:00', 84)).toBe('Fri 2027-01-08 10:00');
  });
  it('extra closed dates close whole days', () => {
    expect(add('2026-12-23T08:00', 36)).toBe('Mon 2026-12-28 20:00');
    const company = new BusinessCalendar({ extraClosedDates: ['2026-12-24', '2026-12-31'] });
    expect(add('2026-12-23T08:00', 36, company)).toBe('Tue 2026-12-29 20:00');
    expect(company.isBusinessDay(at('2026-12-24T12:00'))).toBe(false);
    expect(show(company.nextOpening(at('2026-12-30T20:00')))).toBe('Mon 2027-01-04 08:00');
  });
  it('fractional hours are exact to the millisecond', () => {
    expect(add('2026-03-03T08:00', 0.5)).toBe('Tue 2026-03-03 08:30');
    expect(add('2026-03-03T19:45', 0.5)).toBe('Wed 2026-03-04 08:15');
    expect(show(desk.addBusinessHours(at('2026-03-03T10:00'), 0.1), MX, true)).toBe('Tue 2026-03-03 10:06:00.000');
    expect(show(desk.addBusinessHours(at('2026-03-03T10:00'), 1 / 60), MX, true)).toBe('Tue 2026-03-03 10:01:00.000');
    expect(add('2026-03-03T10:00', 1.25)).toBe('Tue 2026-03-03 11:15');
  });
  it('Mexico has no DST since 2022: the old change weekends keep UTC-6', () => {
    expect(desk.addBusinessHours(at('2026-04-03T14:00'), 12).toISOString()).toBe('2026-04-06T20:00:00.000Z');
    expect(desk.addBusinessHours(at('2026-10-23T14:00'), 12).toISOString()).toBe('2026-10-26T20:00:00.000Z');
  });
  it('rejects negative or non-finite hours and invalid dates', () => {
    const start = at('2026-03-03T10:00');
    for (const hours of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => desk.addBusinessHours(start, hours)).toThrow(RangeError);
    expect(() => desk.addBusinessHours(new Date(Number.NaN), 1)).toThrow(/valid Date/);
    expect(() => desk.isOpenAt(new Date(Number.NaN))).toThrow(RangeError);
  });
  it('10,000 h walks day by day, not minute by minute', () => {
    const start = at('2026-03-02T08:00');
    const fresh = new BusinessCalendar(); // nothing memoised yet
    const t0 = performance.now();
    const end = fresh.addBusinessHours(start, 10_000);
    const elapsed = performance.now() - t0;
    expect(fresh.businessHoursBetween(start, end)).toBe(10_000);
    expect(end.getTime() - start.getTime()).toBeGreaterThan((10_000 / 12) * 1.39 * 86_400_000);
    expect(elapsed).toBeLessThan(1_000); // about 0.1 s here, holidays of 4 years included
    const sundays = new BusinessCalendar({ days: [7], holidayCountry: null });
    expect(sundays.businessHoursBetween(start, sundays.addBusinessHours(start, 1_000))).toBe(1_000);
  });
});

describe('businessHoursBetween', () => {
  it.each([
    ['2026-03-03T10:00', '2026-03-03T10:00', 0],
    ['2026-03-03T11:00', '2026-03-03T10:00', 0], // b before a
    ['2026-03-03T09:00', '2026-03-03T10:30', 1.5],
    ['2026-03-03T19:00', '2026-03-04T09:00', 2],
    ['2026-03-03T20:00', '2026-03-04T08:00', 0],
    ['2026-03-06T19:00', '2026-03-09T09:00', 2],
    ['2026-03-07T00:00', '2026-03-08T23:59', 0],
    ['2026-01-30T19:00', '2026-02-03T09:00', 2], // over the Feb 2 holiday
    ['2026-03-02T00:00', '2026-03-08T23:59', 60],
    ['2026-12-30T14:00', '2027-01-04T14:00', 24],
    ['2026-01-01T00:00', '2027-01-01T00:00', 254 * 12], // 261 weekdays less 7 weekday holidays
    ['2027-01-01T00:00', '2028-01-01T00:00', 256 * 12], // 261 weekdays less 5
  ])('%s -> %s = %d h', (a, b, hours) => {
    expect(between(a, b)).toBe(hours);
  });
});

describe('zones with DST', () => {
  const lisbon = new BusinessCalendar({ timeZone: LISBON, holidayCountry: null });
  const lisbonAllWeek = new BusinessCalendar({ timeZone: LISBON, days: [1, 2, 3, 4, 5, 6, 7], open: '00:00', close: '12:00', holidayCountry: null });
  it('wall-clock hours hold across the change weekend (Lisbon, March 29 2026)', () => {
    const end = lisbon.addBusinessHours(at('2026-03-27T14:00', LISBON), 12);
    expect(show(end, LISBON)).toBe('Mon 2026-03-30 14:00');
    expect(end.toISOString()).toBe('2026-03-30T13:00:00.000Z'); // Friday was UTC+0, Monday is UTC+1
    expect(show(lisbon.nextOpening(at('2026-03-27T21:00', LISBON)), LISBON)).toBe('Mon 2026-03-30 08:00');
    expect(lisbon.businessHoursBetween(at('2026-10-23T19:00', LISBON), at('2026-10-26T09:00', LISBON))).toBe(2);
  });
  it('a business day on which the clocks change has 11 or 13 real hours', () => {
    expect(lisbonAllWeek.businessHoursBetween(at('2026-03-29T00:00', LISBON), at('2026-03-29T23:00', LISBON))).toBe(11);
    expect(show(lisbonAllWeek.addBusinessHours(at('2026-03-29T00:00', LISBON), 11), LISBON)).toBe('Sun 2026-03-29 12:00');
    expect(show(lisbonAllWeek.addBusinessHours(at('2026-03-28T00:00', LISBON), 23), LISBON)).toBe('Sun 2026-03-29 12:00');
    expect(lisbonAllWeek.isOpenAt(new Date('2026-03-29T00:30:00Z'))).toBe(true); // 00:30 WET
    expect(lisbonAllWeek.isOpenAt(new Date('2026-03-29T01:00:00Z'))).toBe(true); // 02:00 WEST
    expect(lisbonAllWeek.businessHoursBetween(at('2026-03-23T00:00', LISBON), at('2026-03-30T00:00', LISBON))).toBe(83);
    expect(lisbonAllWeek.businessHoursBetween(at('2026-10-25T00:00', LISBON), at('2026-10-25T23:00', LISBON))).toBe(13);
    expect(lisbonAllWeek.addBusinessHours(at('2026-10-25T00:00', LISBON), 13).toISOString()).toBe('2026-10-25T12:00:00.000Z');
  });
  it('an opening time that the gap skips opens when the gap ends; a repeated one at its first occurrence', () => {
    const early = new BusinessCalendar({ timeZone: LISBON, days: [7], open: '01:30', close: '12:00', holidayCountry: null });
    expect(early.nextOpening(at('2026-03-28T12:00', LISBON)).toISOString()).toBe('2026-03-29T01:00:00.000Z'); // 02:00 WEST
    expect(early.nextOpening(at('2026-10-24T12:00', LISBON)).toISOString()).toBe('2026-10-25T00:30:00.000Z'); // first 01:30
  });
  it('Santiago changes at midnight: the Sunday without 00:00 and the 25-hour Saturday', () => {
    const sundays = new BusinessCalendar({ timeZone: SANTIAGO, days: [7], open: '00:00', close: '12:00', holidayCountry: null });
    expect(sundays.nextOpening(at('2026-09-05T12:00', SANTIAGO)).toISOString()).toBe('2026-09-06T04:00:00.000Z'); // 01:00 -03
    expect(sundays.businessHoursBetween(new Date('2026-09-05T12:00Z'), new Date('2026-09-07T00:00Z'))).toBe(11);
    const always = new BusinessCalendar({ timeZone: SANTIAGO, days: [1, 2, 3, 4, 5, 6, 7], open: '00:00', close: '24:00', holidayCountry: null });
    expect(always.businessHoursBetween(at('2026-04-04T00:00', SANTIAGO), at('2026-04-05T00:00', SANTIAGO))).toBe(25);
    expect(always.businessHoursBetween(at('2026-09-06T01:00', SANTIAGO), at('2026-09-07T00:00', SANTIAGO))).toBe(23);
    const weekdays = new BusinessCalendar({ timeZone: SANTIAGO, holidayCountry: 'CL' });
    expect(show(weekdays.addBusinessHours(at('2026-09-04T14:00', SANTIAGO), 12), SANTIAGO)).toBe('Mon 2026-09-07 14:00');
  });
});

describe('properties (fast-check)', () => {
  // Instants 2026-2027 on a one-minute grid, so that wall-clock oracles below can step in whole minutes.
  const instant = fc.integer({ min: Date.UTC(2026, 0, 1) / 60_000, max: Date.UTC(2027, 11, 20) / 60_000 }).map((m) => new Date(m * 60_000));
  const calendars = [desk, new BusinessCalendar({ timeZone: LISBON, holidayCountry: 'PT' }), new BusinessCalendar({ timeZone: SANTIAGO, days: [1, 2, 3, 4, 5, 6, 7], open: '00:00', close: '12:00' })];

  it('businessHoursBetween(a, addBusinessHours(a, h)) = h', () => {
    for (const cal of calendars) {
      fc.assert(
        fc.property(instant, fc.double({ min: 0, max: 400, noNaN: true }), (a, h) => {
          expect(cal.businessHoursBetween(a, cal.addBusinessHours(a, h))).toBeCloseTo(h, 6);
        }),
        { numRuns: 300 },
      );
    }
  });
  it('addBusinessHours(a, businessHoursBetween(a, b)) = b inside opening hours, else the closing time before b', () => {
    for (const cal of calendars) {
      fc.assert(
        fc.property(instant, instant, (x, y) => {
          const [a, b] = x <= y ? [x, y] : [y, x];
          const hours = cal.businessHoursBetween(a, b);
          const back = cal.addBusinessHours(a, hours);
          if (hours === 0) expect(back.getTime()).toBe(cal.nextOpening(a).getTime());
          else if (cal.isOpenAt(b) && cal.isOpenAt(new Date(b.getTime() - 1))) expect(back.getTime()).toBe(b.getTime());
          else {
            // b is closed, or exactly an opening: the deadline is the closing time that precedes it.
            expect(back.getTime()).toBeLessThanOrEqual(b.getTime());
            expect(cal.isOpenAt(back)).toBe(false);
            expect(cal.businessHoursBetween(back, b)).toBe(0);
          }
        }),
        { numRuns: 300 },
      );
    }
  });
  it('adding in two steps equals adding once; later deadlines for more hours', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 6000 }), fc.integer({ min: 1, max: 6000 }), (a, m1, m2) => {
        const once = desk.addBusinessHours(a, (m1 + m2) / 60).getTime();
        expect(desk.addBusinessHours(desk.addBusinessHours(a, m1 / 60), m2 / 60).getTime()).toBe(once);
        expect(desk.addBusinessHours(a, m1 / 60).getTime()).toBeLessThan(once);
      }),
      { numRuns: 300 },
    );
  });

  // An independent oracle: open when the local wall clock on a business day reads [open, close), stepped a
  // quarter of an hour at a time (every zone here is a whole number of hours off UTC). Random calendars in zones with and without DST; whole-hour opening times (the zones here change
  // on whole hours, so an opening never falls strictly inside a repeated hour, where wall readings are ambiguous).
  it('agrees with a wall-clock oracle, stepped by quarter hours, on random calendars', () => {
    const quarter = fc.integer({ min: Date.UTC(2026, 0, 1) / 900_000, max: Date.UTC(2027, 11, 20) / 900_000 }).map((q) => new Date(q * 900_000));
    const config = fc.record({
      timeZone: fc.constantFrom(MX, LISBON, SANTIAGO, 'America/New_York', 'UTC'),
      days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      hours: fc.uniqueArray(fc.integer({ min: 0, max: 24 }), { minLength: 2, maxLength: 2 }).map((h) => h.sort((p, q) => p - q)),
      extraClosedDates: fc.array(fc.integer({ min: 0, max: 729 }).map((d) => DateTime.utc(2026, 1, 1).plus({ days: d }).toISODate() ?? ''), { maxLength: 30 }),
    });
    fc.assert(
      fc.property(config, quarter, fc.integer({ min: 1, max: 4 * 24 * 4 }), (c, start, quarters) => {
        const minutes = quarters * 15;
        const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
        const cal = new BusinessCalendar({ timeZone: c.timeZone, days: c.days, open: hh(c.hours[0] ?? 0), close: hh(c.hours[1] ?? 24), holidayCountry: null, extraClosedDates: c.extraClosedDates });
        const openAt = (t: number) => {
          const local = DateTime.fromMillis(t, { zone: c.timeZone });
          const minute = local.hour * 60 + local.minute;
          return c.days.includes(local.weekday) && !c.extraClosedDates.includes(local.toISODate() ?? '') && minute >= (c.hours[0] ?? 0) * 60 && minute < (c.hours[1] ?? 24) * 60;
        };
        let t = start.getTime();
        let counted = 0;
        for (let steps = 0; counted < minutes; steps++, t += 900_000) {
          if (steps > 60 * 24 * 4) return; // a sparse calendar; covered by the properties above
          const open = openAt(t);
          if (open) counted += 15;
          if (steps % 7 === 0) expect(cal.isOpenAt(new Date(t)), `${new Date(t).toISOString()}`).toBe(open);
        }
        expect(cal.addBusinessHours(start, minutes / 60).toISOString()).toBe(new Date(t).toISOString());
        expect(cal.businessHoursBetween(start, new Date(t))).toBeCloseTo(minutes / 60, 9);
      }),
      { numRuns: 300 },
    );
  });
});

