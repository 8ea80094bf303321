import { afterEach, describe, expect, it } from 'vitest';
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

  it('copies as before when a trusted server vouches for its From, or when it answers one of our mails', async () => {
    app = await createTestApp({ TRUSTED_AUTHSERV_IDS: 'mx.example.test' });
    const number = await anaTicket();
    await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'eva@cliente.mx', Subject: `RE: [#${number}] Factura 88 rechazada`, 'Authentication-Results': PASS } }));
    const ack = (await showTicket(app.db, number))?.messages.find((m) => m.direction === 'out')?.messageId;
    await ingest(mail({ headers: { From: 'ana@cliente.mx', Cc: 'pablo@cliente.mx', Subject: `RE: [#${number}] Factura 88 rechazada`, 'In-Reply-To': `<${ack}>` } }));
    expect((await showTicket(app.db, number))?.ccs).toEqual(['eva@cliente.mx', 'luis@cliente.mx', 'pablo@cliente.mx']);
  });
});
