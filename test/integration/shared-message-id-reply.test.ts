import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// Some mailers give every mail one Message-ID: a web form's, or the mailer of an ERP that each customer company runs
// (`<1@erp.local>`). Each such mail opens a ticket of its own (stages/reused-message-id.ts); a reply that names the
// ID (the customer answering her own copy, Cc'd on the ERP's mail) is about her ticket, not about the newest one
// that carried it: that one may be another company's.

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
});
afterEach(async () => app.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const erp = (From: string, body: string) => mail({ headers: { From, 'Message-ID': '<1@erp.local>', Subject: 'Error de timbrado' }, body });
const reply = (From: string, body: string, headers: Record<string, string> = {}) =>
  mail({ headers: { From, Subject: 'RE: Error de timbrado', 'In-Reply-To': '<1@erp.local>', References: '<1@erp.local>', ...headers }, body });
const inbound = async (n: number) => (await showTicket(app.db, n))?.messages.filter((m) => m.direction === 'in').map((m) => [m.visibleText, m.internal]);

describe('a reply to a Message-ID that mails of several tickets carried', () => {
  it("joins the ticket its sender takes part in, not the newest (another company's)", async () => {
    expect(await ingest(erp('ana@cliente.mx', 'El ERP de Cliente no timbra.'))).toMatchObject({ outcome: 'created', ticketNumber: 1000 });
    expect(await ingest(erp('luis@otra.com.ar', 'El ERP de Otra no timbra.'))).toMatchObject({ outcome: 'created', ticketNumber: 1001 });

    // Before: Ana's answer became an internal note on Luis's ticket, and hers never heard of it.
    expect(await ingest(reply('ana@cliente.mx', 'Adjunto el XML del ERP de Cliente.'))).toMatchObject({ outcome: 'comment', ticketNumber: 1000 });
    expect(await ingest(reply('luis@otra.com.ar', 'Adjunto el XML del ERP de Otra.'))).toMatchObject({ outcome: 'comment', ticketNumber: 1001 });
    expect(await inbound(1000)).toEqual([['El ERP de Cliente no timbra.', false], ['Adjunto el XML del ERP de Cliente.', false]]);
    expect(await inbound(1001)).toEqual([['El ERP de Otra no timbra.', false], ['Adjunto el XML del ERP de Otra.', false]]);
  });

  it('by References alone, and for a colleague in copy of the older ticket', async () => {
    await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'eva@cliente.mx', 'Message-ID': '<1@erp.local>', Subject: 'Error de timbrado' }, body: 'No timbra.' }));
    await ingest(erp('luis@otra.com.ar', 'Tampoco timbra.'));
    const r = await ingest(mail({ headers: { From: 'eva@cliente.mx', Subject: 'RE: Error de timbrado', References: '<otro@cliente.mx> <1@erp.local>' }, body: 'Lo mismo en la sucursal.' }));
    expect(r).toMatchObject({ outcome: 'comment', ticketNumber: 1000, detail: 'via references' });
  });

  it('from someone who takes part in none of them: the newest, as a stranger\'s note, as before', async () => {
    await ingest(erp('ana@cliente.mx', 'No timbra.'));
    await ingest(erp('luis@otra.com.ar', 'Tampoco timbra.'));
    expect(await ingest(reply('extrano@tercero.example', 'Yo también.'))).toMatchObject({ outcome: 'comment', ticketNumber: 1001 });
    expect((await inbound(1001))?.at(-1)).toEqual(['Yo también.', true]);
  });
});

// A stored inbound Message-ID is no proof of who writes: every customer of the ERP knows `<1@erp.local>`, and any
// mail's ID can be read off a forwarded copy. Found by one, a mail proves no more than one that names its ticket by
// the subject tag: its copies are those of a tag-only mail (tag-only-copies.test.ts), unless a trusted server vouched
// for its From. Only our own signed Message-IDs and plus-addresses show the writer received our mail.
describe('the copies of a reply found by an inbound Message-ID', () => {
  it("a forged From and the ERP's shared ID: the forger's Cc is not made the victim's ticket's", async () => {
    await ingest(erp('ana@cliente.mx', 'No timbra.'));
    await ingest(erp('luis@otra.com.ar', 'Tampoco.'));
    const r = await ingest(reply('ana@cliente.mx', 'Copien a mi asistente.', { Cc: 'espia@otra.com.ar' }));
    expect(r).toMatchObject({ outcome: 'comment', ticketNumber: 1000, detail: 'via in-reply-to' });
    const ticket = await showTicket(app.db, 1000);
    expect(ticket?.ccs).toEqual([]);
    expect(ticket?.events.find((e) => e.type === 'ccs_withheld')?.detail).toMatch(/Message-ID not one of ours.*espia@otra\.com\.ar/);
  });

  it("one that a single ticket carried: the customer's colleague is copied, an outsider is not", async () => {
    await ingest(mail({ headers: { From: 'ana@cliente.mx', 'Message-ID': '<propio@cliente.mx>', Subject: 'Error de timbrado' }, body: 'No timbra.' }));
    const r = await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'eva@cliente.mx, espia@otra.com.ar', Subject: 'RE: Error de timbrado', References: '<propio@cliente.mx>' }, body: 'Copio a Eva.' }));
    expect(r).toMatchObject({ outcome: 'comment', ticketNumber: 1000, detail: 'via references' });
    const ticket = await showTicket(app.db, 1000);
    expect(ticket?.ccs).toEqual(['eva@cliente.mx']);
    expect(ticket?.events.find((e) => e.type === 'ccs_withheld')?.detail).toMatch(/: espia@otra\.com\.ar$/);
  });
});

// Ours anywhere in the thread shows the writer received our mail: answering her own sent reply, Ana's In-Reply-To
// is her own (inbound) Message-ID and our acknowledgement is only in References; so for a colleague replying to all.
describe('the copies of a reply whose References carry our signed Message-ID', () => {
  async function threadWithOurAck() {
    await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'luis@cliente.mx', Subject: 'Factura 88 rechazada' }, body: 'Rechazada.' }));
    const ack = (await showTicket(app.db, 1000))?.messages.find((m) => m.direction === 'out')?.messageId as string;
    expect(ack).toBeTruthy();
    await ingest(mail({ headers: { From: 'ana@cliente.mx', 'Message-ID': '<r1@cliente.mx>', Subject: 'RE: [#1000] Factura 88 rechazada', 'In-Reply-To': `<${ack}>`, References: `<${ack}>` }, body: 'Sigue igual.' }));
    return ack;
  }
  const onHerReply = (From: string, ack: string) =>
    mail({ headers: { From, Cc: 'contador@despacho.mx', Subject: 'RE: [#1000] Factura 88 rechazada', 'In-Reply-To': '<r1@cliente.mx>', References: `<${ack}> <r1@cliente.mx>` }, body: 'Copio al contador.' });

  it('the requester answering her own reply: her outsider Cc is copied', async () => {
    const ack = await threadWithOurAck();
    expect(await ingest(onHerReply('ana@cliente.mx', ack))).toMatchObject({ outcome: 'comment', ticketNumber: 1000, detail: 'via in-reply-to' });
    const ticket = await showTicket(app.db, 1000);
    expect(ticket?.ccs).toEqual(['contador@despacho.mx', 'luis@cliente.mx']);
    expect(ticket?.events.filter((e) => e.type === 'ccs_withheld')).toEqual([]);
  });

  it('a colleague replying to all on it: the outsider Cc is copied', async () => {
    const ack = await threadWithOurAck();
    expect(await ingest(onHerReply('luis@cliente.mx', ack))).toMatchObject({ outcome: 'comment', ticketNumber: 1000 });
    expect((await showTicket(app.db, 1000))?.ccs).toEqual(['contador@despacho.mx', 'luis@cliente.mx']);
  });

  it("our signed Message-ID of another ticket in References proves nothing for this one", async () => {
    await ingest(mail({ headers: { From: 'eva@otra.com.ar', Subject: 'Otro caso' }, body: 'Otro.' }));
    const other = (await showTicket(app.db, 1000))?.messages.find((m) => m.direction === 'out')?.messageId as string;
    await ingest(mail({ headers: { From: 'ana@cliente.mx', 'Message-ID': '<r2@cliente.mx>', Subject: 'Factura 88 rechazada' }, body: 'Rechazada.' }));
    const r = await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'contador@despacho.mx', Subject: 'RE: Factura 88 rechazada', 'In-Reply-To': '<r2@cliente.mx>', References: `<${other}> <r2@cliente.mx>` }, body: 'Copio.' }));
    expect(r).toMatchObject({ outcome: 'comment', ticketNumber: 1001, detail: 'via in-reply-to' });
    expect((await showTicket(app.db, 1001))?.ccs).toEqual([]);
  });
});
