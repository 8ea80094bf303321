import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addOrganisation, authoriseContact } from '../../src/lifecycle/access-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { ticketAnswered } from '../support/waiting-ticket.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// A too-large answer that reached the mailbox in time, read after the timer's tick closed its ticket, undoes the close
// (too-large-close-undone.ts). What else a demanding user meets there: a machine's mail (an out-of-office of one of
// the ticket's people) undoes nothing and opens nothing it would not have opened before; the same mail read twice
// (a crash before the IMAP acknowledgement) undoes once and mails once. Pending due Fri 20 Nov 2026 10:00 Mexico City;
// the tick closes it at 10:00:30, her mail reached the mailbox at 09:59.

const suite = timeTravelSuite();
let tt: TimeTravel;
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const MX = (local: string) => `${local}-06:00`;
const BIG = 'x'.repeat(5000);

async function closedByTheTimer(subject: string, env: Record<string, string> = {}) {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-too-large-undone-'));
  tt = await suite.start(MX('2026-11-12T09:00:00'), { MAX_MESSAGE_BYTES: '2000', DATA_DIR: dir, ...env });
  if (env.UNKNOWN_SENDER_POLICY === 'hold') {
    const at = tt.now();
    await inTransaction(tt.app.db, (tx) => addOrganisation(tx, tt.app.lifecycle, { name: 'Cliente', domains: ['cliente.mx'], country: 'MX', admin: 'admin@cliente.mx', actor: 'agent:test', now: at }));
    await inTransaction(tt.app.db, (tx) => authoriseContact(tx, tt.app.lifecycle, { email: 'ana@cliente.mx', actor: 'agent:test', now: at }));
  }
  const { number, asked } = await ticketAnswered(tt, subject, 'pending');
  await tt.app.db.ticketCc.create({ data: { ticket: { connect: { number } }, email: 'luis@cliente.mx' } });
  expect((await tt.tick(MX('2026-11-18T10:00:00'))).timers).toEqual({ reminded: 1 });
  expect((await tt.tick(MX('2026-11-20T10:00:30'))).timers).toEqual({ closed: 1 });
  tt.take();
  return { number, asked };
}

const answer = (asked: SeenMail, headers: Record<string, string> = {}) =>
  mail({ headers: { 'In-Reply-To': asked.messageId, References: asked.messageId, Subject: `Re: ${asked.subject}`, ...headers }, body: `Adjunto el XML.\n${BIG}` });
const statusChanges = async (number: number) =>
  (await tt.ticket(number)).events.filter((e) => e.toStatus !== null && e.fromStatus !== e.toStatus).map((e) => [e.type, e.fromStatus, e.toStatus]);
const outbox = async (number: number) =>
  (await tt.app.db.outboxMail.findMany({ where: { ticket: { number } }, orderBy: { id: 'asc' } })).map((m) => [m.template, m.status]);
const outOfOffice = { 'Auto-Submitted': 'auto-replied', Subject: 'Fuera de la oficina' };

describe("a machine's too-large mail in time, read after the tick closed the ticket", () => {
  it('UNKNOWN_SENDER_POLICY=hold: a colleague in copy, not authorised, out of office: held as before, the ticket stays closed', async () => {
    const { number, asked } = await closedByTheTimer('Timbrado 8', { UNKNOWN_SENDER_POLICY: 'hold' });
    const result = await tt.ingest(MX('2026-11-20T10:01:00'), answer(asked, { ...outOfOffice, From: 'luis@cliente.mx' }), MX('2026-11-20T09:59:00'));
    expect(result.outcome).toBe('too_large');
    expect(result.ticketNumber).not.toBe(number);
    expect((await tt.ticket(result.ticketNumber as number)).events.map((e) => e.type)).toContain('held_for_authorisation');
    const own = await tt.app.db.ticket.findUniqueOrThrow({ where: { number: result.ticketNumber as number } });
    expect([own.slaRunningSince, own.firstResponseDueAt]).toEqual([null, null]);
    expect((await tt.ticket(number)).status).toBe('closed');
    expect((await statusChanges(number)).at(-1)).toEqual(['auto_closed', 'pending', 'closed']);
    expect(tt.take()).toEqual([]);
  });

  it("the requester's own out-of-office: the ticket stays closed, no notice", async () => {
    const { number, asked } = await closedByTheTimer('Timbrado 9');
    const result = await tt.ingest(MX('2026-11-20T10:01:00'), answer(asked, outOfOffice), MX('2026-11-20T09:59:00'));
    expect(result.outcome).toBe('too_large');
    expect(result.ticketNumber).not.toBe(number);
    expect((await tt.ticket(number)).status).toBe('closed');
    expect((await statusChanges(number)).at(-1)).toEqual(['auto_closed', 'pending', 'closed']);
    expect(tt.take()).toEqual([]);
  });
});

describe('the same too-large mail in time read twice (a crash before the IMAP acknowledgement)', () => {
  it('undoes the close once and mails once; the second read is a duplicate', async () => {
    const { number, asked } = await closedByTheTimer('Timbrado 10');
    const raw = answer(asked);
    expect(await tt.ingest(MX('2026-11-20T10:01:00'), raw, MX('2026-11-20T09:59:00'))).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    expect(await tt.ingest(MX('2026-11-20T10:05:00'), raw, MX('2026-11-20T09:59:00'))).toMatchObject({ outcome: 'duplicate', ticketNumber: number });
    expect((await statusChanges(number)).filter(([type]) => type === 'customer_answered' || type === 'auto_closed').slice(-2)).toEqual([
      ['auto_closed', 'pending', 'closed'],
      ['customer_answered', 'closed', 'open'],
    ]);
    expect((await tt.ticket(number)).events.filter((e) => e.type === 'too_large')).toHaveLength(1);
    expect((await outbox(number)).filter(([template]) => template === 'too_large')).toHaveLength(1);
  });
});

describe('the copies of a ticket whose close a too-large answer in time undid, the closing mail sent to them', () => {
  // The closing mail went to the requester and her copies; a readable answer's close_undone goes to them all. The
  // too_large notice is for its sender alone ("send it again smaller"): the others are told the ticket is open again,
  // and nothing of a mail they did not send nor of information support could not read.
  const toldOpenAgain = (number: number, subject: string) =>
    `Le avisamos que su ticket #${number} «${subject}» se había cerrado por falta de respuesta, pero un correo sobre él nos llegó a tiempo, ` +
    'dentro del plazo de 5 días hábiles: el cierre fue un error y el ticket sigue abierto, en estado «Abierto».';

  it("the requester's answer: the too_large notice to her; the colleague in copy is told the ticket is open again", async () => {
    const { number, asked } = await closedByTheTimer('Timbrado 11');
    expect(await tt.ingest(MX('2026-11-20T10:01:00'), answer(asked), MX('2026-11-20T09:59:00'))).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    const mails = tt.take();
    expect(mails.map((m) => [m.to, m.subject])).toEqual([
      [['ana@cliente.mx'], `[#${number}] Su correo no pudo procesarse por su tamaño: Timbrado 11`],
      [['luis@cliente.mx'], `Re: [#${number}] Timbrado 11`],
    ]);
    const copy = mails[1]?.text ?? '';
    expect(copy).toContain(toldOpenAgain(number, 'Timbrado 11'));
    for (const untrue of ['tamaño', 'su respuesta', 'revisará la información']) expect(copy).not.toContain(untrue);
    expect(await outbox(number)).toEqual(expect.arrayContaining([['closed', 'sent'], ['too_large', 'sent'], ['close_undone', 'sent']]));
  });

  it('a colleague in copy answers: the too_large notice to him, the requester told the ticket is open again', async () => {
    const { number, asked } = await closedByTheTimer('Timbrado 12');
    const luis = await tt.ingest(MX('2026-11-20T10:01:00'), answer(asked, { From: 'Luis Gómez <luis@cliente.mx>' }), MX('2026-11-20T09:59:00'));
    expect(luis).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    const mails = tt.take();
    expect(mails.map((m) => [m.to, m.subject.startsWith(`[#${number}] Su correo no pudo procesarse`)])).toEqual([
      [['luis@cliente.mx'], true],
      [['ana@cliente.mx'], false],
    ]);
    expect(mails[1]?.text).toContain(toldOpenAgain(number, 'Timbrado 12'));
    expect(mails[1]?.text).toContain('Ana Pérez');
  });
});
