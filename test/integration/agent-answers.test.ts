import { describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { mail } from '../support/app.js';
import { timeTravelSuite, type TimeTravel } from '../support/time-travel.js';

// What an agent's answer does to the ticket's status, as the customer reads it in the answer's mail (DOMAIN.md,
// statuses: "new" is registered, not yet analysed; "open" is support working on it). Mexico City, UTC-6.

const suite = timeTravelSuite();
let tt: TimeTravel;
const MX = (local: string) => `${local}-06:00`;

describe('an agent answers a new ticket without naming a status', () => {
  it('the ticket is open, and the answer says so (it said "Estado actual del ticket: Nuevo")', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const created = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Subject: 'Timbrado falla' } }));
    const number = created.ticketNumber as number;
    tt.take();
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Estamos revisando su caso con el PAC.');
    const [answer, ...rest] = tt.take();
    expect(rest).toEqual([]);
    expect(answer?.text).toContain('Estamos revisando su caso con el PAC.');
    expect(answer?.text).toContain('Estado actual del ticket: Abierto.');
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect(ticket.events.at(-1)).toMatchObject({ type: 'agent_reply', fromStatus: 'new', toStatus: 'open' });
  });

  it('an internal note leaves it new: the customer has heard nothing yet', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const number = (await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Subject: 'Timbrado falla' } }))).ticketNumber as number;
    tt.take();
    await replyToTicket(tt.app, { number, body: 'Parece del PAC.', internal: true, actor: 'agent:maria', now: new Date(MX('2026-11-23T10:00:00')) });
    expect((await tt.ticket(number)).status).toBe('new');
  });
});
