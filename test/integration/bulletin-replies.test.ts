import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSubscriber } from '../../src/bulletins/subscribers.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// What a reader writes back to a bulletin, through the real pipeline: a command ("BAJA") is done whatever the mail
// client marks on it, a question reaches a person (a ticket), and thanks or an away note are left in the log.

let app: TestApp;
let seq = 0;
const NOW = new Date('2026-12-01T16:00:00Z');

beforeEach(async () => {
  app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test' }, () => NOW);
  await addSubscriber(app.db, { email: 'ana@cliente.mx', countries: 'MX' }, NOW);
});
afterEach(async () => app.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: `t${++seq}` });
const toBulletins = (subject: string, body: string, extra: Record<string, string> = {}) =>
  mail({ headers: { From: 'Ana <ana@cliente.mx>', To: 'boletin@example.test', Subject: subject, 'Message-ID': `<br${++seq}@cliente.mx>`, ...extra }, body });
const status = async () => (await app.db.subscriber.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } })).status;

describe('a reply to a bulletin', () => {
  it('a question, under a title that reads as a command ("Baja ...", "Stop ..."), is a ticket and unsubscribes no one', async () => {
    // Recorded and ignored before: the reader waited for an answer nobody was told to give.
    const replied = await ingest(toBulletins('Re: Baja de tasas del ISR 2027', '¿Esto aplica a personas físicas?\n\n> El SAT publicó'));
    expect(replied).toMatchObject({ outcome: 'created', ticketNumber: 1000 });
    const ticket = await showTicket(app.db, 1000);
    expect(ticket).toMatchObject({ requester: 'ana@cliente.mx', subject: 'Baja de tasas del ISR 2027', ccs: [] });
    expect(ticket?.messages.map((m) => [m.direction, m.to])).toEqual([['in', ['boletin@example.test']], ['out', ['ana@cliente.mx']]]);
    // A reply whose client dropped the "Re:": In-Reply-To says it answers a bulletin.
    const threaded = await ingest(toBulletins('Stop a las devoluciones del IVA', '¿Desde cuándo aplica?', { 'In-Reply-To': '<b1.s1@example.test>' }));
    expect(threaded).toMatchObject({ outcome: 'created', ticketNumber: 1001 });
    expect(await status()).toBe('active');
  });

  it('thanks, an acknowledgement or courtesy alone, or nothing written, opens no ticket', async () => {
    for (const body of ['¡Muchas gracias por la información!', 'Obrigado pelo boletim', 'Thanks for the update!', 'Enterado.', 'Recibido, saludos', 'OK', '👍', '']) {
      const r = await ingest(toBulletins('RE: Reforma del IVA 2027', body, { 'In-Reply-To': '<b1.s1@example.test>' }));
      expect(r, body).toMatchObject({ outcome: 'bulletin_command', ticketNumber: null });
      expect(r.detail, body).toContain('ignored');
    }
    expect(await app.db.ticket.count()).toBe(0);
    expect(await app.db.outboxMail.count()).toBe(0);
  });

  it("BAJA from Outlook (X-Auto-Response-Suppress: All, on people's mail too) unsubscribes", async () => {
    // Taken for a machine's mail before, and ignored: the reader kept getting bulletins.
    const r = await ingest(toBulletins('RE: Reforma del IVA 2027', 'BAJA', { 'X-Auto-Response-Suppress': 'All', 'In-Reply-To': '<b1.s1@example.test>' }));
    expect(r).toMatchObject({ outcome: 'bulletin_command', ticketNumber: null });
    expect(await status()).toBe('unsubscribed');
  });

  it('an away note, or mail the spam filter marked, is still no command and no ticket', async () => {
    const away = await ingest(toBulletins('Respuesta automática: Reforma del IVA', 'Estoy fuera de la oficina. BAJA', { 'Auto-Submitted': 'auto-replied' }));
    expect(away).toMatchObject({ outcome: 'auto_reply', ticketNumber: null });
    const spam = await ingest(toBulletins('SUSCRIBIR MX', 'SUSCRIBIR MX', { 'X-Spam-Flag': 'YES' }));
    expect(spam).toMatchObject({ outcome: 'auto_reply', ticketNumber: null });
    expect(await status()).toBe('active');
    expect(await app.db.ticket.count()).toBe(0);
    expect(await app.db.outboxMail.count()).toBe(0);
  });
});
