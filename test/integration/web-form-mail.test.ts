import { describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { timeTravelSuite, type TimeTravel } from '../support/time-travel.js';

// A contact form on the desk's website mails each request from one address of its own (FORM_SENDERS), with the
// customer's address in Reply-To. That address is the requester: the acknowledgement and every notice go to the
// customer. Without the setting, the no-reply form address was the requester, got no acknowledgement (a machine's
// address) and the customer heard nothing. The customer's address is taken on the form's word: it is never
// believed more than an unauthenticated From (no administrator commands, no survey answers, no ticket joined by
// its [#n] tag).

const suite = timeTravelSuite();
let tt: TimeTravel;
const NOW = '2026-11-30T10:00:00-06:00';
const FORM = { FORM_SENDERS: 'formulario@ventanilla.test, web@ventanilla.test' };

const formMail = (headers: Record<string, string | null>, body = 'Nombre: Ana Pérez\nMensaje: no puedo timbrar desde esta mañana.') =>
  mail({ headers: { From: 'Sitio web <No-Reply@Ventanilla.test>', ...headers }, body });

describe('mail from a contact form of the desk (FORM_SENDERS)', () => {
  it('opens the ticket for the customer its Reply-To names, who gets the acknowledgement', async () => {
    tt = await suite.start(NOW, { FORM_SENDERS: 'no-reply@ventanilla.test' });
    const r = await tt.ingest(NOW, formMail({ 'Reply-To': 'Ana Pérez <Ana@Cliente.mx>', Subject: 'Contacto: no puedo timbrar' }));
    expect(r.outcome).toBe('created');
    expect((await tt.ticket(r.ticketNumber as number)).requester).toBe('ana@cliente.mx');
    expect(await tt.app.db.contact.findUnique({ where: { email: 'ana@cliente.mx' } })).toMatchObject({ name: 'Ana Pérez' });
    const [ack, ...more] = tt.take();
    expect(more).toEqual([]);
    expect(ack?.to).toEqual(['ana@cliente.mx']);
    expect(ack?.text).toContain('Ana Pérez');
  });

  it('is the form\'s mail as before without the setting, or without exactly one Reply-To of someone else', async () => {
    tt = await suite.start(NOW, FORM);
    const cases: Array<[Record<string, string | null>, string]> = [
      [{ From: 'Sitio web <otro@ventanilla.test>', 'Reply-To': 'ana@cliente.mx' }, 'otro@ventanilla.test'],
      [{ From: 'formulario@ventanilla.test', 'Reply-To': null }, 'formulario@ventanilla.test'],
      [{ From: 'formulario@ventanilla.test', 'Reply-To': 'ana@cliente.mx, luis@cliente.mx' }, 'formulario@ventanilla.test'],
      [{ From: 'formulario@ventanilla.test', 'Reply-To': 'soporte@example.test' }, 'formulario@ventanilla.test'],
    ];
    for (const [headers, requester] of cases) {
      const r = await tt.ingest(NOW, formMail(headers));
      expect(r.outcome, JSON.stringify(headers)).toBe('created');
      expect((await tt.ticket(r.ticketNumber as number)).requester, JSON.stringify(headers)).toBe(requester);
    }
  });

  it('is never believed more than an unauthenticated From: an administrator\'s address in Reply-To runs no command', async () => {
    tt = await suite.start(NOW, { ...FORM, UNKNOWN_SENDER_POLICY: 'hold' });
    const organisation = await tt.app.db.organisation.create({ data: { name: 'Cliente SA', domains: { create: [{ domain: 'cliente.mx' }] } } });
    await tt.app.db.contact.create({ data: { email: 'jefa@cliente.mx', name: 'Jefa', role: 'admin', authorised: true, organisationId: organisation.id } });
    const r = await tt.ingest(NOW, formMail({ From: 'web@ventanilla.test', 'Reply-To': 'jefa@cliente.mx' }, 'AUTORIZAR intruso@cliente.mx'));
    expect(r).toMatchObject({ outcome: 'rejected', ticketNumber: null });
    expect(r.detail).toMatch(/administrator commands refused: .*web form web@ventanilla\.test/);
    expect((await tt.app.db.contact.findUnique({ where: { email: 'intruso@cliente.mx' } }))?.authorised ?? false).toBe(false);
  });
});
