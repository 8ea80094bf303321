import { afterEach, describe, expect, it } from 'vitest';
import { addOrganisation } from '../../src/lifecycle/access-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// A ticket's [#n] is a number anyone can count to, and a From address is a line anyone can write: a mail that names
// its ticket by the tag alone proves nothing of who wrote it, unless a trusted server vouches for its From. Its
// words still reach the ticket (the customer's Outlook lost the headers), but the people it copies do not become
// the ticket's copies: else anyone who wrote "From: ana@cliente.mx", "[#1042]" and "Cc: me" got every later answer
// about Ana's case.

let app: TestApp;
afterEach(async () => app.dispose());
const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const PASS = 'mx.example.test; dkim=pass header.d=cliente.mx; spf=pass smtp.mailfrom=cliente.mx; dmarc=pass header.from=cliente.mx';

async function anaTicket() {
  const opened = await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'luis@cliente.mx', Subject: 'Factura 88 rechazada' } }));
  return opened.ticketNumber as number;
}

describe('a mail that names its ticket by the subject tag alone', () => {
  it('is a comment, but its copies are not made the ticket\'s, and the ticket says so', async () => {
    app = await createTestApp();
    const number = await anaTicket();
    const tagged = await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'espia@otro.example', Subject: `RE: [#${number}] Factura 88 rechazada` }, body: 'Envíen la respuesta a mi asistente.' }));
    expect(tagged).toMatchObject({ outcome: 'comment', ticketNumber: number, detail: 'via subject-tag' });
    const ticket = await showTicket(app.db, number);
    expect(ticket?.ccs).toEqual(['luis@cliente.mx']);
    expect(ticket?.events.find((e) => e.type === 'ccs_withheld')?.detail).toMatch(/subject tag alone.*espia@otro\.example/);
  });

  it('of a closed ticket: its follow-up keeps the ticket\'s people, not the mail\'s copies', async () => {
    app = await createTestApp();
    const number = await anaTicket();
    await app.db.ticket.update({ where: { number }, data: { status: 'closed' } });
    const r = await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'espia@otro.example', Subject: `RE: [#${number}] Factura 88 rechazada` }, body: 'Sigue rechazada.' }));
    expect(r.outcome).toBe('followup');
    expect((await showTicket(app.db, r.ticketNumber as number))?.ccs).toEqual(['luis@cliente.mx']);
  });

  // The copies are outsiders (another company's): an address on the requester's own domain is kept on every path,
  // and would pass with the vouched and the signed paths both broken.
  it('copies an outsider as before when a trusted server vouches for its From', async () => {
    app = await createTestApp({ TRUSTED_AUTHSERV_IDS: 'mx.example.test' });
    const number = await anaTicket();
    await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'contador@despacho.mx', Subject: `RE: [#${number}] Factura 88 rechazada`, 'Authentication-Results': PASS } }));
    const ticket = await showTicket(app.db, number);
    expect(ticket?.ccs).toEqual(['contador@despacho.mx', 'luis@cliente.mx']);
    expect(ticket?.events.filter((e) => e.type === 'ccs_withheld')).toEqual([]);
  });

  it('copies an outsider as before when it answers one of our mails (our signed Message-ID)', async () => {
    app = await createTestApp();
    const number = await anaTicket();
    const ack = (await showTicket(app.db, number))?.messages.find((m) => m.direction === 'out')?.messageId;
    expect(ack).toBeTruthy();
    await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'contador@despacho.mx', Subject: `RE: [#${number}] Factura 88 rechazada`, 'In-Reply-To': `<${ack}>` } }));
    const ticket = await showTicket(app.db, number);
    expect(ticket?.ccs).toEqual(['contador@despacho.mx', 'luis@cliente.mx']);
    expect(ticket?.events.filter((e) => e.type === 'ccs_withheld')).toEqual([]);
  });
});

// With the default configuration (no TRUSTED_AUTHSERV_IDS) no From is ever vouched for: a customer's own tag-only
// reply lost every copy, silently for her. Only the copies the ticket would not otherwise trust are left out: its
// own people, and addresses of its organisation (a registered domain, or the requester's own domain when it is no
// free mail provider's), are copied; outsiders are named in the ccs_withheld event, and nobody is sent anything more.
describe('the copies of a tag-only mail kept by default', () => {
  const tagReply = (number: number, Cc: string) =>
    mail({ headers: { From: 'ana@cliente.mx', Cc, Subject: `RE: [#${number}] Factura 88 rechazada` }, body: 'Copio a mi equipo.' });
  const registerCliente = () =>
    inTransaction(app.db, (tx) =>
      addOrganisation(tx, app.lifecycle, { name: 'Cliente S.A.', domains: ['cliente.mx', 'cliente.com.mx'], country: 'MX', admin: 'admin@cliente.mx', actor: 'agent:test', now: new Date() }),
    );
  const withheldEvents = async (number: number) => (await showTicket(app.db, number))?.events.filter((e) => e.type === 'ccs_withheld') ?? [];

  it("keeps the requester's colleagues and the ticket's people, withholds outsiders and names them for the agents", async () => {
    app = await createTestApp();
    const opened = await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'contador@despacho.mx', Subject: 'Factura 88 rechazada' } }));
    const number = opened.ticketNumber as number;
    const before = await app.db.outboxMail.count();
    const r = await ingest(tagReply(number, 'eva@cliente.mx, contador@despacho.mx, espia@otro.example'));
    expect(r).toMatchObject({ outcome: 'comment', ticketNumber: number, detail: 'via subject-tag' });
    expect((await showTicket(app.db, number))?.ccs).toEqual(['contador@despacho.mx', 'eva@cliente.mx']);
    const events = await withheldEvents(number);
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toMatch(/subject tag alone.*: espia@otro\.example$/);
    // Nobody is told: no mail to the sender about it, none to the one left out.
    const sent = await app.db.outboxMail.findMany({ orderBy: { id: 'asc' } });
    expect(sent.length).toBe(before);
    expect(sent.some((m) => `${m.toList} ${m.ccList}`.includes('espia@otro.example'))).toBe(false);
  });

  it("keeps an address of the requester's registered organisation under another of its domains", async () => {
    app = await createTestApp();
    await registerCliente();
    const number = await anaTicket();
    await ingest(tagReply(number, 'pedro@cliente.com.mx'));
    expect((await showTicket(app.db, number))?.ccs).toEqual(['luis@cliente.mx', 'pedro@cliente.com.mx']);
    expect(await withheldEvents(number)).toEqual([]);
  });

  it("keeps an address in a subdomain of the requester's own domain, withholds one of a lookalike domain", async () => {
    app = await createTestApp();
    const number = await anaTicket();
    await ingest(tagReply(number, 'jefe@mx.cliente.mx, falso@otrocliente.mx'));
    expect((await showTicket(app.db, number))?.ccs).toEqual(['jefe@mx.cliente.mx', 'luis@cliente.mx']);
    expect((await withheldEvents(number))[0]?.detail).toMatch(/: falso@otrocliente\.mx$/);
  });

  it("keeps an address in a subdomain of the organisation's registered domain", async () => {
    app = await createTestApp();
    await registerCliente();
    const number = await anaTicket();
    await ingest(tagReply(number, 'pedro@gdl.cliente.com.mx'));
    expect((await showTicket(app.db, number))?.ccs).toEqual(['luis@cliente.mx', 'pedro@gdl.cliente.com.mx']);
    expect(await withheldEvents(number)).toEqual([]);
  });

  it("a requester on a free mail provider makes no one of that provider, nor of its subdomains, her colleague", async () => {
    app = await createTestApp();
    const opened = await ingest(mail({ headers: { From: 'ana.perez@gmail.com', Subject: 'Factura 88 rechazada' } }));
    const number = opened.ticketNumber as number;
    await ingest(mail({ headers: { From: 'ana.perez@gmail.com', Cc: 'otro@gmail.com, otro@mx.gmail.com', Subject: `RE: [#${number}] Factura 88 rechazada` } }));
    expect((await showTicket(app.db, number))?.ccs).toEqual([]);
    expect((await withheldEvents(number))[0]?.detail).toMatch(/otro@gmail\.com, otro@mx\.gmail\.com$/);
  });
});
