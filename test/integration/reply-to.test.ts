import { describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// Where a customer's answer goes. The ticket's signed plus-address finds its ticket even when a mail client
// drops In-Reply-To; a server that refuses plus addressing (Microsoft 365 with it off, some hosted mail) would
// bounce those answers, so REPLY_TO_PLUS_ADDRESS=false uses the support address and threads by References.

const suite = timeTravelSuite();
let tt: TimeTravel;
const NOW = '2026-11-30T10:00:00-06:00';

const replyToOfLastMail = async () => {
  const row = await tt.app.db.outboxMail.findFirst({ orderBy: { id: 'desc' } });
  return (JSON.parse(String(row?.headers)) as { replyTo: string }).replyTo;
};

describe('Reply-To of the mail about a ticket', () => {
  it("is the ticket's signed plus-address by default", async () => {
    tt = await suite.start(NOW);
    const r = await tt.ingest(NOW, mail({ headers: { Subject: 'Consulta' } }));
    expect(await replyToOfLastMail()).toMatch(new RegExp(`^soporte\\+${r.ticketNumber}-[0-9a-f]+@example\\.test$`));
  });

  it('is the support address with REPLY_TO_PLUS_ADDRESS=false, and an answer still finds its ticket', async () => {
    tt = await suite.start(NOW, { REPLY_TO_PLUS_ADDRESS: 'false' });
    const r = await tt.ingest(NOW, mail({ headers: { Subject: 'Consulta' } }));
    expect(await replyToOfLastMail()).toBe('soporte@example.test');
    const [ack] = tt.take() as [SeenMail];
    const answer = await tt.answer('2026-11-30T11:00:00-06:00', ack, 'Un dato más.');
    expect(answer).toMatchObject({ outcome: 'comment', ticketNumber: r.ticketNumber });
  });
});
