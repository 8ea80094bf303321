import { afterEach, describe, expect, it } from 'vitest';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// A desk reached through several addresses delivered to one mailbox (ventas@, facturacion@ besides soporte@):
// a customer who writes to two of them must not make the other a CC of their ticket, or every notice goes to the
// desk's own alias, comes back and is dropped as a loop.

let app: TestApp;
afterEach(async () => app?.dispose());
const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });

describe('SUPPORT_ALIASES', () => {
  it("are the desk's own: never a ticket's CC, and mail from one of them is a loop", async () => {
    app = await createTestApp({ SUPPORT_ALIASES: 'ventas@example.test, Facturacion@example.test' });
    const r = await ingest(mail({ headers: { From: 'ana@cliente.mx', To: 'soporte@example.test, ventas@example.test', Cc: 'facturacion@example.test, luis@cliente.mx' } }));
    expect(r).toMatchObject({ outcome: 'created' });
    expect((await showTicket(app.db, r.ticketNumber as number))?.ccs).toEqual(['luis@cliente.mx']);
    expect(await ingest(mail({ headers: { From: 'ventas@example.test', 'Message-ID': '<copia@example.test>' } }))).toMatchObject({ outcome: 'loop' });
  });
  it('a wrong value is refused by name', async () => {
    await expect(createTestApp({ SUPPORT_ALIASES: 'ventas, facturacion@example.test' })).rejects.toThrow(/SUPPORT_ALIASES: expected a comma list of addresses/);
  });
});
