import { describe, expect, it } from 'vitest';
import { businessPeriod } from '../../../src/outbound/locale.js';

// The window a pending or solved notice states ("5 business days") follows PENDING_CLOSE_HOURS and
// SOLVED_CLOSE_HOURS and the calendar's day: days when the hours make whole business days, else hours.

describe('businessPeriod', () => {
  it('says whole business days of the calendar\'s length in each language', () => {
    expect(businessPeriod(60, 12, 'es')).toBe('5 días hábiles');
    expect(businessPeriod(84, 12, 'pt')).toBe('7 dias úteis');
    expect(businessPeriod(24, 12, 'en')).toBe('2 business days');
    expect(businessPeriod(12, 12, 'es')).toBe('1 día hábil');
    expect(businessPeriod(9, 9, 'pt')).toBe('1 dia útil');
    expect(businessPeriod(45, 9, 'en')).toBe('5 business days');
  });

  it('says hours when they are not a whole number of days', () => {
    expect(businessPeriod(30, 12, 'es')).toBe('30 horas hábiles');
    expect(businessPeriod(1, 12, 'pt')).toBe('1 hora útil');
    expect(businessPeriod(1.5, 12, 'pt')).toBe('1,5 horas úteis');
    expect(businessPeriod(6, 12, 'en')).toBe('6 business hours');
    expect(businessPeriod(60, 10.5, 'en')).toBe('60 business hours');
  });
});
