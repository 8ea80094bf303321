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

// Ana, authorised, answers the same closed thread while Luis's follow-up is held: one event, so one follow-up. Hers is
// the follow-up (she may open tickets; his cannot be released before he is authorised), and his held one joins it:
// its mail stays held (not on her follow-up, nobody mailed) and goes onto her follow-up once Luis is authorised, the
// held ticket then closed, without a second "follow-up created" mail.

/** What a user sees: every ticket with its status, held flag and the senders of the mails on it. */
async function tickets() {
  const rows = await app.db.ticket.findMany({ orderBy: { number: 'asc' }, include: { messages: { where: { direction: 'in' }, orderBy: { id: 'asc' } }, followUpOf: true } });
  return rows.map((t) => ({ number: t.number, status: t.status, held: t.heldForAuthorisation, followUpOf: t.followUpOf?.number ?? null, from: t.messages.map((m) => m.fromAddress) }));
}

describe("an authorised colleague's reply to a closed ticket whose follow-up is held for another", () => {
  it('becomes the one follow-up; the held one joins it, its mail added there only once its sender is authorised', async () => {
    const { opened, tag } = await closedTicketOfAna();
    const subject = tag.Subject;
    const held = await ingest(mail({ headers: { From: 'luis@empresa.mx', Subject: subject }, body: 'Sigue sin timbrar.' }));
    expect(held.outcome).toBe('followup');

    const reply = await ingest(mail({ headers: { From: 'ana@empresa.mx', Subject: subject }, body: 'Confirmo, sigue sin timbrar.' }));
    expect(reply.outcome).toBe('followup');
    // One follow-up, hers, with her mail only: Luis's held words are not shown on it. His stays held (its
    // administrators are still to be asked about him), marked as joined to hers.
    expect((await tickets()).filter((t) => t.status !== 'closed')).toEqual([
      { number: held.ticketNumber, status: 'new', held: true, followUpOf: opened.ticketNumber, from: ['luis@empresa.mx'] },
      { number: reply.ticketNumber, status: 'new', held: false, followUpOf: opened.ticketNumber, from: ['ana@empresa.mx'] },
    ]);
    const heldTicket = await app.db.ticket.findUniqueOrThrow({ where: { number: held.ticketNumber as number }, include: { events: true } });
    expect(heldTicket.events.find((e) => e.type === 'joined_follow_up')?.detail).toBe(`#${reply.ticketNumber}`);
    // Nothing went to Luis, nor about his mail.
    expect(await app.db.outboxMail.count({ where: { primaryTo: 'luis@empresa.mx' } })).toBe(0);

    // His next mail to the closed thread, before his authorisation, is a comment on the follow-up, as when hers came first.
    const next = await ingest(mail({ headers: { From: 'luis@empresa.mx', Subject: subject }, body: 'Adjunto la captura.' }));
    expect(next).toMatchObject({ outcome: 'comment', ticketNumber: reply.ticketNumber });

    await authorise('luis@empresa.mx');
    // His held mail, the first written, is on her follow-up now; his held ticket closed, no second follow-up.
    const after = (await tickets()).filter((t) => t.status !== 'closed');
    expect(after).toEqual([{ number: reply.ticketNumber, status: 'new', held: false, followUpOf: opened.ticketNumber, from: ['luis@empresa.mx', 'ana@empresa.mx', 'luis@empresa.mx'] }]);
    const followUpMails = await app.db.outboxMail.findMany({ where: { template: 'follow_up_created' } });
    expect(followUpMails.map((m) => m.primaryTo)).toEqual(['ana@empresa.mx']);
  });

  it('when her follow-up was closed before he is authorised, his held one is released as it would have been', async () => {
    const { tag } = await closedTicketOfAna();
    const held = await ingest(mail({ headers: { From: 'luis@empresa.mx', Subject: tag.Subject }, body: 'Sigue sin timbrar.' }));
    const reply = await ingest(mail({ headers: { From: 'ana@empresa.mx', Subject: tag.Subject }, body: 'Confirmo.' }));
    await app.db.ticket.update({ where: { number: reply.ticketNumber as number }, data: { status: 'closed' } });
    await authorise('luis@empresa.mx');
    expect(await app.db.ticket.findUniqueOrThrow({ where: { number: held.ticketNumber as number } })).toMatchObject({ status: 'new', heldForAuthorisation: false });
    expect((await app.db.outboxMail.findMany({ where: { template: 'follow_up_created' } })).map((m) => m.primaryTo)).toEqual(['ana@empresa.mx', 'luis@empresa.mx']);
  });

  it('when her follow-up was closed and she followed the closed thread up again before he is authorised, his joins her newer follow-up: no second one', async () => {
    const { tag } = await closedTicketOfAna();
    const held = await ingest(mail({ headers: { From: 'luis@empresa.mx', Subject: tag.Subject }, body: 'Sigue sin timbrar.' }));
    const reply = await ingest(mail({ headers: { From: 'ana@empresa.mx', Subject: tag.Subject }, body: 'Confirmo.' }));
    await app.db.ticket.update({ where: { number: reply.ticketNumber as number }, data: { status: 'closed' } });
    const again = await ingest(mail({ headers: { From: 'ana@empresa.mx', Subject: tag.Subject }, body: 'Otra vez no timbra.' }));
    expect(again.outcome).toBe('followup');
    // His held ticket says whose follow-ups it joined, in turn.
    const joined = await app.db.ticketEvent.findMany({ where: { ticket: { number: held.ticketNumber as number }, type: 'joined_follow_up' }, orderBy: { id: 'asc' } });
    expect(joined.map((e) => e.detail)).toEqual([`#${reply.ticketNumber}`, `#${again.ticketNumber}`]);
    await authorise('luis@empresa.mx');
    const open = (await tickets()).filter((t) => t.status !== 'closed');
    expect(open).toEqual([{ number: again.ticketNumber, status: 'new', held: false, followUpOf: expect.any(Number), from: ['luis@empresa.mx', 'ana@empresa.mx'] }]);
    expect((await tickets()).find((t) => t.number === held.ticketNumber)).toMatchObject({ status: 'closed', from: [] });
    expect((await app.db.outboxMail.findMany({ where: { template: 'follow_up_created' } })).map((m) => m.primaryTo)).toEqual(['ana@empresa.mx', 'ana@empresa.mx']);
  });

  it('the order the other way round: her follow-up first, his reply is a comment on it (unchanged)', async () => {
    const { tag } = await closedTicketOfAna();
    const subject = tag.Subject;
    const reply = await ingest(mail({ headers: { From: 'ana@empresa.mx', Subject: subject }, body: 'Sigue sin timbrar.' }));
    const his = await ingest(mail({ headers: { From: 'luis@empresa.mx', Subject: subject }, body: 'A mí tampoco.' }));
    expect(his).toMatchObject({ outcome: 'comment', ticketNumber: reply.ticketNumber });
  });

  it('a held follow-up of another closed ticket is left alone', async () => {
    const { tag } = await closedTicketOfAna();
    const subject = tag.Subject;
    const other = await ingest(mail({ headers: { From: 'ana@empresa.mx', Subject: 'Reporte vacío' } }));
    await app.db.ticket.update({ where: { number: other.ticketNumber as number }, data: { status: 'closed' } });
    const held = await ingest(mail({ headers: { From: 'luis@empresa.mx', Subject: subject }, body: 'Sigue sin timbrar.' }));
    await ingest(mail({ headers: { From: 'ana@empresa.mx', Subject: `Re: [#${other.ticketNumber}] Reporte vacío` }, body: 'Otra vez vacío.' }));
    expect(await app.db.ticket.findUniqueOrThrow({ where: { number: held.ticketNumber as number } })).toMatchObject({ status: 'new', heldForAuthorisation: true });
  });
});
