import { afterEach, describe, expect, it } from 'vitest';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// A sender's display name is the sender's to write: an encoded word can carry an escape sequence, a NUL, a CR/LF.
// Stored as it came, it was written into every notice's greeting ("Hola, <name>:") and shown to agents. It is
// kept on one line, cleaned as a too-large mail's name is (domain/one-line.ts).

let app: TestApp;
afterEach(async () => app?.dispose());

describe("a sender's display name with control characters", () => {
  it('is stored on one line, without them, in the contact and the message, and greets so in the acknowledgement', async () => {
    app = await createTestApp();
    const from = '=?UTF-8?Q?Ana=1B=5B2J=00_P=C3=A9rez=0D=0ABcc=3A_otro?= <ana@cliente.mx>';
    const r = await app.pipeline.ingest(mail({ headers: { From: from, Subject: 'Factura' } }), { source: 'file', sourceRef: 'test' });
    expect(r).toMatchObject({ outcome: 'created' });
    const name = 'Ana [2J Pérez Bcc: otro';
    expect((await app.db.contact.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } })).name).toBe(name);
    const ticket = await showTicket(app.db, r.ticketNumber as number);
    expect(ticket?.messages[0]).toMatchObject({ direction: 'in', fromName: name });
    const ack = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
    expect(ack.text.split('\n')[0]).toBe(`Hola, ${name}:`);
    expect(ack.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(ack.html).toContain(`Hola, ${name}:`);
  });
});

// Outlook writes a sender without a display name as the address in single quotes ("'ana@cliente.mx'"), and an
// address-book entry as a name in single quotes ("'Ana Pérez'"); other clients repeat the address in capitals.
// Greeted as written, the customer read "Hola, 'ana@cliente.mx':" in every notice.
describe("a sender's display name as mail clients write it", () => {
  it.each([
    ["'Ana Pérez' <ana@cliente.mx>", 'Ana Pérez', 'Hola, Ana Pérez:'],
    [`"'ana@cliente.mx'" <ana@cliente.mx>`, null, 'Hola:'],
    ['ANA@CLIENTE.MX <ana@cliente.mx>', null, 'Hola:'],
    [`"'Chino' Pérez" <ana@cliente.mx>`, "'Chino' Pérez", "Hola, 'Chino' Pérez:"],
  ])('%s is stored as %s and greeted "%s"', async (from, name, greeting) => {
    app = await createTestApp();
    const r = await app.pipeline.ingest(mail({ headers: { From: from, Subject: 'Factura' } }), { source: 'file', sourceRef: 'test' });
    expect(r).toMatchObject({ outcome: 'created' });
    expect((await app.db.contact.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } })).name).toBe(name);
    const ack = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement' } });
    expect(ack.text.split('\n')[0]).toBe(greeting);
  });
});
