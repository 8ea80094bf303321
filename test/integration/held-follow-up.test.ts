import { afterEach, describe, expect, it } from 'vitest';
import { addOrganisation, authoriseContact } from '../../src/lifecycle/access-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// Under UNKNOWN_SENDER_POLICY=hold, a reply to a closed ticket from a colleague not yet authorised opens a follow-up
// held for authorisation. Their next mail to the same closed thread (the screenshot sent a minute later) is about
// the same event (DOMAIN.md rule 1): it joins their held follow-up, as it would one not held, rather than opening a
// second held ticket that the authorisation releases, and acknowledges, beside the first.

let app: TestApp;
const clock = new Date('2026-11-24T16:00:00Z');
afterEach(async () => app?.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const authorise = (email: string) => inTransaction(app.db, (tx) => authoriseContact(tx, app.lifecycle, { email, actor: 'agent:test', now: clock }));

/** Ana's ticket, closed, and the headers of her colleague Luis's replies to it (Luis not authorised). */
async function closedTicketOfAna() {
  app = await createTestApp({ UNKNOWN_SENDER_POLICY: 'hold' }, () => clock);
  await inTransaction(app.db, (tx) =>
    addOrganisation(tx, app.lifecycle, { name: 'Empresa S.A.', domains: ['empresa.mx'], country: 'MX', admin: 'admin@empresa.mx', actor: 'agent:test', now: clock }),
  );
  await authorise('ana@empresa.mx');
  const opened = await ingest(mail({ headers: { From: 'ana@empresa.mx', Subject: 'Error al timbrar' } }));
  await app.db.ticket.update({ where: { number: opened.ticketNumber as number }, data: { status: 'closed' } });
  return { opened, tag: { From: 'luis@empresa.mx', Subject: `Re: [#${opened.ticketNumber}] Error al timbrar` } };
}

describe('a closed ticket answered again by a colleague whose follow-up is held', () => {
  it('joins that held follow-up: one ticket, one acknowledgement once authorised', async () => {
    const { opened, tag } = await closedTicketOfAna();

    const first = await ingest(mail({ headers: tag, body: 'Sigue sin timbrar.' }));
    expect(first).toMatchObject({ outcome: 'followup' });
    const again = await ingest(mail({ headers: tag, body: 'Adjunto la captura.' }));
    expect(again).toMatchObject({ outcome: 'comment', ticketNumber: first.ticketNumber });
    expect(await app.db.ticket.count()).toBe(2);

    await authorise('luis@empresa.mx');
    const acks = await app.db.outboxMail.findMany({ where: { primaryTo: 'luis@empresa.mx' } });
    expect(acks.map((m) => m.template)).toEqual(['follow_up_created']);
  });

  it("one an agent closed without releasing it is no longer theirs to join: their next mail follows up the customer's ticket", async () => {
    const { opened, tag } = await closedTicketOfAna();
    const first = await ingest(mail({ headers: tag, body: 'Sigue sin timbrar.' }));
    await app.db.ticket.update({ where: { number: first.ticketNumber as number }, data: { status: 'closed' } });

    const again = await ingest(mail({ headers: tag, body: 'Otra vez.' }));
    expect(again.outcome).toBe('followup');
    expect(again.ticketNumber).not.toBe(first.ticketNumber);
    const t = await app.db.ticket.findUniqueOrThrow({ where: { number: again.ticketNumber as number }, include: { followUpOf: true } });
    expect(t.followUpOf?.number).toBe(opened.ticketNumber);
    // And the mail after it joins that new held follow-up, still held and open.
    expect(await ingest(mail({ headers: tag, body: 'Y otra.' }))).toMatchObject({ outcome: 'comment', ticketNumber: again.ticketNumber });
  });
});
