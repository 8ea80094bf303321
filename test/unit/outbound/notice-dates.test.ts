import { describe, expect, it } from 'vitest';
import { calendarFromEnv } from '../../../src/domain/business-clock.js';
import { formatInstant } from '../../../src/outbound/notices.js';

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

  it('show another configured zone in its own wall time and name', () => {
    expect(formatInstant(at, 'pt', 'Europe/Lisbon')).toMatch(/2 de dezembro de 2026 às 22:00 \(hora de Lisboa\)$/);
    expect(formatInstant(at, 'en', 'Asia/Kolkata')).toMatch(/December 3, 2026 at 3:30\sAM \(Kolkata time\)$/);
  });
});
