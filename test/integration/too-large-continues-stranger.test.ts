// A mail too large to parse that continues a ticket is not held as a new mail (too-large-continues.ts). "Continues"
// was any stored Message-ID in In-Reply-To or References: a stranger who saw a customer's Message-ID (a list copy, a
// forwarded mail) passed the hold with a 25 MB mail naming it, its ticket opened, its clock running, its notice sent.
// Only a person of that ticket, or a reply to a Message-ID we signed for it, continues it.
import { afterEach, describe, expect, it } from 'vitest';
import { addOrganisation, authoriseContact } from '../../src/lifecycle/access-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

let app: TestApp;
const clock = new Date('2026-11-24T16:00:00Z');
afterEach(async () => app?.dispose());

async function start() {
  app = await createTestApp({ MAX_MESSAGE_BYTES: '2000', TRUSTED_AUTHSERV_IDS: 'mx.example.test', UNKNOWN_SENDER_POLICY: 'hold' }, () => clock);
  await inTransaction(app.db, (tx) =>
    addOrganisation(tx, app.lifecycle, { name: 'Empresa S.A. de C.V.', domains: ['empresa.mx'], country: 'MX', admin: 'admin@empresa.mx', actor: 'agent:test', now: clock }),
  );
  await inTransaction(app.db, (tx) => authoriseContact(tx, app.lifecycle, { email: 'luis@empresa.mx', actor: 'agent:test', now: clock }));
}

const passes = (domain: string) => ({ 'Authentication-Results': `mx.example.test; spf=pass smtp.mailfrom=${domain}; dkim=pass header.d=${domain}; dmarc=pass header.from=${domain}` });
const big = (headers: Record<string, string>) => mail({ headers: { Subject: 'Re: Factura 12', ...headers }, body: 'x'.repeat(5000) });
const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const templates = async () => (await app.db.outboxMail.findMany({ orderBy: { id: 'asc' } })).map((m) => `${m.template} ${m.primaryTo}`);
const ticketOf = (number: number | null) =>
  app.db.ticket.findUniqueOrThrow({ where: { number: number as number }, select: { heldForAuthorisation: true, firstResponseDueAt: true, events: { select: { type: true } } } });

async function customerTicket(headers: Record<string, string> = {}) {
  const first = await ingest(mail({ headers: { From: 'luis@empresa.mx', 'Message-ID': '<luis-1@empresa.mx>', Subject: 'Factura 12', ...headers }, body: 'hola' }));
  return first.ticketNumber;
}

describe('a too-large mail naming a stored Message-ID continues a ticket only for its people', () => {
  for (const field of ['In-Reply-To', 'References']) {
    it(`an authenticated stranger naming a customer's Message-ID in ${field} is held as any new mail`, async () => {
      await start();
      await customerTicket();
      const r = await ingest(big({ From: 'x@desconocido.com', [field]: '<luis-1@empresa.mx>', ...passes('desconocido.com') }));
      expect(r.outcome).toBe('too_large');
      expect(r.detail).toMatch(/sender not authorised \(hold\): held for authorisation, no answer$/);
      const ticket = await ticketOf(r.ticketNumber);
      expect(ticket).toMatchObject({ heldForAuthorisation: true, firstResponseDueAt: null });
      expect(ticket.events.map((e) => e.type)).toContain('held_for_authorisation');
      expect(await templates()).toEqual(['acknowledgement luis@empresa.mx']);
    });
  }

  it("a Cc'd person replying to all on the customer's own mail (its Message-ID, not ours) is not held", async () => {
    await start();
    const number = await customerTicket({ Cc: 'pepe@otra.mx' });
    const r = await ingest(big({ From: 'pepe@otra.mx', 'In-Reply-To': '<luis-1@empresa.mx>', ...passes('otra.mx') }));
    // Not held, and on the ticket it answers (too-large-thread.ts), its notice in that thread.
    expect(r.ticketNumber).toBe(number);
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(false);
    // The notice is Pepe's, who must resend it smaller; Luis sent nothing too large.
    expect(await templates()).toEqual(['acknowledgement luis@empresa.mx', 'too_large pepe@otra.mx']);
  });

  it("a colleague of the requester's organisation naming the customer's Message-ID is not held", async () => {
    await start();
    const number = await customerTicket();
    const r = await ingest(big({ From: 'marta@empresa.mx', References: '<luis-1@empresa.mx>', ...passes('empresa.mx') }));
    expect(r.ticketNumber).toBe(number);
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(false);
    expect(await templates()).toEqual(['acknowledgement luis@empresa.mx', 'too_large marta@empresa.mx']);
  });

  it("a closed ticket is continued by no too-large mail: a Cc'd person's is screened as their follow-up would be (held)", async () => {
    await start();
    const number = await customerTicket({ Cc: 'pepe@otra.mx' });
    const ack = (await app.db.outboxMail.findFirstOrThrow()).messageId;
    await app.db.ticket.update({ where: { number: number as number }, data: { status: 'closed' } });
    for (const ref of [`<${ack}>`, '<luis-1@empresa.mx>']) {
      const r = await ingest(big({ From: 'pepe@otra.mx', 'In-Reply-To': ref, Subject: `Re: Factura 12 [#${number}]`, ...passes('otra.mx') }));
      expect((await ticketOf(r.ticketNumber)).heldForAuthorisation, ref).toBe(true);
    }
    expect(await templates()).toEqual(['acknowledgement luis@empresa.mx']);
  });

  it('a sender continuing their own held ticket is held again: a held ticket lets nobody past the screening', async () => {
    await start();
    const first = await ingest(mail({ headers: { From: 'marta@empresa.mx', 'Message-ID': '<marta-1@empresa.mx>', Subject: 'Hola', ...passes('empresa.mx') }, body: 'hola' }));
    expect((await ticketOf(first.ticketNumber)).heldForAuthorisation).toBe(true);
    const r = await ingest(big({ From: 'marta@empresa.mx', 'In-Reply-To': '<marta-1@empresa.mx>', Subject: 'Re: Hola', ...passes('empresa.mx') }));
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(true);
    expect(await templates()).not.toContain('too_large marta@empresa.mx');
  });

  it('a reply to a Message-ID we signed for the ticket still continues it, whoever it came from', async () => {
    await start();
    await customerTicket();
    const ack = (await app.db.outboxMail.findFirstOrThrow()).messageId;
    const r = await ingest(big({ From: 'x@desconocido.com', 'In-Reply-To': `<${ack}>`, ...passes('desconocido.com') }));
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(false);
  });

  // Review: a stranger's answer to a solved ticket is new mail on the normal path (thread.ts: only the customer
  // validates or rejects her solution), held as any; a too-large one naming our signed Message-ID passed the hold.
  it("a stranger's reply to our signed Message-ID of a solved ticket is held: the same small mail is screened as new", async () => {
    await start();
    const number = await customerTicket();
    const ack = (await app.db.outboxMail.findFirstOrThrow()).messageId;
    await app.db.ticket.update({ where: { number: number as number }, data: { status: 'solved' } });
    const small = await ingest(mail({ headers: { From: 'x@desconocido.com', 'In-Reply-To': `<${ack}>`, Subject: 'Re: Factura 12', ...passes('desconocido.com') } }));
    // Screened as a new mail: a stranger of no known organisation is refused under hold.
    expect(small).toMatchObject({ outcome: 'rejected', ticketNumber: null });
    const r = await ingest(big({ From: 'y@desconocido.com', 'In-Reply-To': `<${ack}>`, ...passes('desconocido.com') }));
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(true);
    expect(await templates()).not.toContain('too_large y@desconocido.com');
  });

  it("the customer's own too-large reply to her solved ticket is not held", async () => {
    await start();
    const number = await customerTicket();
    const ack = (await app.db.outboxMail.findFirstOrThrow()).messageId;
    await app.db.ticket.update({ where: { number: number as number }, data: { status: 'solved' } });
    const r = await ingest(big({ From: 'luis@empresa.mx', 'In-Reply-To': `<${ack}>`, ...passes('empresa.mx') }));
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(false);
    expect(await templates()).toContain('too_large luis@empresa.mx');
  });

  it("a stranger's reply to our signed Message-ID of a pending ticket past its window is held; within it, not", async () => {
    await start();
    const number = await customerTicket();
    const ack = (await app.db.outboxMail.findFirstOrThrow()).messageId;
    const pendingSince = async (since: Date) => app.db.ticket.update({ where: { number: number as number }, data: { status: 'pending', pendingSince: since } });
    await pendingSince(new Date('2026-10-01T16:00:00Z'));
    const late = await ingest(big({ From: 'y@desconocido.com', 'In-Reply-To': `<${ack}>`, ...passes('desconocido.com') }));
    expect((await ticketOf(late.ticketNumber)).heldForAuthorisation).toBe(true);
    await pendingSince(new Date('2026-11-24T15:00:00Z'));
    const inTime = await ingest(big({ From: 'z@desconocido.com', 'In-Reply-To': `<${ack}>`, ...passes('desconocido.com') }));
    expect((await ticketOf(inTime.ticketNumber)).heldForAuthorisation).toBe(false);
  });
});
