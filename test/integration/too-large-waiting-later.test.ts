import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addOrganisation, authoriseContact } from '../../src/lifecycle/access-actions.js';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { ticketAnswered as answered } from '../support/waiting-ticket.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// What becomes of a customer's too-large answer to a ticket waiting for her (too-large-waiting.test.ts) later on.
// Read once an administrator raises MAX_MESSAGE_BYTES, its content filled the note but the ticket stayed pending (or
// solved): nothing sent it back to support, and the timer closed it "we received nothing" on the restarted date,
// though her information was on the ticket. It now does what her readable answer does (pending -> open, solved ->
// reopened), unless the ticket moved on meanwhile. And one that came after the window ended, before a tick closed
// the ticket, closes it and opens a ticket of its own, as a readable late answer closes it and opens a follow-up;
// one that came in time, read after the tick closed the ticket, undoes the close as a readable one does.
// Mexico City, UTC-6; Mon-Fri 08-20; Mon 16 Nov 2026 a holiday.

const suite = timeTravelSuite();
let tt: TimeTravel;
let dir: string;
let raised: TestApp | null = null;
afterEach(async () => {
  await raised?.dispose();
  raised = null;
  rmSync(dir, { recursive: true, force: true });
});
const MX = (local: string) => `${local}-06:00`;
const BIG = 'x'.repeat(5000);
const start = () => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-too-large-later-'));
  return suite.start(MX('2026-11-12T09:00:00'), { MAX_MESSAGE_BYTES: '2000', DATA_DIR: dir });
};

const ticketAnswered = (subject: string, status: 'pending' | 'solved') => answered(tt, subject, status);

const answerTo = (asked: SeenMail) => mail({ headers: { 'In-Reply-To': asked.messageId, References: asked.messageId, Subject: `Re: ${asked.subject}` }, body: `Adjunto el XML.\n${BIG}` });

/** The administrator raised MAX_MESSAGE_BYTES: the same raw mail read at `local` by the gateway on the same data. */
async function readLater(local: string, raw: Buffer) {
  raised ??= await createTestApp({ ...suite.smtp.env(), SUPPORT_NAME: 'Soporte Ventanilla', DATA_DIR: dir }, () => tt.now());
  const at = new Date(MX(local));
  await tt.tick(MX(local));
  tt.take();
  const result = await raised.pipeline.ingest(raw, { source: 'file' });
  await raised.drainer().drain(() => at);
  return result;
}

const types = async (number: number) => (await tt.ticket(number)).events.map((e) => e.type);

describe("a customer's too-large answer to a waiting ticket, read once MAX_MESSAGE_BYTES is raised", () => {
  it('pending: her answer, read, sends the ticket back to support (open), and no reminder nor close follows', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('No puedo timbrar', 'pending');
    const raw = answerTo(asked);
    expect(await tt.ingest(MX('2026-11-17T10:00:00'), raw)).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    tt.take();
    expect(await readLater('2026-11-17T12:00:00', raw)).toMatchObject({ outcome: 'too_large_read', ticketNumber: number });
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect(ticket.events.filter((e) => e.type === 'customer_answered')).toEqual([expect.objectContaining({ fromStatus: 'pending', toStatus: 'open', actor: 'ana@cliente.mx' })]);
    // Neither "we are still waiting for your information" nor "we received nothing, so we closed it".
    expect((await tt.tick(MX('2026-11-20T10:00:00'))).timers).toEqual({});
    expect((await tt.tick(MX('2026-11-24T10:00:00'))).timers).toEqual({});
    expect(tt.take()).toEqual([]);
  });

  it('solved: her answer, read, reopens the ticket and tells her so, as any answer to the solution', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Certificado vencido', 'solved');
    const raw = answerTo(asked);
    expect(await tt.ingest(MX('2026-11-23T10:00:00'), raw)).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    tt.take();
    expect(await readLater('2026-11-23T12:00:00', raw)).toMatchObject({ outcome: 'too_large_read', ticketNumber: number });
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect(ticket.events.filter((e) => e.type === 'reopened')).toEqual([expect.objectContaining({ fromStatus: 'solved', toStatus: 'open' })]);
    const mails = tt.take();
    expect(mails.map((m) => m.text.includes('reabrimos su ticket'))).toEqual([true]);
    expect((await tt.tick(MX('2026-12-02T10:00:00'))).timers).toEqual({});
  });

  it('solved, her mail asking for no automatic answer (X-Auto-Response-Suppress): reopened, and no receipt sent', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Certificado 2', 'solved');
    const raw = mail({ headers: { 'In-Reply-To': asked.messageId, References: asked.messageId, Subject: `Re: ${asked.subject}`, 'X-Auto-Response-Suppress': 'All' }, body: `No funciona.\n${BIG}` });
    expect(await tt.ingest(MX('2026-11-23T10:00:00'), raw)).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    tt.take();
    await readLater('2026-11-23T12:00:00', raw);
    expect((await tt.ticket(number)).status).toBe('open');
    expect(tt.take()).toEqual([]);
  });

  it('a ticket that moved on meanwhile (her readable answer, then a new question) is left where it is', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Error en nómina', 'pending');
    const raw = answerTo(asked);
    await tt.ingest(MX('2026-11-17T10:00:00'), raw);
    expect((await tt.answer(MX('2026-11-17T11:00:00'), asked, 'Adjunto el XML comprimido.')).outcome).toBe('comment');
    await tt.agentReply(MX('2026-11-17T12:00:00'), number, '¿Y el de diciembre?', 'pending');
    tt.take();
    expect(await readLater('2026-11-17T13:00:00', raw)).toMatchObject({ outcome: 'too_large_read', ticketNumber: number });
    expect((await tt.ticket(number)).status).toBe('pending');
    expect((await types(number)).filter((t) => t === 'customer_answered')).toHaveLength(1);
    expect(tt.take()).toEqual([]);
  });

  it("an agent's new question meanwhile (a new pending period) is a move: the ticket waits for her answer to it", async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Factura 9', 'pending');
    const raw = answerTo(asked);
    await tt.ingest(MX('2026-11-17T10:00:00'), raw);
    await tt.agentReply(MX('2026-11-17T11:00:00'), number, 'No pudimos leer su correo: ¿nos manda el XML comprimido?', 'pending');
    tt.take();
    await readLater('2026-11-17T12:00:00', raw);
    expect((await tt.ticket(number)).status).toBe('pending');
    expect(tt.take()).toEqual([]);
  });

  it("an agent's internal note meanwhile is no move: her answer, read, still sends the ticket back to support", async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Factura 8', 'pending');
    const raw = answerTo(asked);
    await tt.ingest(MX('2026-11-17T10:00:00'), raw);
    await replyToTicket(tt.app, { number, body: 'Mandó el XML en un correo de 5 MB; pedí subir el límite.', internal: true, actor: 'agent:maria', now: new Date(MX('2026-11-17T10:30:00')) });
    tt.take();
    await readLater('2026-11-17T12:00:00', raw);
    expect((await tt.ticket(number)).status).toBe('open');
  });

  it('a ticket closed meanwhile stays closed, and no follow-up is opened', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Factura 7', 'pending');
    const raw = answerTo(asked);
    await tt.ingest(MX('2026-11-17T10:00:00'), raw);
    expect((await tt.tick(MX('2026-11-24T10:00:00'))).timers).toEqual({ closed: 1 });
    expect(await readLater('2026-11-25T10:00:00', raw)).toMatchObject({ outcome: 'too_large_read', ticketNumber: number });
    expect((await tt.ticket(number)).status).toBe('closed');
    expect(tt.take()).toEqual([]);
  });
});

describe("a customer's too-large answer after the pending window ended, before the tick closed the ticket", () => {
  it('closes the ticket as a readable late answer does, and opens a ticket of its own: no closing mail after it', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Timbrado 3', 'pending');
    expect((await tt.tick(MX('2026-11-18T10:00:00'))).timers).toEqual({ reminded: 1 });
    tt.take();
    // The window ended Fri 20 Nov 10:00; the tick has not run yet when she answers at 10:30, too large.
    const result = await tt.ingest(MX('2026-11-20T10:30:00'), answerTo(asked));
    expect(result.outcome).toBe('too_large');
    expect(result.ticketNumber).not.toBe(number);
    const old = await tt.ticket(number);
    expect(old.status).toBe('closed');
    expect(old.events.filter((e) => e.type === 'auto_closed')).toHaveLength(1);
    // Her one mail: the too_large notice, on the ticket it opened. The tick then closes nothing more.
    expect(tt.take().map((m) => m.subject.includes(`#${result.ticketNumber}`) && m.text.includes('supera el máximo'))).toEqual([true]);
    expect((await tt.tick(MX('2026-11-20T11:00:00'))).timers).toEqual({});
    expect(tt.take()).toEqual([]);
  });
});

describe("a customer's too-large answer in time, read after the tick closed the ticket", () => {
  // A readable answer that reached the mailbox in time undoes the timer's close (apply.ts closedByTimerBefore); so does
  // a too-large one (too-large-close-undone.ts): the ticket goes back to support with its note, no ticket of its own.
  // Its one mail is the too_large notice on that ticket, which also says the close was a mistake when the closing
  // mail may have reached her; not close_undone, whose "our team will review the information you sent" is untrue of
  // a mail nobody could read. Pending due Fri 20 Nov 10:00, solved Tue 24 Nov 10:00; her mail reached it at 09:59.
  const outbox = async (number: number) =>
    (await tt.app.db.outboxMail.findMany({ where: { ticket: { number } }, orderBy: { id: 'asc' } })).map((m) => [m.template, m.status]);
  const statusChanges = async (number: number) =>
    (await tt.ticket(number)).events.filter((e) => e.toStatus !== null && e.fromStatus !== e.toStatus).map((e) => [e.type, e.fromStatus, e.toStatus]);

  it('pending, the closing mail still unsent (SMTP down): cancelled, the ticket opens with her note, and her one mail is the too_large notice', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Timbrado 4', 'pending');
    expect((await tt.tick(MX('2026-11-18T10:00:00'))).timers).toEqual({ reminded: 1 });
    tt.take();
    const raw = answerTo(asked);
    await suite.smtp.down();
    try {
      expect((await tt.tick(MX('2026-11-20T10:00:30'))).timers).toEqual({ closed: 1 });
      const result = await tt.ingest(MX('2026-11-20T10:01:00'), raw, MX('2026-11-20T09:59:00'));
      expect(result).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    } finally {
      await suite.smtp.up();
    }
    await tt.app.drainer().drain(() => new Date(Date.now() + 60_000));
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect((await statusChanges(number)).slice(-2)).toEqual([['auto_closed', 'pending', 'closed'], ['customer_answered', 'closed', 'open']]);
    expect(ticket.events.map((e) => e.type)).toEqual(expect.arrayContaining(['too_large', 'notice_cancelled']));
    expect(ticket.events.some((e) => e.type === 'follow_up_created')).toBe(false);
    const mails = tt.take();
    expect(mails.map((m) => [m.to, m.subject])).toEqual([[['ana@cliente.mx'], `[#${number}] Su correo no pudo procesarse por su tamaño: Timbrado 4`]]);
    expect(mails[0]?.text).toContain(`Lo registramos con el ticket #${number}`);
    // She never had the closing mail: nothing to take back.
    expect(mails[0]?.text).not.toContain('cierre');
    expect(await outbox(number)).toEqual([['acknowledgement', 'sent'], ['pending', 'sent'], ['pending_reminder', 'sent'], ['closed', 'cancelled'], ['too_large', 'sent']]);
    // Back with support, its SLA clock running: no reminder, no close.
    expect((await tt.tick(MX('2026-11-27T10:00:00'))).timers).toEqual({});
    // Read once the limit is raised: its content on the note, the ticket open as it is, nobody mailed.
    expect(await readLater('2026-11-27T11:00:00', raw)).toMatchObject({ outcome: 'too_large_read', ticketNumber: number });
    expect((await tt.ticket(number)).status).toBe('open');
    expect(tt.take()).toEqual([]);
  });

  it('pending, the closing mail sent: her one mail, the too_large notice on that ticket, says the close was a mistake and the ticket open', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Timbrado 5', 'pending');
    expect((await tt.tick(MX('2026-11-18T10:00:00'))).timers).toEqual({ reminded: 1 });
    tt.take();
    expect((await tt.tick(MX('2026-11-20T10:00:30'))).timers).toEqual({ closed: 1 });
    expect(tt.take().map((m) => m.text.includes('por lo que cerramos el ticket'))).toEqual([true]);
    const result = await tt.ingest(MX('2026-11-20T10:01:00'), answerTo(asked), MX('2026-11-20T09:59:00'));
    expect(result).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    expect((await tt.ticket(number)).status).toBe('open');
    expect((await statusChanges(number)).at(-1)).toEqual(['customer_answered', 'closed', 'open']);
    const mails = tt.take();
    expect(mails.map((m) => [m.to, m.subject, m.autoSubmitted])).toEqual([[['ana@cliente.mx'], `[#${number}] Su correo no pudo procesarse por su tamaño: Timbrado 5`, 'auto-replied']]);
    const text = mails[0]?.text ?? '';
    expect(text).toContain('supera el máximo que podemos procesar');
    expect(text).toContain(
      `Le avisamos que su ticket #${number} «Timbrado 5» se había cerrado por falta de respuesta, pero este correo nos llegó a tiempo, ` +
        'dentro del plazo de 5 días hábiles: el cierre fue un error y el ticket sigue abierto, en estado «Abierto».',
    );
    expect(text).toContain('responda a este correo con');
    expect(text).not.toContain('revisará la información');
    expect(await outbox(number)).toEqual([['acknowledgement', 'sent'], ['pending', 'sent'], ['pending_reminder', 'sent'], ['closed', 'sent'], ['too_large', 'sent']]);
    expect((await tt.tick(MX('2026-11-27T10:00:00'))).timers).toEqual({});
  });

  it('solved, the closing mail sent: the ticket is reopened with her note, the too_large notice says the close was a mistake', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Certificado 4', 'solved');
    expect((await tt.tick(MX('2026-11-24T10:00:30'))).timers).toEqual({ closed: 1 });
    expect(tt.take().map((m) => m.text.includes('la damos por aceptada'))).toEqual([true]);
    const result = await tt.ingest(MX('2026-11-24T10:01:00'), answerTo(asked), MX('2026-11-24T09:59:00'));
    expect(result).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('open');
    expect((await statusChanges(number)).slice(-2)).toEqual([['auto_closed', 'solved', 'closed'], ['reopened', 'closed', 'open']]);
    expect(ticket.events.some((e) => e.type === 'follow_up_created')).toBe(false);
    const mails = tt.take();
    expect(mails.map((m) => m.subject)).toEqual([`[#${number}] Su correo no pudo procesarse por su tamaño: Certificado 4`]);
    expect(mails[0]?.text).toContain(
      `Le avisamos que su ticket #${number} «Certificado 4» se había cerrado al dar por aceptada la solución, pero este correo nos llegó a tiempo, ` +
        'dentro del plazo de 7 días hábiles: el cierre fue un error y el ticket sigue abierto, en estado «Abierto».',
    );
    expect(await outbox(number)).toEqual([['acknowledgement', 'sent'], ['solved', 'sent'], ['closed', 'sent'], ['too_large', 'sent']]);
    expect((await tt.tick(MX('2026-12-02T10:00:00'))).timers).toEqual({});
  });

  it('UNKNOWN_SENDER_POLICY=hold: a colleague in copy, not authorised, continues the ticket (not held); a stranger naming it is held', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-too-large-later-'));
    tt = await suite.start(MX('2026-11-12T09:00:00'), { MAX_MESSAGE_BYTES: '2000', DATA_DIR: dir, UNKNOWN_SENDER_POLICY: 'hold' });
    const at = tt.now();
    await inTransaction(tt.app.db, (tx) => addOrganisation(tx, tt.app.lifecycle, { name: 'Cliente', domains: ['cliente.mx'], country: 'MX', admin: 'admin@cliente.mx', actor: 'agent:test', now: at }));
    await inTransaction(tt.app.db, (tx) => authoriseContact(tx, tt.app.lifecycle, { email: 'ana@cliente.mx', actor: 'agent:test', now: at }));
    const { number, asked } = await ticketAnswered('Timbrado 7', 'pending');
    await tt.app.db.ticketCc.create({ data: { ticket: { connect: { number } }, email: 'luis@cliente.mx' } });
    expect((await tt.tick(MX('2026-11-18T10:00:00'))).timers).toEqual({ reminded: 1 });
    expect((await tt.tick(MX('2026-11-20T10:00:30'))).timers).toEqual({ closed: 1 });
    tt.take();
    const from = (address: string) => mail({ headers: { From: address, 'In-Reply-To': asked.messageId, References: asked.messageId, Subject: `Re: ${asked.subject}` }, body: BIG });
    const stranger = await tt.ingest(MX('2026-11-20T10:01:00'), from('x@otra.com'), MX('2026-11-20T09:58:00'));
    expect(stranger.ticketNumber).not.toBe(number);
    expect((await tt.ticket(stranger.ticketNumber as number)).events.map((e) => e.type)).toContain('held_for_authorisation');
    expect((await tt.ticket(number)).status).toBe('closed');
    const luis = await tt.ingest(MX('2026-11-20T10:02:00'), from('luis@cliente.mx'), MX('2026-11-20T09:59:00'));
    expect(luis).toMatchObject({ outcome: 'too_large', ticketNumber: number });
    expect((await tt.ticket(number)).status).toBe('open');
    // The notice to the one who must send it again, on that ticket; the requester, who had the closing mail, is told
    // the ticket is open again (too-large-close-undone.test.ts); the stranger's held ticket is answered by nothing.
    const mails = tt.take();
    expect(mails.map((m) => [m.to, m.subject])).toEqual([
      [['luis@cliente.mx'], `[#${number}] Su correo no pudo procesarse por su tamaño: Timbrado 7`],
      [['ana@cliente.mx'], `Re: [#${number}] Timbrado 7`],
    ]);
    expect(mails[0]?.text).toContain('el cierre fue un error y el ticket sigue abierto');
  });

  it('one that reached the mailbox after the deadline, read after the tick: the ticket stays closed, and it opens its own', async () => {
    tt = await start();
    const { number, asked } = await ticketAnswered('Timbrado 6', 'pending');
    expect((await tt.tick(MX('2026-11-20T10:00:30'))).timers).toEqual({ closed: 1 });
    tt.take();
    const result = await tt.ingest(MX('2026-11-20T10:01:00'), answerTo(asked), MX('2026-11-20T10:00:10'));
    expect(result.outcome).toBe('too_large');
    expect(result.ticketNumber).not.toBe(number);
    expect((await tt.ticket(number)).status).toBe('closed');
    expect(tt.take().map((m) => m.subject.startsWith(`[#${result.ticketNumber}] Su correo no pudo procesarse`))).toEqual([true]);
  });
});
