import { describe, expect, it } from 'vitest';
import { writtenDateOnDeskClock } from '../../../src/ingest/desk-date.js';

// A Date header without a zone ("Mon, 19 Jan 2026 10:00:00") is read on the desk's clock (BUSINESS_TIMEZONE), not
// the server's: mailparser reads it in the process's zone, so the same mail had another date on another server.

const MEXICO = 'America/Mexico_City';

describe('the Date header on the desk clock', () => {
  it('reads a time without a zone in the desk zone, whatever instant the parser made of it', () => {
    const expected = new Date('2026-01-19T16:00:00Z');
    for (const parsedIn of [new Date('2026-01-19T10:00:00Z'), new Date('2026-01-19T01:00:00Z')]) {
      expect(writtenDateOnDeskClock(parsedIn, 'Mon, 19 Jan 2026 10:00:00', MEXICO)).toEqual(expected);
    }
    expect(writtenDateOnDeskClock(null, '19 Jan 2026 10:00', MEXICO)).toEqual(expected);
    expect(writtenDateOnDeskClock(null, 'Mon, 19 Jan 2026 10:00:00 (CST)', MEXICO)).toEqual(expected);
    expect(writtenDateOnDeskClock(null, 'Mon,19 Jan 26 10:00:00', MEXICO)).toEqual(expected);
    expect(writtenDateOnDeskClock(null, 'Mon, 19 Jan 2026 10:00:00', 'Europe/Madrid')).toEqual(new Date('2026-01-19T09:00:00Z'));
  });

  it("keeps the parser's instant when the header gives a zone, or is no date it can read", () => {
    const parsed = new Date('2026-01-19T16:00:00Z');
    for (const written of ['Mon, 19 Jan 2026 10:00:00 -0600', 'Mon, 19 Jan 2026 16:00:00 GMT', 'Mon, 19 Jan 2026 10:00:00 CST', 'Mon, 19 Jan 2026 16:00:00 Z']) {
      expect(writtenDateOnDeskClock(parsed, written, MEXICO), written).toBe(parsed);
    }
    expect(writtenDateOnDeskClock(null, 'Lun, 19 Ene 2026 10:00:00', MEXICO)).toBeNull();
    expect(writtenDateOnDeskClock(parsed, undefined, MEXICO)).toBe(parsed);
    expect(writtenDateOnDeskClock(null, undefined, MEXICO)).toBeNull();
    expect(writtenDateOnDeskClock(parsed, 'Mon, 31 Feb 2026 10:00:00', MEXICO)).toBe(parsed);
  });
});
