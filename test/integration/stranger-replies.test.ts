import { describe, expect, it } from 'vitest';
import { authoriseContact } from '../../src/lifecycle/access-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// Someone who takes no part in a customer's ticket (not its requester, a CC, a colleague of the same organisation)
// answers one of its notices: a customer's mail forwarded to them, or the notice itself. Mexico City, UTC-6.

const suite = timeTravelSuite();
let tt: TimeTravel;
const MX = (local: string) => `${local}-06:00`;

async function answeredTicket(status: 'solved' | 'pending'): Promise<{ number: number; notice: SeenMail }> {
  tt = await suite.start(MX('2026-11-23T09:00:00'));
  const r = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Subject: 'Error al timbrar', Cc: 'luis@cliente.mx' } }));
  tt.take();
  await tt.agentReply(MX('2026-11-23T10:00:00'), r.ticketNumber as number, 'Actualice a la versión 5.2.', status);
  const [notice] = tt.take();
  return { number: r.ticketNumber as number, notice: notice as SeenMail };
}

describe("a stranger's answer to a customer's ticket", () => {
  it('solved: it reopens nothing and the customer hears nothing; it opens a ticket of the stranger\'s own', async () => {
    const { number, notice } = await answeredTicket('solved');
    const r = await tt.answer(MX('2026-11-23T11:00:00'), notice, 'Nosotros también tenemos ese error.', 'extrano@otro.example');
    expect(r).toMatchObject({ outcome: 'created', detail: 'followup-from-stranger' });
    expect(r.ticketNumber).not.toBe(number);
    const own = await tt.ticket(r.ticketNumber as number);
    expect(own).toMatchObject({ requester: 'extrano@otro.example', ccs: [], followUpOf: null, history: [] });
    const customers = await tt.ticket(number);
    expect(customers).toMatchObject({ status: 'solved', ccs: ['luis@cliente.mx'] });
    // The only mail is the stranger's acknowledgement: neither the customer nor her colleague is told of a "reopening".
    const mails = tt.take();
    expect(mails.map((m) => m.to)).toEqual([['extrano@otro.example']]);
    expect(mails[0]?.text).not.toContain(`#${number}`);
    // The customer's own answer still reopens her ticket.
    expect(await tt.answer(MX('2026-11-23T12:00:00'), notice, 'Sigue sin timbrar.')).toMatchObject({ outcome: 'reopened', ticketNumber: number });
  });

  it('solved, under UNKNOWN_SENDER_POLICY=reject: the stranger is screened as for any new mail', async () => {
    const { number, notice } = await answeredTicketUnder('reject');
    const r = await tt.answer(MX('2026-11-23T11:00:00'), notice, 'Me interesa.', 'extrano@otro.example');
    expect(r).toMatchObject({ outcome: 'rejected', ticketNumber: null });
    expect((await tt.ticket(number)).status).toBe('solved');
    expect(tt.take().map((m) => m.to)).toEqual([['extrano@otro.example']]);
  });

  it('pending: a comment the agents read, the ticket back with them; the stranger copies no one and the customer hears nothing', async () => {
    const { number, notice } = await answeredTicket('pending');
    const r = await tt.answer(MX('2026-11-23T11:00:00'), notice, 'Yo tengo el XML.', 'extrano@otro.example');
    expect(r).toMatchObject({ outcome: 'comment', ticketNumber: number });
    const t = await tt.ticket(number);
    expect(t).toMatchObject({ status: 'open', requester: 'ana@cliente.mx', ccs: ['luis@cliente.mx'] });
    expect(t.messages.at(-1)).toMatchObject({ direction: 'in', from: 'extrano@otro.example' });
    expect(tt.take()).toEqual([]);
  });

  it("open: the stranger's words are an internal note, and the customer's next mail names nothing of theirs", async () => {
    const { number, notice } = await answeredTicket('pending');
    await tt.answer(MX('2026-11-23T10:30:00'), notice, 'Adjunto el XML.');
    const stranger = mail({ headers: { From: 'extrano@otro.example', 'Message-ID': '<x1@mail.otro.example>', 'In-Reply-To': notice.messageId, Subject: `Re: ${notice.subject}` }, body: 'Yo también.' });
    expect(await tt.ingest(MX('2026-11-23T11:00:00'), stranger)).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect((await tt.ticket(number)).messages.at(-1)).toMatchObject({ from: 'extrano@otro.example', internal: true });
    await tt.agentReply(MX('2026-11-23T12:00:00'), number, 'Revisamos su XML.');
    const [answer] = await tt.app.db.outboxMail.findMany({ where: { template: 'answer' } });
    // Its In-Reply-To was the stranger's Message-ID (their mail server's name with it): a mail she never saw.
    expect(answer?.headers).not.toContain('otro.example');
  });

  it('pending, its window over and no tick since: a ticket of the stranger\'s own, and the customer\'s is closed by the tick, with her mail', async () => {
    const { number, notice } = await answeredTicket('pending');
    // Mon 23 Nov 10:00 + 60 business hours = Mon 30 Nov 10:00.
    const r = await tt.answer(MX('2026-11-30T10:00:10'), notice, 'Yo tengo el XML.', 'extrano@otro.example');
    expect(r).toMatchObject({ outcome: 'created', detail: 'followup-from-stranger' });
    expect(tt.take().map((m) => m.to)).toEqual([['extrano@otro.example']]);
    await tt.tick(MX('2026-11-30T10:00:30'));
    expect((await tt.ticket(number)).status).toBe('closed');
    expect(tt.take().map((m) => m.to)).toEqual([['ana@cliente.mx', 'luis@cliente.mx']]);
  });

  it('pending, its window over, under UNKNOWN_SENDER_POLICY=reject: the stranger is screened as for any new mail', async () => {
    const { notice } = await answeredTicketUnder('reject', 'pending');
    const r = await tt.answer(MX('2026-11-30T10:00:10'), notice, 'Me interesa.', 'extrano@otro.example');
    expect(r).toMatchObject({ outcome: 'rejected', ticketNumber: null });
  });
});

/** The same ticket, solved or pending, with an authorised customer under another UNKNOWN_SENDER_POLICY. */
async function answeredTicketUnder(policy: 'reject', status: 'solved' | 'pending' = 'solved'): Promise<{ number: number; notice: SeenMail }> {
  tt = await suite.start(MX('2026-11-23T09:00:00'), { UNKNOWN_SENDER_POLICY: policy });
  await inTransaction(tt.app.db, (tx) => authoriseContact(tx, tt.app.lifecycle, { email: 'ana@cliente.mx', actor: 'agent:test', now: tt.now() }));
  const r = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Subject: 'Error al timbrar' } }));
  expect(r.outcome).toBe('created');
  tt.take();
  await tt.agentReply(MX('2026-11-23T10:00:00'), r.ticketNumber as number, 'Actualice a la versión 5.2.', status);
  const [notice] = tt.take();
  return { number: r.ticketNumber as number, notice: notice as SeenMail };
}
