import { describe, expect, it } from 'vitest';
import { plusAddressFor } from '../../src/domain/thread-refs.js';
import { mail } from '../support/app.js';
import type { ReceivedMail } from '../support/smtp.js';
import { timeTravelSuite, type TimeTravel } from '../support/time-travel.js';

// A customer writes to a colleague or a vendor and copies the desk in Bcc (or the mail reaches the desk by a
// route that names none of its addresses in To or Cc). Whoever the mail is addressed to does not know of the
// desk: copying them on the acknowledgement and every later notice would tell them the desk was secretly
// copied, and mail them about the customer's case. Mexico City, UTC-6.

const suite = timeTravelSuite();
let tt: TimeTravel;
const MX = (local: string) => `${local}-06:00`;

/** The mails the SMTP peer received since the last call, as they came (headers included). */
const delivered = (): ReceivedMail[] => suite.smtp.received.splice(0);
const addressesIn = (header: string | undefined) => (header ?? '').match(/[^\s<>,"]+@[^\s<>,"]+/g) ?? [];

describe('a mail that names no desk address in To or Cc', () => {
  it('opens its ticket with no CCs; the acknowledgement and the answers go to the sender alone', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const raw = mail({ headers: { To: 'Proveedor <ventas@proveedor.com>', Cc: 'luis@cliente.mx', Subject: 'Pedido 4471 sin factura' } });
    const r = await tt.ingest(MX('2026-11-23T09:00:00'), raw);
    expect(r).toMatchObject({ outcome: 'created' });
    const number = r.ticketNumber as number;
    const ticket = await tt.ticket(number);
    expect(ticket.ccs).toEqual([]);
    // The mail is kept as it came: an agent still sees whom it was written to.
    expect(ticket.messages[0]).toMatchObject({ direction: 'in', to: ['ventas@proveedor.com'], cc: ['luis@cliente.mx'] });
    // And why they were not copied.
    const withheld = ticket.events.find((e) => e.type === 'ccs_withheld');
    expect(withheld?.detail).toMatch(/neither To nor Cc.*ventas@proveedor\.com, luis@cliente\.mx$/);
    const [ack, ...more] = delivered();
    expect(more).toEqual([]);
    expect(ack?.envelopeTo).toEqual(['ana@cliente.mx']);
    expect(addressesIn(ack?.header('to'))).toEqual(['ana@cliente.mx']);
    expect(ack?.header('cc')).toBeUndefined();
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Ya emitimos la factura del pedido 4471.', 'solved');
    expect(delivered().map((m) => m.envelopeTo)).toEqual([['ana@cliente.mx']]);
  });

  it("a reply on her ticket that Bcc's the desk adds no CCs; the reopening goes to the ticket's own people", async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const r = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Cc: 'luis@cliente.mx', Subject: 'Error al timbrar' } }));
    const number = r.ticketNumber as number;
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Actualice a la versión 5.2.', 'solved');
    const [, solution] = tt.take();
    const reply = mail({
      headers: { To: 'jefe@cliente.mx', Cc: 'soporte@proveedor.com', 'In-Reply-To': solution?.messageId ?? null, References: solution?.messageId ?? null, Subject: `Re: ${solution?.subject}` },
      body: 'Sigue sin timbrar después de actualizar.',
    });
    expect(await tt.ingest(MX('2026-11-23T11:00:00'), reply)).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    const ticket = await tt.ticket(number);
    expect(ticket.ccs).toEqual(['luis@cliente.mx']);
    expect(ticket.events.find((e) => e.type === 'ccs_withheld')?.detail).toMatch(/jefe@cliente\.mx, soporte@proveedor\.com$/);
    const [reopened, ...more] = delivered();
    expect(more).toEqual([]);
    expect([...(reopened?.envelopeTo ?? [])].sort()).toEqual(['ana@cliente.mx', 'luis@cliente.mx']);
    expect(addressesIn(reopened?.header('cc'))).toEqual(['luis@cliente.mx']);
  });

  it("a reply to the ticket's plus-address found only in X-Original-To still joins it, and adds no CCs", async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    // A subject of its own: a generic one ("Consulta") alone finds no ticket through the plus-address (generic-subject.test.ts).
    const number = (await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Subject: 'Factura 90 sin timbrar' } }))).ticketNumber as number;
    const plus = plusAddressFor('test-secret-key-0123456789', 'soporte@example.test', number);
    const reply = mail({ headers: { To: 'jefe@cliente.mx', 'X-Original-To': plus, Subject: 'Re: Factura 90 sin timbrar' }, body: 'El folio es A-1234.' });
    expect(await tt.ingest(MX('2026-11-23T09:30:00'), reply)).toMatchObject({ outcome: 'comment', ticketNumber: number, detail: 'via plus-address' });
    expect((await tt.ticket(number)).ccs).toEqual([]);
  });

  it("names the desk when To or Cc holds one of its aliases or plus-addresses: those people are copied as before", async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'), { SUPPORT_ALIASES: 'ventas@example.test' });
    const toAlias = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { To: 'jefe@cliente.mx', Cc: 'Ventas <ventas@example.test>' } }));
    expect((await tt.ticket(toAlias.ticketNumber as number)).ccs).toEqual(['jefe@cliente.mx']);
    const toPlus = await tt.ingest(MX('2026-11-23T09:10:00'), mail({ headers: { To: 'jefe@cliente.mx, soporte+old@example.test' } }));
    const ticket = await tt.ticket(toPlus.ticketNumber as number);
    expect(ticket.ccs).toEqual(['jefe@cliente.mx']);
    expect(ticket.events.some((e) => e.type === 'ccs_withheld')).toBe(false);
  });

  it('a mailing-list post the desk receives as a member of the list: its people are copied as before', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const group = { 'List-Id': '<facturacion.cliente.mx>', 'List-Post': '<mailto:facturacion@cliente.mx>', Precedence: 'list' };
    const r = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { To: 'facturacion@cliente.mx', Cc: 'luis@cliente.mx', ...group } }));
    expect(r).toMatchObject({ outcome: 'created' });
    expect((await tt.ticket(r.ticketNumber as number)).ccs).toEqual(['facturacion@cliente.mx', 'luis@cliente.mx']);
    // No acknowledgement to a list's post, as before.
    expect(delivered()).toEqual([]);
  });
  it("a reply to her closed ticket that Bcc's the desk opens a follow-up with the ticket's people only", async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const r = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Cc: 'luis@cliente.mx', Subject: 'Error al timbrar' } }));
    const number = r.ticketNumber as number;
    await tt.agentSet(MX('2026-11-23T10:00:00'), number, 'closed');
    const [ack] = tt.take();
    delivered();
    const reply = mail({
      headers: { To: 'jefe@cliente.mx', 'In-Reply-To': ack?.messageId ?? null, References: ack?.messageId ?? null, Subject: `Re: ${ack?.subject}` },
      body: 'Volvió a fallar el timbrado hoy.',
    });
    const followUp = await tt.ingest(MX('2026-11-25T11:00:00'), reply);
    expect(followUp).toMatchObject({ outcome: 'followup' });
    const ticket = await tt.ticket(followUp.ticketNumber as number);
    expect(ticket.ccs).toEqual(['luis@cliente.mx']);
    expect(ticket.events.find((e) => e.type === 'ccs_withheld')?.detail).toMatch(/jefe@cliente\.mx$/);
    expect(delivered().flatMap((m) => m.envelopeTo)).not.toContain('jefe@cliente.mx');
  });
});
