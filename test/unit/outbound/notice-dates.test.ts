import { describe, expect, it } from 'vitest';
import { calendarFromEnv } from '../../../src/domain/business-clock.js';
import { formatInstant } from '../../../src/outbound/notice-context.js';

// A date in customer mail (answer-by time, closing deadline, survey expiry) is the business zone's wall time:
// it names that zone as the hours in the footer do, or a reader in Lisbon or New York takes it for their own.

const at = new Date('2026-12-02T22:00:00Z'); // 16:00 in Mexico City

describe('dates in customer mail', () => {
  it('name the business zone in the reader\'s language, as the footer does', () => {
    // The time's own form (16:00, 4:00 p.m.) is ICU's, which varies with Node's version; the zone is ours.
    expect(formatInstant(at, 'es', 'America/Mexico_City')).toMatch(/^miércoles, 2 de diciembre de 2026, 4:00\sp\.\s?m\. \(hora de Ciudad de México\)$/);
    expect(formatInstant(at, 'pt', 'America/Mexico_City')).toMatch(/^quarta-feira, 2 de dezembro de 2026 às 16:00 \(hora da Cidade do México\)$/);
    expect(formatInstant(at, 'en', 'America/Mexico_City')).toMatch(/^Wednesday, December 2, 2026 at 4:00\sPM \(Mexico City time\)$/);
    const footer = calendarFromEnv({});
    for (const locale of ['es', 'pt', 'en'] as const) {
      const zone = /\(([^)]+)\)$/.exec(formatInstant(at, locale, 'America/Mexico_City'))?.[1] ?? '';
      expect(footer.describeHours(locale)).toContain(`(${zone})`);
    }
  });

  it('and the footer\'s hours are written as those dates are: 8:00 AM to 8:00 PM in US English, not 08:00-20:00', () => {
    // One mail said "Response by: Monday, November 30, 2026 at 4:15 PM" above "Monday to Friday, 08:00-20:00".
    const footer = calendarFromEnv({});
    const clock = (locale: 'es' | 'pt' | 'en', utcHour: number) => /(\d{1,2}:\d{2}(?:\s?[ap]\.?\s?m\.?|\s[AP]M)?) \(/i.exec(formatInstant(new Date(Date.UTC(2026, 11, 2, utcHour)), locale, 'America/Mexico_City'))?.[1];
    // 14:00 and 02:00 UTC are 8:00 and 20:00 in Mexico City.
    expect(footer.describeHours('en')).toBe(`Monday to Friday, ${clock('en', 14)} to ${clock('en', 2 + 24)} (Mexico City time)`);
    expect(footer.describeHours('en')).toMatch(/^Monday to Friday, 8:00\sAM to 8:00\sPM \(Mexico City time\)$/);
    expect(footer.describeHours('es')).toBe(`lunes a viernes de ${clock('es', 14)} a ${clock('es', 2 + 24)} (hora de Ciudad de México)`);
    expect(footer.describeHours('pt')).toBe('segunda a sexta, das 08:00 às 20:00 (hora da Cidade do México)');
  });

  it('show another configured zone in its own wall time and name', () => {
    expect(formatInstant(at, 'pt', 'Europe/Lisbon')).toMatch(/2 de dezembro de 2026 às 22:00 \(hora de Lisboa\)$/);
    expect(formatInstant(at, 'en', 'Asia/Kolkata')).toMatch(/December 3, 2026 at 3:30\sAM \(Kolkata time\)$/);
  });
});
