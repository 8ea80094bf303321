import { describe, expect, it } from 'vitest';
import { addOrganisation } from '../../src/lifecycle/access-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { ESCALATION_CONTACTS, timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// SLA warnings and escalations (DOMAIN.md rules 6 and 11), product-issue release, and `ventanilla scheduler
// run-once --now` through the real CLI, by time travel. Mexico City is UTC-6 all year.

const suite = timeTravelSuite();
let tt: TimeTravel;

const MX = (local: string) => `${local}-06:00`;
const ANA = 'ana@cliente.mx';
const LEAD = 'lead@example.test';
const MANAGER = 'manager@example.test';
const nothing = { timers: {}, sla: {} };
const URGENT = 'El timbrado está caído para toda la empresa.\nImpacto: Alto\nUrgencia: Alta';

async function openTicket(local: string, headers: Record<string, string> = {}, body = 'Hola, necesito ayuda.'): Promise<{ number: number; ack: SeenMail }> {
  const r = await tt.ingest(MX(local), mail({ headers, body }));
  expect(r.outcome).toBe('created');
  const [ack, ...rest] = tt.take();
  expect(rest).toEqual([]);
  return { number: r.ticketNumber as number, ack: ack as SeenMail };
}

const slaEvents = async (n: number) => (await tt.ticket(n)).events.filter((e) => e.type.startsWith('sla_')).map((e) => `${e.type} ${e.detail}`);

describe('SLA: urgent ticket (Impacto: Alto, Urgencia: Alta -> first response in 2 business hours)', () => {
  it('warning to level 1 at 1.5 h, breach level 1 at 2 h, level 2 at 3 h, each once; level 3 has no contacts', async () => {
    tt = await suite.start(MX('2026-11-23T10:00:00'));
    const { number, ack } = await openTicket('2026-11-23T10:00:00', { Subject: 'Timbrado caído' }, URGENT);
    expect(ack.text).toMatch(/Prioridad: Urgente/);
    expect(ack.text).toMatch(/lunes, 23 de noviembre de 2026,? 12:00/); // the due time the customer is promised

    expect(await tt.tick(MX('2026-11-23T11:29:59.999'))).toEqual(nothing);
    expect((await tt.tick(MX('2026-11-23T11:30:00'))).sla).toEqual({ warned: 1 });
    const [warning, ...w] = tt.take();
    expect(w).toEqual([]);
    expect(warning).toMatchObject({ to: [LEAD], subject: `[Escalamiento nivel 1] SLA por vencer · Ticket #${number}: Timbrado caído`, autoSubmitted: 'auto-generated', lang: 'es' });
    expect(warning?.text).toContain('Objetivo de SLA: 2 h');

    for (const local of ['2026-11-23T11:30:00', '2026-11-23T11:45:00', '2026-11-23T11:59:59.999']) expect(await tt.tick(MX(local)), local).toEqual(nothing);
    expect((await tt.tick(MX('2026-11-23T12:00:00'))).sla).toEqual({ escalated: 1 });
    expect(tt.take()).toMatchObject([{ to: [LEAD], subject: `[Escalamiento nivel 1] SLA vencido · Ticket #${number}: Timbrado caído`, autoSubmitted: 'auto-generated' }]);

    for (const local of ['2026-11-23T12:00:00', '2026-11-23T12:59:59.999']) expect(await tt.tick(MX(local)), local).toEqual(nothing);
    expect((await tt.tick(MX('2026-11-23T13:00:00'))).sla).toEqual({ escalated: 1 });
    expect(tt.take()).toMatchObject([{ to: [MANAGER], subject: `[Escalamiento nivel 2] SLA vencido · Ticket #${number}: Timbrado caído`, autoSubmitted: 'auto-generated' }]);
    expect(await tt.tick(MX('2026-11-23T13:30:00'))).toEqual(nothing);

    // 200%: level 3 is recorded on the ticket, but nobody is configured for it, so no mail.
    expect((await tt.tick(MX('2026-11-23T14:00:00'))).sla).toEqual({ escalated: 1 });
    expect(await tt.tick(MX('2026-11-24T14:00:00'))).toEqual(nothing);
    expect(tt.take()).toEqual([]);
    expect(await slaEvents(number)).toEqual([
      `sla_warning first_response target 2 h; level 1 -> ${LEAD}`,
      `sla_breach first_response target 2 h; level 1 -> ${LEAD}`,
      `sla_breach first_response target 2 h; level 2 -> ${MANAGER}`,
      'sla_breach first_response target 2 h; level 3 (no escalation contacts configured)',
    ]);
    expect((await tt.ticket(number)).status).toBe('new');
  });

  it('a Soporte Prime organisation registered after the ticket: the ticket keeps to the prime targets from then on', async () => {
    tt = await suite.start(MX('2026-11-23T10:00:00'));
    const { number } = await openTicket('2026-11-23T10:00:00', { Subject: 'Timbrado caído' }, URGENT);
    // 10:15, a quarter of an hour spent: the customer's company is registered on the prime plan (urgent: 1 h).
    await inTransaction(tt.app.db, (tx) => addOrganisation(tx, tt.app.lifecycle, { name: 'Cliente', domains: ['cliente.mx'], plan: 'prime', actor: 'admin', now: new Date(MX('2026-11-23T10:15:00')) }));
    expect(await tt.tick(MX('2026-11-23T10:44:59'))).toEqual(nothing);
    expect((await tt.tick(MX('2026-11-23T10:45:00'))).sla).toEqual({ warned: 1 });
    expect((await tt.tick(MX('2026-11-23T11:00:00'))).sla).toEqual({ escalated: 1 });
    const mails = tt.take();
    expect(mails.map((m) => m.subject)).toEqual([
      `[Escalamiento nivel 1] SLA por vencer · Ticket #${number}: Timbrado caído`,
      `[Escalamiento nivel 1] SLA vencido · Ticket #${number}: Timbrado caído`,
    ]);
    // The due time the escalation names is the prime one, 11:00, not the standard 12:00.
    expect(mails[1]?.text).toContain('Objetivo de SLA: 1 h');
    expect(mails[1]?.text).toMatch(/23 de noviembre de 2026,? 11:00/);
  });

  it("an escalation contact's reply to the escalation is an internal note: the customer sees nothing, the status stays", async () => {
    tt = await suite.start(MX('2026-11-23T10:00:00'));
    const { number } = await openTicket('2026-11-23T10:00:00', { Subject: 'Timbrado caído' }, URGENT);
    expect((await tt.tick(MX('2026-11-23T11:30:00'))).sla).toEqual({ warned: 1 });
    const [warning] = tt.take() as [SeenMail];
    expect(warning.to).toEqual([LEAD]);
    await tt.agentReply(MX('2026-11-23T11:35:00'), number, '¿Nos envía el XML?', 'pending');
    tt.take();
    const reply = await tt.answer(MX('2026-11-23T11:40:00'), warning, 'Lo reviso con el equipo de timbrado.', LEAD);
    expect(reply).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect(reply.detail).toContain('internal note');
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('pending');
    expect(ticket.messages.at(-1)).toMatchObject({ direction: 'in', internal: true, from: LEAD });
    await tt.flush();
    expect(tt.take()).toEqual([]);
  });

  it('a first public answer before 75% prevents the first-response warning; the resolution clock keeps running', async () => {
    tt = await suite.start(MX('2026-11-23T10:00:00'));
    const { number } = await openTicket('2026-11-23T10:00:00', { Subject: 'Timbrado caído' }, URGENT);
    await tt.agentReply(MX('2026-11-23T11:00:00'), number, 'Estamos revisando el PAC, le aviso en cuanto tenga novedades.');
    const [answer] = tt.take();
    expect(answer).toMatchObject({ to: [ANA], subject: `Re: [#${number}] Timbrado caído`, autoSubmitted: undefined });

    for (const local of ['2026-11-23T11:30:00', '2026-11-23T12:00:00', '2026-11-23T13:00:00', '2026-11-23T14:00:00', '2026-11-24T15:59:59.999']) {
      expect(await tt.tick(MX(local)), local).toEqual(nothing);
    }
    expect(tt.take()).toEqual([]);
    // Resolution target (urgent) 24 business hours from the ticket's creation: 75% = 18 h = Tue 24 Nov 16:00.
    expect((await tt.tick(MX('2026-11-24T16:00:00'))).sla).toEqual({ warned: 1 });
    expect(tt.take()).toMatchObject([{ to: [LEAD], subject: `[Escalamiento nivel 1] SLA por vencer · Ticket #${number}: Timbrado caído` }]);
    // 24 h: Mon 10 h + Tue 12 h + Wed 2 h = Wed 25 Nov 10:00.
    expect(await tt.tick(MX('2026-11-25T09:59:59.999'))).toEqual(nothing);
    expect((await tt.tick(MX('2026-11-25T10:00:00'))).sla).toEqual({ escalated: 1 });
    expect(tt.take()).toMatchObject([{ to: [LEAD], subject: `[Escalamiento nivel 1] SLA vencido · Ticket #${number}: Timbrado caído` }]);
    expect(await slaEvents(number)).toEqual([
      `sla_warning resolution target 24 h; level 1 -> ${LEAD}`,
      `sla_breach resolution target 24 h; level 1 -> ${LEAD}`,
    ]);
  });

  it('time spent pending does not count: the resolution warning moves by the days the customer took', async () => {
    tt = await suite.start(MX('2026-11-23T10:00:00'));
    const { number } = await openTicket('2026-11-23T10:00:00', { Subject: 'Timbrado caído' }, URGENT);
    // 0.5 business hours used; then pending from Mon 10:30 to Wed 10:00.
    await tt.agentReply(MX('2026-11-23T10:30:00'), number, '¿Qué mensaje de error muestra?', 'pending');
    const [asked] = tt.take();
    // Where the warning (18 h) and the breach (24 h) would be if pending time counted.
    expect(await tt.tick(MX('2026-11-24T16:00:00'))).toEqual(nothing);
    expect(await tt.tick(MX('2026-11-25T09:59:00'))).toEqual(nothing);
    await tt.answer(MX('2026-11-25T10:00:00'), asked as SeenMail, 'Error 301: sello inválido.');
    expect((await tt.ticket(number)).status).toBe('open');
    // The clock runs again from Wed 10:00 with 0.5 h used: 17.5 h more = Wed 10 h + Thu 7.5 h = Thu 26 Nov 15:30.
    expect(await tt.tick(MX('2026-11-26T15:29:59.999'))).toEqual(nothing);
    expect((await tt.tick(MX('2026-11-26T15:30:00'))).sla).toEqual({ warned: 1 });
    expect(tt.take()).toMatchObject([{ to: [LEAD], subject: `[Escalamiento nivel 1] SLA por vencer · Ticket #${number}: Timbrado caído` }]);
    expect(await slaEvents(number)).toEqual([`sla_warning resolution target 24 h; level 1 -> ${LEAD}`]);
  });
  // The levels reset only with the first response (slaFields): solved -> open keeps the resolution levels reached.
  it('a reopened ticket does not escalate again for a level it already reached', async () => {
    tt = await suite.start(MX('2026-11-23T10:00:00'));
    const { number } = await openTicket('2026-11-23T10:00:00', { Subject: 'Timbrado caído' }, URGENT);
    await tt.agentReply(MX('2026-11-23T11:00:00'), number, 'Revisamos el PAC.');
    expect((await tt.tick(MX('2026-11-24T16:00:00'))).sla).toEqual({ warned: 1 });
    expect((await tt.tick(MX('2026-11-25T10:00:00'))).sla).toEqual({ escalated: 1 }); // resolution 24 h
    await tt.agentReply(MX('2026-11-25T11:00:00'), number, 'Ya quedó: el PAC respondió.', 'solved'); // 25 h used
    const early = tt.take();
    const solved = early.find((m) => m.to.includes(ANA) && m.text.includes('Le enviamos la solución'));
    await tt.answer(MX('2026-11-25T12:00:00'), solved as SeenMail, 'Sigue fallando.');
    expect((await tt.ticket(number)).status).toBe('open');
    const afterReopen = await tt.tick(MX('2026-11-25T12:00:30'));
    // Level 2 (150% = 36 h) is still due at its time: 25 h + Wed 8 h + Thu 3 h = Thu 26 Nov 11:00.
    expect(await tt.tick(MX('2026-11-26T10:59:59.999'))).toEqual(nothing);
    expect((await tt.tick(MX('2026-11-26T11:00:00'))).sla).toEqual({ escalated: 1 });
    const mails = [...early, ...tt.take()];
    expect(mails.filter((m) => m.to.includes(LEAD)).map((m) => m.subject)).toEqual([
      `[Escalamiento nivel 1] SLA por vencer · Ticket #${number}: Timbrado caído`,
      `[Escalamiento nivel 1] SLA vencido · Ticket #${number}: Timbrado caído`,
    ]);
    expect(mails.filter((m) => m.to.includes(MANAGER)).map((m) => m.subject)).toEqual([`[Escalamiento nivel 2] SLA vencido · Ticket #${number}: Timbrado caído`]);
    // The reopen records no second level-1 breach.
    expect(afterReopen).toEqual(nothing);
    expect(await slaEvents(number)).toEqual([
      `sla_warning resolution target 24 h; level 1 -> ${LEAD}`,
      `sla_breach resolution target 24 h; level 1 -> ${LEAD}`,
      `sla_breach resolution target 24 h; level 2 -> ${MANAGER}`,
    ]);
  });
});

describe.skipIf(!cliBuilt)('through the real CLI', { timeout: 180_000 }, () => {
  const cliEnv = () => ({
    DATA_DIR: tt.app.dataDir,
    SUPPORT_ADDRESS: 'soporte@example.test',
    SUPPORT_NAME: 'Soporte Ventanilla',
    SECRET_KEY: 'test-secret-key-0123456789',
    ESCALATION_CONTACTS,
    ...suite.smtp.env(),
  });
  /** `instant`: what `iso` means, when it has no offset (the desk's clock: BUSINESS_TIMEZONE, Mexico City here). */
  const runOnce = async (iso: string, instant = iso) => {
    const r = await runCli(['scheduler', 'run-once', '--now', iso, '--json'], { env: cliEnv() });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { now: string; runs: Array<{ job: string; ran: boolean; result?: Record<string, number> }> };
    expect(out.now).toBe(new Date(instant).toISOString());
    return Object.fromEntries(out.runs.map((run) => [run.job, run.ran ? run.result : run]));
  };

  it('`tickets list --breached` lists the tickets past their SLA target still owed an answer, with the level and when it was due', async () => {
    tt = await suite.start(MX('2026-11-23T10:00:00'));
    const a = await openTicket('2026-11-23T10:00:00', { Subject: 'Timbrado caído' }, URGENT);
    const b = await openTicket('2026-11-23T10:30:00', { From: 'Luis <luis@otra.mx>', Subject: 'No timbra' }, URGENT);
    const c = await openTicket('2026-11-23T10:40:00', { From: 'Eva <eva@otra.mx>', Subject: 'Duda de factura' });
    // Urgent: first response within 2 business hours. At 13:10, #a is at level 2 (150%), #b at level 1; #c (normal, 24 h) is within its target.
    await tt.tick(MX('2026-11-23T12:00:00'));
    await tt.tick(MX('2026-11-23T12:30:00'));
    await tt.tick(MX('2026-11-23T13:00:00'));
    tt.take();

    const listed = await runCli(['tickets', 'list', '--breached'], { env: cliEnv() });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n')).toEqual([
      `#${a.number}\tnew     \turgent\t${ANA}\tTimbrado caído [SLA breached: level 2, first response due 2026-11-23 12:00 -06:00]`,
      `#${b.number}\tnew     \turgent\tluis@otra.mx\tNo timbra [SLA breached: level 1, first response due 2026-11-23 12:30 -06:00]`,
      '2 tickets past an SLA target',
      '',
    ]);
    // The plain list marks them too.
    const all = await runCli(['tickets', 'list'], { env: cliEnv() });
    expect(all.stdout).toContain(`#${c.number}\tnew     \tnormal\teva@otra.mx\tDuda de factura\n`);
    expect(all.stdout).toContain('No timbra [SLA breached: level 1, first response due 2026-11-23 12:30 -06:00]');

    // An answer to #b starts its resolution clock: the first response's breach is over, and so is its listing.
    await tt.agentReply(MX('2026-11-23T13:05:00'), b.number, 'Lo estamos revisando.', 'open');
    tt.take();
    const json = await runCli(['tickets', 'list', '--breached', '--json'], { env: cliEnv() });
    const rows = JSON.parse(json.stdout) as Array<{ number: number; escalationLevel: number; firstResponseDueAt: string; firstRespondedAt: string | null }>;
    expect(rows).toMatchObject([{ number: a.number, escalationLevel: 2, firstResponseDueAt: new Date(MX('2026-11-23T12:00:00')).toISOString(), firstRespondedAt: null }]);

    // Solved: nobody owes it an answer any more.
    await tt.agentReply(MX('2026-11-23T13:10:00'), a.number, 'Ya quedó.', 'solved');
    const none = await runCli(['tickets', 'list', '--breached'], { env: cliEnv() });
    expect(none.stdout).toBe('0 tickets past an SLA target\n');
  });

  it('`product-issue release BUG-1` solves the tickets on hold for BUG-1 and tells each customer; BUG-2 is untouched', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    await tt.app.db.contact.create({ data: { email: 'john@acme.example', name: 'John', country: 'US' } });
    const a = await openTicket('2026-11-23T09:00:00', { Subject: 'Timbrado falla' });
    const b = await openTicket('2026-11-23T09:10:00', { From: 'John <john@acme.example>', Subject: 'Stamping fails' });
    const c = await openTicket('2026-11-23T09:20:00', { From: 'Luis <luis@otra.mx>', Subject: 'Reporte lento' });
    await tt.agentReply(MX('2026-11-23T10:00:00'), a.number, 'Es un defecto del producto.', 'on_hold', 'BUG-1');
    await tt.agentReply(MX('2026-11-23T10:05:00'), b.number, 'This is a product defect.', 'on_hold', 'BUG-1');
    await tt.agentReply(MX('2026-11-23T10:10:00'), c.number, 'Registramos el issue.', 'on_hold', 'BUG-2');
    expect(tt.take().map((m) => m.subject)).toEqual([
      `Re: [#${a.number}] Timbrado falla`,
      `Re: [#${b.number}] Stamping fails`,
      `Re: [#${c.number}] Reporte lento`,
    ]);

    const r = await runCli(['product-issue', 'release', 'BUG-1'], { env: { ...cliEnv(), VENTANILLA_AGENT: 'agent:dev' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`solved #${a.number}, #${b.number}\n`);
    const mails = tt.take().sort((x, y) => x.subject.localeCompare(y.subject));
    expect(mails).toHaveLength(2);
    expect(mails).toMatchObject([
      { to: [ANA], subject: `Re: [#${a.number}] Timbrado falla`, lang: 'es' },
      { to: ['john@acme.example'], subject: `Re: [#${b.number}] Stamping fails`, lang: 'en' },
    ]);
    expect(mails[0]?.text).toContain('La corrección BUG-1 del producto ya está disponible.');
    expect(mails[1]?.text).toContain('The product fix BUG-1 has been released.');
    for (const n of [a.number, b.number]) {
      const t = await tt.ticket(n);
      expect(t.status).toBe('solved');
      expect(t.events.at(-1)).toMatchObject({ type: 'product_issue_released', actor: 'agent:dev', fromStatus: 'on_hold', toStatus: 'solved', detail: 'BUG-1' });
    }
    const other = await tt.ticket(c.number);
    expect(other.status).toBe('on_hold');
    expect(other.events.at(-1)).toMatchObject({ type: 'agent_reply', toStatus: 'on_hold' });

    // Released again: nothing left on hold for it.
    const again = await runCli(['product-issue', 'release', 'BUG-1'], { env: cliEnv() });
    expect({ code: again.code, stdout: again.stdout }).toEqual({ code: 0, stdout: `already released: no ticket is on hold for BUG-1 any more (#${a.number}, #${b.number} had been)\n` });
    expect(tt.take()).toEqual([]);

    // The release started the 84-hour validation window (at the wall clock, like any CLI action).
    const releasedAt = new Date((await tt.ticket(a.number)).events.at(-1)?.at as string);
    const closesAt = tt.app.lifecycle.policies.calendar.addBusinessHours(releasedAt, 84);
    expect((await tt.tick(new Date(closesAt.getTime() - 1).toISOString())).timers).toEqual({});
    expect((await tt.tick(closesAt.toISOString())).timers).toEqual({ closed: 2 });
    expect(tt.take().map((m) => m.to[0]).sort()).toEqual([ANA, 'john@acme.example']);
    expect((await tt.ticket(c.number)).status).toBe('on_hold');
  });

  it('`scheduler run-once --now` twice with the same instant sends the reminder once; later the close, once', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const { number } = await openTicket('2026-11-12T09:00:00', { Subject: 'No puedo timbrar' });
    await tt.agentReply(MX('2026-11-12T10:00:00'), number, '¿Nos envía el XML?', 'pending');
    tt.take();

    expect(await runOnce('2026-11-18T09:59:59.999-06:00')).toMatchObject({ 'lifecycle-timers': {}, 'outbox-drain': { sent: 0 } });
    const first = await runOnce('2026-11-18T10:00:00-06:00');
    expect(first).toEqual({ 'lifecycle-timers': { reminded: 1 }, 'sla-checks': {}, 'product-issue-releases': {}, 'escalation-digest': {}, 'access-request-digest': {}, 'bulletin-send': {}, 'outbox-drain': { sent: 1, retried: 0, failed: 0 } });
    expect(tt.take()).toMatchObject([{ to: [ANA], subject: `Re: [#${number}] No puedo timbrar`, autoSubmitted: 'auto-generated' }]);
    const second = await runOnce('2026-11-18T10:00:00-06:00');
    expect(second).toEqual({ 'lifecycle-timers': {}, 'sla-checks': {}, 'product-issue-releases': {}, 'escalation-digest': {}, 'access-request-digest': {}, 'bulletin-send': {}, 'outbox-drain': { sent: 0, retried: 0, failed: 0 } });
    expect(tt.take()).toEqual([]);

    // Without an offset, --now is on the desk's clock, as the notices' dates are (it was the machine's: UTC here).
    expect(await runOnce('2026-11-20T10:00:00', '2026-11-20T10:00:00-06:00')).toMatchObject({ 'lifecycle-timers': { closed: 1 }, 'outbox-drain': { sent: 1 } });
    expect(await runOnce('2026-11-20T10:00:00-06:00')).toMatchObject({ 'lifecycle-timers': {}, 'outbox-drain': { sent: 0 } });
    expect(tt.take()).toMatchObject([{ to: [ANA], subject: `Re: [#${number}] No puedo timbrar`, autoSubmitted: 'auto-generated' }]);
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('closed');
    expect(ticket.events.map((e) => e.type).filter((t) => t === 'pending_reminder' || t === 'auto_closed')).toEqual(['pending_reminder', 'auto_closed']);
  });

  // A mail queued at a simulated `now` ahead of the wall clock must not wait for the real clock to reach it:
  // the outbox drain sends with the wall clock, so a new mail is due no later than the moment it is queued.
  it('`run-once --now` in the future delivers the notices it queues', async () => {
    tt = await suite.start(MX('2031-04-01T09:00:00'));
    const { number } = await openTicket('2031-04-01T09:00:00', { Subject: 'Consulta' });
    await tt.agentReply(MX('2031-04-01T10:00:00'), number, '¿Nos envía el XML?', 'pending');
    tt.take();
    // Tue 10 h + Wed 12 h + Thu 12 h + Fri 2 h = 36 business hours.
    const result = await runOnce('2031-04-04T10:00:00-06:00');
    expect(result['lifecycle-timers']).toEqual({ reminded: 1 });
    expect(result['outbox-drain']).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(tt.take().map((m) => m.subject)).toEqual([`Re: [#${number}] Consulta`]);
  });
});
