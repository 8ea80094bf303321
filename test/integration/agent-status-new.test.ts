import { describe, expect, it } from 'vitest';
import { setTicketStatus } from '../../src/lifecycle/agent-actions.js';
import { ErrorCode, VentanillaError } from '../../src/errors.js';
import { mail } from '../support/app.js';
import { timeTravelSuite } from '../support/time-travel.js';

// "new" is where a ticket starts (DOMAIN.md statuses: registered, not yet analysed): no agent sets a ticket to it.
// The CLI refused `--status new`, but the domain function took it from any other caller (a script, the HTTP side
// later): on a new ticket it answered "already new", a ticket an agent had looked at all the same. Mexico City.

const suite = timeTravelSuite();
const MX = (local: string) => `${local}-06:00`;

describe('setting a ticket back to new, from code', () => {
  it('is refused with TRANSITION_REFUSED, on a new ticket and on an open one; nothing recorded, nobody mailed', async () => {
    const tt = await suite.start(MX('2026-11-23T09:00:00'));
    const fresh = (await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Subject: 'Timbrado falla', 'Message-ID': '<fresh@cliente.mx>' } }))).ticketNumber as number;
    const taken = (await tt.ingest(MX('2026-11-23T09:05:00'), mail({ headers: { Subject: 'Factura rechazada', 'Message-ID': '<taken@cliente.mx>' } }))).ticketNumber as number;
    await tt.agentSet(MX('2026-11-23T09:30:00'), taken, 'open');
    tt.take();
    const eventsBefore = [(await tt.ticket(fresh)).events.length, (await tt.ticket(taken)).events.length];

    for (const number of [fresh, taken]) {
      const refusal = await setTicketStatus(tt.app, { number, status: 'new', actor: 'agent:maria', now: new Date(MX('2026-11-23T10:00:00')) }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(VentanillaError);
      expect(refusal).toMatchObject({ code: ErrorCode.TRANSITION_REFUSED, message: expect.stringMatching(/^A ticket starts new and is never set back to it; allowed: open, pending, on_hold, solved, closed\.$/) });
    }

    await tt.flush();
    expect(tt.take()).toEqual([]);
    expect([(await tt.ticket(fresh)).status, (await tt.ticket(taken)).status]).toEqual(['new', 'open']);
    expect([(await tt.ticket(fresh)).events.length, (await tt.ticket(taken)).events.length]).toEqual(eventsBefore);
  });
});
