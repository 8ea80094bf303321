// A ticket opened by machine-written mail (an ERP's notifications from facturas@empresa.com, marked Auto-Submitted
// or Precedence: bulk; src/ingest/stages/automatic.ts classifyAutomatic) gets no survey when solved: no CSAT, and
// it makes no one due an NPS. Its address is an ordinary one, so the no-reply rule (src/surveys/suppression.ts)
// did not catch it, and the ERP's mailbox got "¿Cómo le atendimos?". A person's mail that only asks for no
// automatic answer (Outlook's X-Auto-Response-Suppress) is still a person's: asked as before.
import { afterEach, describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { gatewayJobs } from '../../src/scheduler/jobs.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

let app: TestApp;
// A Monday, 10:00 in Mexico City (UTC-6): business hours, when the NPS campaign mails.
let clock = new Date('2026-03-02T10:00:00-06:00');
afterEach(async () => app?.dispose());

async function solved(from: string, headers: Record<string, string> = {}): Promise<number> {
  const r = await app.pipeline.ingest(mail({ headers: { From: from, Subject: 'Factura F-1021 timbrada', ...headers } }), { source: 'file' });
  expect(r.outcome).toBe('created');
  const number = r.ticketNumber as number;
  await replyToTicket(app, { number, body: 'Revisado: la factura está timbrada.', status: 'solved', actor: 'agent:maria', now: clock });
  return number;
}

const csatTo = async () => (await app.db.outboxMail.findMany({ where: { template: 'csat_survey' } })).map((m) => m.primaryTo).sort();
const csatEvents = async (number: number) =>
  (await app.db.ticketEvent.findMany({ where: { ticket: { number }, type: { startsWith: 'csat' } }, orderBy: { id: 'asc' } })).map((e) => `${e.type}: ${e.detail}`);

describe('a ticket opened by machine-written mail', () => {
  it('gets no CSAT when solved, the skip recorded on it; a person, also one whose Outlook asks for no auto-reply, is asked', async () => {
    app = await createTestApp({ CSAT_ENABLED: 'true', NPS_ENABLED: 'true' }, () => clock);
    const erp = await solved('ERP Empresa <facturas@empresa.com>', { 'Auto-Submitted': 'auto-generated' });
    const bulk = await solved('avisos@proveedor.com', { Precedence: 'bulk' });
    await solved('Ana Pérez <ana@cliente.mx>');
    await solved('Luis <luis@cliente.mx>', { 'X-Auto-Response-Suppress': 'All' });
    expect(await csatTo()).toEqual(['ana@cliente.mx', 'luis@cliente.mx']);
    expect(await csatEvents(erp)).toEqual(['csat_skipped: facturas@empresa.com: machine_written (Auto-Submitted: auto-generated)']);
    expect(await csatEvents(bulk)).toEqual(['csat_skipped: avisos@proveedor.com: machine_written (Precedence: bulk)']);
    expect((await app.db.ticket.findFirstOrThrow({ where: { number: erp } })).openedByMachine).toBe('Auto-Submitted: auto-generated');
  });

  it('makes no one due the yearly NPS', async () => {
    app = await createTestApp({ CSAT_ENABLED: 'false', NPS_ENABLED: 'true' }, () => clock);
    await solved('ERP Empresa <facturas@empresa.com>', { 'Auto-Submitted': 'auto-generated' });
    await solved('Ana Pérez <ana@cliente.mx>');
    clock = new Date('2026-03-03T10:00:00-06:00');
    const job = gatewayJobs(app).find((j) => j.name === 'nps-campaign');
    const result = await job?.run(clock);
    expect(result).toMatchObject({ asked: 1 });
    expect((await app.db.outboxMail.findMany({ where: { template: 'nps_survey' } })).map((m) => m.primaryTo)).toEqual(['ana@cliente.mx']);
  });
});
