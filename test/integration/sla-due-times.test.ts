import { describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { timeTravelSuite, type TimeTravel } from '../support/time-travel.js';

// The SLA due time a mail states, once the target has passed: the instant it was reached, not the instant of
// the last status change, to the people escalated to; the customer is promised no time already gone ("a la
// brevedad posible"). Mexico City is UTC-6 all year.

const suite = timeTravelSuite();
let tt: TimeTravel;

const MX = (local: string) => `${local}-06:00`;
const URGENT = 'El timbrado está caído para toda la empresa.\nImpacto: Alto\nUrgencia: Alta';

describe('a first-response target already breached when the ticket changes status', () => {
  it('keeps its due time: the level-2 escalation reads 12:00, not the time of the change; the customer, "a la brevedad posible"', async () => {
    tt = await suite.start(MX('2026-11-23T10:00:00'));
    const r = await tt.ingest(MX('2026-11-23T10:00:00'), mail({ headers: { Subject: 'Timbrado caído' }, body: URGENT }));
    const number = r.ticketNumber as number;
    expect(tt.take()[0]?.text).toMatch(/Respuesta a más tardar: lunes, 23 de noviembre de 2026,? 12:00/);
    expect((await tt.tick(MX('2026-11-23T12:00:00'))).sla).toEqual({ escalated: 1 });
    tt.take();

    // 12:30: support takes the ticket up (no answer yet): the customer is told, and the due time passed is not
    // promised again (nor the time of the change given as one).
    await tt.agentSet(MX('2026-11-23T12:30:00'), number, 'open');
    const [inProgress, ...rest] = tt.take();
    expect(rest).toEqual([]);
    expect(inProgress?.text).toMatch(/Respuesta: a la brevedad posible/);
    expect(inProgress?.text).not.toMatch(/más tardar|12:00|12:30/);

    // 13:00, 150% of 2 h: level 2 says when the target was due.
    expect((await tt.tick(MX('2026-11-23T13:00:00'))).sla).toEqual({ escalated: 1 });
    const [level2] = tt.take();
    expect(level2?.text).toMatch(/Venció: lunes, 23 de noviembre de 2026,? 12:00 /);
  });
});
