import { describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { mail } from '../support/app.js';
import { postfixDsn, sentHeaders } from '../support/dsn.js';
import { timeTravelSuite, type TimeTravel } from '../support/time-travel.js';

// What the desk sees when a mail it sent comes back as a bounce: the ticket's note, the suppression, and
// what an agent is told when a later answer cannot go to the address.

const suite = timeTravelSuite();
let tt: TimeTravel;
const NOW = '2026-11-30T10:00:00-06:00';

/** A new ticket from ana@cliente.mx and the acknowledgement it got, as the outbox keeps it. */
async function acknowledgedTicket() {
  tt = await suite.start(NOW);
  const number = (await tt.ingest(NOW, mail({ headers: { Subject: 'No puedo timbrar' } }))).ticketNumber as number;
  tt.take();
  const ack = await tt.app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
  return { number, ack };
}

describe('a hard bounce of an acknowledgement', () => {
  it('an agent answering afterwards is told the answer was not mailed, and why', async () => {
    const { number, ack } = await acknowledgedTicket();
    const bounce = await tt.ingest('2026-11-30T10:10:00-06:00', postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(ack) }));
    expect(bounce).toMatchObject({ outcome: 'bounce', ticketNumber: number });

    const now = new Date('2026-11-30T11:00:00-06:00');
    const result = await replyToTicket(tt.app, { number, body: '¿Nos envía el XML?', status: 'pending', actor: 'agent:maria', now });
    await tt.flush();
    expect(tt.take()).toEqual([]);
    expect(result).toMatchObject({ mailed: false, notMailed: 'pending to ana@cliente.mx: the address is suppressed after bounces (ventanilla suppressions lift ana@cliente.mx)' });
    const ticket = await tt.ticket(number);
    expect(ticket.events.map((e) => e.type)).toEqual(['created', 'notification_bounced', 'agent_reply', 'notice_suppressed']);
  });
});
