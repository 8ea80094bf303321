import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/ingest/sources/files.js';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { mail } from '../support/app.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// The customer's window (DOMAIN.md rules 3 and 4) is the deadline the mail told them, not the moment a
// scheduler tick happens to notice it: a reply after it opens a follow-up even when no tick ran since (the
// daemon down while an MTA still delivers with `ingest -`), and a new question or solution while the ticket
// is already pending or solved starts the window again, as its mail says. Mexico City, UTC-6; Mon-Fri 08-20.

const suite = timeTravelSuite();
let tt: TimeTravel;

const MX = (local: string) => `${local}-06:00`;
const nothing = { timers: {}, sla: {} };

async function openTicket(local: string, subject: string): Promise<number> {
  const r = await tt.ingest(MX(local), mail({ headers: { Subject: subject } }));
  expect(r.outcome).toBe('created');
  tt.take();
  return r.ticketNumber as number;
}

describe('a reply after the window, with no tick in between', () => {
  it('solved: 10 s after the 84 business hours, it opens a follow-up; the old ticket is closed without a mail of its own', async () => {
    tt = await suite.start(MX('2026-11-13T11:00:00'));
    const number = await openTicket('2026-11-13T11:00:00', 'Error en nómina');
    await tt.agentReply(MX('2026-11-13T12:00:00'), number, 'Actualice a la versión 5.2.', 'solved');
    const [solved] = tt.take();
    // Fri 13 Nov 12:00 + 84 business hours (the 16 Nov holiday skipped) = Wed 25 Nov 12:00.
    expect(solved?.text).toMatch(/25 de noviembre de 2026,? 12:00/);
    expect(await tt.tick(MX('2026-11-25T11:59:50'))).toEqual(nothing);

    const reply = await tt.answer(MX('2026-11-25T12:00:10'), solved as SeenMail, 'Sigue sin funcionar.');
    expect(reply.outcome).toBe('followup');
    expect(reply.ticketNumber).not.toBe(number);
    const old = await tt.ticket(number);
    expect(old.status).toBe('closed');
    expect(old.events.map((e) => e.type).slice(-2)).toEqual(['auto_closed', 'follow_up_created']);
    expect(old.events.at(-2)).toMatchObject({ actor: 'system', fromStatus: 'solved', toStatus: 'closed', detail: 'solved_expired' });
    // One mail: the follow-up's, which says the ticket was closed already.
    const mails = tt.take();
    expect(mails.map((m) => m.subject)).toEqual([expect.stringContaining(`[#${reply.ticketNumber}]`)]);
    expect(mails[0]?.text).toContain(`#${number}`);
    // The tick after finds nothing left to close.
    expect(await tt.tick(MX('2026-11-25T12:00:30'))).toEqual(nothing);
    expect(tt.take()).toEqual([]);
  });

  it("solved, its window over and no tick since: a stranger's answer opens a ticket of their own, not a follow-up that carries the customer's case", async () => {
    tt = await suite.start(MX('2026-11-13T11:00:00'));
    const number = await openTicket('2026-11-13T11:00:00', 'Error en nómina');
    await tt.agentReply(MX('2026-11-13T12:00:00'), number, 'Actualice a la versión 5.2.', 'solved');
    const [solved] = tt.take();
    const reply = await tt.answer(MX('2026-11-25T12:00:10'), solved as SeenMail, 'Me interesa.', 'extrano@otro.example');
    expect(reply.outcome).toBe('created');
    const own = await tt.ticket(reply.ticketNumber as number);
    expect(own).toMatchObject({ followUpOf: null, requester: 'extrano@otro.example', ccs: [] });
    expect(own.events[0]).toMatchObject({ type: 'created', detail: 'followup-from-stranger' });
    const mails = tt.take();
    expect(mails.map((m) => m.to)).toEqual([['extrano@otro.example']]);
    expect(mails[0]?.text).not.toContain(`#${number}`);
    // The customer's ticket is closed by the tick, with the mail that tells her (a stranger's mail closed it silently).
    await tt.tick(MX('2026-11-25T12:00:30'));
    expect((await tt.ticket(number)).status).toBe('closed');
    expect(tt.take().map((m) => m.to)).toEqual([['ana@cliente.mx']]);
  });

  it('pending: a day after the 60 business hours, it opens a follow-up', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const number = await openTicket('2026-11-12T09:00:00', 'No puedo timbrar');
    await tt.agentReply(MX('2026-11-12T10:00:00'), number, '¿Nos envía el XML?', 'pending');
    const [asked] = tt.take();
    expect(asked?.text).toMatch(/20 de noviembre de 2026,? 10:00/);
    const reply = await tt.answer(MX('2026-11-23T10:00:00'), asked as SeenMail, 'Adjunto el XML.');
    expect(reply.outcome).toBe('followup');
    expect((await tt.ticket(number)).status).toBe('closed');
    expect((await tt.ticket(reply.ticketNumber as number)).followUpOf).toBe(number);
  });

  it('pending: a second before the deadline, with the reminder never sent, the reply still counts (open, same ticket)', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const number = await openTicket('2026-11-12T09:00:00', 'No puedo timbrar');
    await tt.agentReply(MX('2026-11-12T10:00:00'), number, '¿Nos envía el XML?', 'pending');
    const [asked] = tt.take();
    const reply = await tt.answer(MX('2026-11-20T09:59:59'), asked as SeenMail, 'Adjunto el XML.');
    expect(reply).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect((await tt.ticket(number)).status).toBe('open');
    expect(await tt.tick(MX('2026-11-20T10:00:00'))).toEqual(nothing);
  });
});

describe('a Maildir imported after the window (the gateway was down while the mail server delivered)', () => {
  it('judges each answer at its delivery (the time its name starts with): in time reopens the same ticket, late opens a follow-up', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const inTime = await openTicket('2026-11-12T09:00:00', 'No puedo timbrar');
    const late = await openTicket('2026-11-12T09:05:00', 'Error en nómina');
    await tt.agentReply(MX('2026-11-12T10:00:00'), inTime, '¿Nos envía el XML?', 'pending');
    await tt.agentReply(MX('2026-11-12T10:05:00'), late, '¿Nos envía el recibo?', 'pending');
    const [askedA, askedB] = tt.take();
    // 60 business hours: due Fri 20 Nov 10:00 and 10:05. The answers reached the mail server's Maildir on Fri 20 Nov
    // 09:00 and 11:00; the import runs on Mon 23 Nov, no tick in between.
    const maildir = mkdtempSync(join(tmpdir(), 'maildir-'));
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub));
    const answer = (to: SeenMail, body: string) => mail({ headers: { 'In-Reply-To': to.messageId, References: to.messageId, Subject: `Re: ${to.subject}` }, body });
    const seconds = (local: string) => Math.floor(new Date(MX(local)).getTime() / 1000);
    writeFileSync(join(maildir, 'new', `${seconds('2026-11-20T09:00:00')}.M1P1.mx.cliente`), answer(askedA as SeenMail, 'Adjunto el XML.'));
    writeFileSync(join(maildir, 'new', `${seconds('2026-11-20T11:00:00')}.M2P1.mx.cliente`), answer(askedB as SeenMail, 'Adjunto el recibo.'));
    await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { From: 'Luis <luis@otra.mx>', Subject: 'Otra consulta' } })); // the clock: Monday
    tt.take();
    const report = await ingestPaths(tt.app.pipeline, [maildir]);
    expect(report.results.map((r) => [r.outcome, r.ticketNumber === inTime || r.ticketNumber === late ? 'same' : 'new'])).toEqual([
      ['comment', 'same'],
      ['followup', 'new'],
    ]);
    expect((await tt.ticket(inTime)).status).toBe('open');
    expect((await tt.ticket(late)).status).toBe('closed');
  });
});

/** A file the agent attaches that is slow to read (a network share): a FIFO, held until `release` writes it. */
async function slowAttachment(dir: string): Promise<{ path: string; reading(): Promise<void>; release(): void }> {
  const path = join(dir, 'registro.txt');
  execFileSync('mkfifo', [path]);
  let fd = -1;
  return {
    path,
    // Opening the writing end without blocking succeeds only once a reader waits on the file.
    reading: async () => {
      for (let tries = 0; fd < 0; tries++) {
        try {
          fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENXIO' || tries > 500) throw error;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    },
    release: () => {
      writeSync(fd, 'registro\n');
      closeSync(fd);
    },
  };
}

describe('an agent answering while the scheduler closes the ticket', () => {
  it('the answer, still reading its attachment when the 60 hours end, is refused: the closed ticket stays closed', async () => {
    tt = await suite.start(MX('2026-11-12T09:00:00'));
    const number = await openTicket('2026-11-12T09:00:00', 'No puedo timbrar');
    await tt.agentReply(MX('2026-11-12T10:00:00'), number, '¿Nos envía el XML?', 'pending');
    tt.take();
    const file = await slowAttachment(tt.app.dataDir);
    const answering = replyToTicket(tt.app, { number, body: 'Le adjunto el registro.', attachmentPaths: [file.path], actor: 'agent:maria', now: new Date(MX('2026-11-20T10:00:05')) });
    await file.reading();
    expect((await tt.tick(MX('2026-11-20T10:00:00'))).timers).toEqual({ closed: 1 });
    file.release();
    await expect(answering).rejects.toThrow(/closed, which is final/);
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('closed');
    expect(ticket.events.at(-1)).toMatchObject({ type: 'auto_closed', toStatus: 'closed' });
    await tt.tick(MX('2026-11-20T10:01:00'));
    expect(tt.take().map((m) => m.text)).toEqual([expect.stringMatching(/pasó a estado «Cerrado»/)]);
  });
});

describe('a new question or solution while the ticket is already pending or solved', () => {
  it('pending again: the window restarts from the new question, as its mail says, with a reminder of its own', async () => {
    tt = await suite.start(MX('2026-11-23T08:00:00'));
    const number = await openTicket('2026-11-23T08:00:00', 'Timbrado');
    await tt.agentReply(MX('2026-11-23T08:00:00'), number, '¿Qué versión usa?', 'pending');
    tt.take();
    // An answer that keeps the ticket as it is (no status given) states no deadline, and moves none.
    await tt.agentReply(MX('2026-11-24T08:00:00'), number, 'Seguimos atentos.');
    expect(tt.take()[0]?.text).not.toMatch(/se cerrará automáticamente/);
    // Fri 27 Nov 18:00, 58 business hours after the first question: another one.
    await tt.agentReply(MX('2026-11-27T18:00:00'), number, 'Además necesitamos el XML.', 'pending');
    const [again] = tt.take();
    // Fri 18:00 + 60 business hours = Fri 4 Dec 18:00 (Fri 2 h, Mon-Thu 48 h, Fri 10 h).
    expect(again?.text).toMatch(/4 de diciembre de 2026,? 6:00 p\.\s?m\./);
    // The first question's deadline (Mon 23 Nov 08:00 + 60 = Fri 27 Nov 20:00) closes nothing now.
    expect(await tt.tick(MX('2026-11-27T20:00:00'))).toEqual(nothing);
    expect((await tt.ticket(number)).status).toBe('pending');
    // The new period's reminder, at 36 business hours (Fri 2 + Mon-Tue 24 + Wed 10 = Wed 2 Dec 18:00).
    expect((await tt.tick(MX('2026-12-02T18:00:00'))).timers).toEqual({ reminded: 1 });
    expect(tt.take()[0]?.text).toMatch(/4 de diciembre de 2026/);
    expect((await tt.tick(MX('2026-12-04T17:59:59'))).timers).toEqual({});
    expect((await tt.tick(MX('2026-12-04T18:00:00'))).timers).toEqual({ closed: 1 });
  });

  it('solved again (a corrected solution): the 84 hours restart; an internal note restarts nothing', async () => {
    tt = await suite.start(MX('2026-11-23T08:00:00'));
    const number = await openTicket('2026-11-23T08:00:00', 'Reporte de IVA');
    await tt.agentReply(MX('2026-11-23T09:00:00'), number, 'Active la opción A.', 'solved');
    tt.take();
    // An internal note at Tue 24 Nov 09:00 changes nothing for the customer.
    await replyToTicket(tt.app, { number, body: 'Revisar con desarrollo.', internal: true, actor: 'agent:maria', now: new Date(MX('2026-11-24T09:00:00')) });
    // Wed 25 Nov 09:00: a corrected solution (solved again), the ticket stays solved.
    await tt.agentReply(MX('2026-11-25T09:00:00'), number, 'Mejor active la opción B.', 'solved');
    const [corrected] = tt.take();
    expect(corrected?.text).toMatch(/4 de diciembre de 2026,? 9:00 a\.\s?m\./);
    // Wed 25 Nov 09:00 + 84 business hours = Fri 4 Dec 09:00.
    expect((await tt.ticket(number)).status).toBe('solved');
    // The first solution's deadline (Mon 23 Nov 09:00 + 84 = Wed 2 Dec 09:00) closes nothing now.
    expect(await tt.tick(MX('2026-12-02T09:00:00'))).toEqual(nothing);
    expect((await tt.tick(MX('2026-12-04T09:00:00'))).timers).toEqual({ closed: 1 });
  });
});

describe('one conversation per ticket in the customer\'s mail client', () => {
  // Gmail keeps mails in one conversation only when their subjects match (but for "Re:") and their References
  // name a mail seen before; a subject that changes with each status splits the ticket into several.
  it('every mail of a ticket, whatever its status, has the same subject but for "Re:"', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const opened = await tt.ingest(MX('2026-11-23T09:00:00'), mail({ headers: { Subject: 'Error al timbrar' } }));
    const number = opened.ticketNumber as number;
    const [ack] = tt.take() as [SeenMail];
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Lo revisamos.');
    await tt.agentReply(MX('2026-11-23T11:00:00'), number, '¿Nos envía el XML?', 'pending');
    await tt.tick(MX('2026-11-26T11:00:00')); // the reminder
    const [, , reminder] = tt.take() as SeenMail[];
    await tt.answer(MX('2026-11-26T12:00:00'), reminder as SeenMail, 'Adjunto el XML.');
    await tt.agentReply(MX('2026-11-26T13:00:00'), number, 'Corregido en la versión 5.3.', 'solved');
    const [solved] = tt.take() as [SeenMail];
    await tt.answer(MX('2026-11-26T14:00:00'), solved, 'Sigue fallando.');
    await tt.agentReply(MX('2026-11-26T15:00:00'), number, 'Ahora sí: versión 5.3.1.', 'solved');
    await tt.tick(MX('2026-12-09T15:00:00')); // closed after 84 business hours
    const rest = tt.take().filter((m) => m.to.includes('ana@cliente.mx') && !/¿Cómo le atendimos\?/.test(m.subject));
    const subjects = [ack, reminder as SeenMail, solved, ...rest].map((m) => m.subject);
    expect(ack.subject).toBe(`[#${number}] Error al timbrar`);
    expect(subjects.length).toBeGreaterThanOrEqual(6);
    expect(new Set(subjects.map((s) => s.replace(/^Re: /, '')))).toEqual(new Set([`[#${number}] Error al timbrar`]));
    expect((await tt.ticket(number)).status).toBe('closed');
  });
});

describe('each status change reaches the customer (DOMAIN.md rule 7)', () => {
  it('support taking the ticket up, or going on with it after pending or on hold, mails "we are working on it"', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const number = await openTicket('2026-11-23T09:00:00', 'Reporte de IVA');
    const working = async (local: string, status: 'open') => {
      await tt.agentSet(MX(local), number, status);
      const mails = tt.take();
      expect(mails.map((m) => m.subject)).toEqual([`Re: [#${number}] Reporte de IVA`]);
      expect(mails[0]?.text).toMatch(/pasó a estado «Abierto»: nuestro equipo de Soporte está trabajando en él/);
      expect(mails[0]?.autoSubmitted).toBeUndefined(); // a person did it
    };
    await working('2026-11-23T10:00:00', 'open'); // new -> open
    await tt.agentSet(MX('2026-11-23T11:00:00'), number, 'on_hold', 'DMINA-1');
    tt.take();
    await working('2026-11-24T10:00:00', 'open'); // on hold -> open
    await tt.agentSet(MX('2026-11-24T11:00:00'), number, 'pending');
    tt.take();
    await working('2026-11-24T12:00:00', 'open'); // pending -> open
  });

  it('support reopening a solved ticket on its own mails "we are working on it", not a receipt of a reply never sent', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const number = await openTicket('2026-11-23T09:00:00', 'Reporte de IVA');
    await tt.agentSet(MX('2026-11-23T10:00:00'), number, 'solved');
    tt.take();
    await tt.agentSet(MX('2026-11-23T11:00:00'), number, 'open');
    const mails = tt.take();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toMatch(/pasó a estado «Abierto»: nuestro equipo de Soporte está trabajando en él/);
    expect(mails[0]?.text).not.toMatch(/Recibimos su respuesta/);
  });

  it('an answer that moves the ticket to open is one mail, the answer (it names the status)', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const number = await openTicket('2026-11-23T09:00:00', 'Reporte de IVA');
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Lo estamos revisando.', 'open');
    const mails = tt.take();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toMatch(/Soporte respondió a su ticket #\d+ «Reporte de IVA»:\s+Lo estamos revisando\./);
  });

  it('an answer that reopens a solved ticket is the answer, with its words; it does not say the customer replied', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const number = await openTicket('2026-11-23T09:00:00', 'Reporte de IVA');
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Active la opción A.', 'solved');
    tt.take();
    await tt.agentReply(MX('2026-11-23T11:00:00'), number, 'La opción A no aplica a su versión: lo revisamos de nuevo.', 'open');
    const mails = tt.take();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toMatch(/Soporte respondió a su ticket #\d+ «Reporte de IVA»:\s+La opción A no aplica a su versión: lo revisamos de nuevo\./);
    expect(mails[0]?.text).not.toMatch(/Recibimos su respuesta/);
    expect((await tt.ticket(number)).status).toBe('open');
  });

  it('an answer that puts the ticket on hold carries the agent\'s words with the product issue, in the text and the HTML', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const number = await openTicket('2026-11-23T09:00:00', 'Reporte de IVA');
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Lo corregirá la versión 5.3, prevista para enero.', 'on_hold', 'BUG-9');
    const [held, ...more] = suite.smtp.received.splice(0);
    expect(more).toEqual([]);
    expect(held?.parsed.text).toMatch(/registramos el issue BUG-9/);
    expect(held?.parsed.text).toContain('Lo corregirá la versión 5.3, prevista para enero.');
    expect(String(held?.parsed.html)).toContain('Lo corregirá la versión 5.3, prevista para enero.');
  });
});

describe('a reply that only thanks (DOMAIN.md rule 4: the customer validates the solution)', () => {
  it('solved: "¡Muchas gracias!" is kept on the ticket, which stays solved, its window and close unchanged; no mail', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const number = await openTicket('2026-11-23T09:00:00', 'Error en nómina');
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Actualice a la versión 5.2.', 'solved');
    const [solved] = tt.take();
    const thanks = await tt.answer(MX('2026-11-23T11:00:00'), solved as SeenMail, '¡Muchas gracias! Ya funciona.\n\nSaludos');
    expect(thanks).toMatchObject({ outcome: 'comment', ticketNumber: number });
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('solved');
    expect(ticket.messages.at(-1)).toMatchObject({ direction: 'in', visibleText: '¡Muchas gracias! Ya funciona.\n\nSaludos' });
    expect(ticket.events.at(-1)).toMatchObject({ type: 'thanks', fromStatus: 'solved', toStatus: 'solved', detail: 'kept solved: a reply that only thanks (via in-reply-to)' });
    expect(tt.take()).toEqual([]);
    // Mon 23 Nov 10:00 + 84 business hours = Wed 2 Dec 10:00: closed then, with its mail, as if no thanks had come.
    expect(await tt.tick(MX('2026-12-02T09:59:00'))).toEqual(nothing);
    expect((await tt.tick(MX('2026-12-02T10:00:00'))).timers).toEqual({ closed: 1 });
    expect(tt.take().map((m) => m.subject)).toEqual([expect.stringContaining(`[#${number}]`)]);
  });

  it('solved: thanks with more to say ("pero sigue fallando") reopens it, as any reply', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const number = await openTicket('2026-11-23T09:00:00', 'Error en nómina');
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Actualice a la versión 5.2.', 'solved');
    const [solved] = tt.take();
    const reply = await tt.answer(MX('2026-11-23T11:00:00'), solved as SeenMail, 'Gracias, pero sigue fallando.');
    expect(reply).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    expect((await tt.ticket(number)).status).toBe('open');
  });

  it('solved: "Gracias" with an attachment (the screenshot of what still fails) reopens it', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const number = await openTicket('2026-11-23T09:00:00', 'Error en nómina');
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Actualice a la versión 5.2.', 'solved');
    const [solved] = tt.take();
    const withShot = mail({
      headers: { 'In-Reply-To': solved?.messageId ?? '', References: solved?.messageId ?? '', Subject: `Re: ${solved?.subject}`, 'Content-Type': 'multipart/mixed; boundary="B"', 'Content-Transfer-Encoding': null },
      body: ['--B', 'Content-Type: text/plain; charset=utf-8', '', 'Gracias', '--B', 'Content-Type: image/png; name="error.png"', 'Content-Disposition: attachment; filename="error.png"', 'Content-Transfer-Encoding: base64', '', 'iVBORw0KGgo=', '--B--', ''].join('\r\n'),
    });
    expect(await tt.ingest(MX('2026-11-23T11:00:00'), withShot)).toMatchObject({ outcome: 'reopened', ticketNumber: number });
  });

  it('solved: "Gracias" with a photo from an iPhone (Apple Mail shows its files inline) reopens it too', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const number = await openTicket('2026-11-23T09:00:00', 'Error en nómina');
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Actualice a la versión 5.2.', 'solved');
    const [solved] = tt.take();
    // Apple Mail's shape: the text, the file with Content-Disposition: inline (no Content-ID: no HTML shows it), the footer.
    const fromIphone = mail({
      headers: { 'In-Reply-To': solved?.messageId ?? '', References: solved?.messageId ?? '', Subject: `Re: ${solved?.subject}`, 'Content-Type': 'multipart/mixed; boundary="Apple-Mail-1"', 'Content-Transfer-Encoding': null },
      body: [
        '--Apple-Mail-1', 'Content-Type: text/plain; charset=us-ascii', '', 'Gracias', '',
        '--Apple-Mail-1', 'Content-Type: image/jpeg; name=IMG_0412.jpeg', 'Content-Disposition: inline; filename=IMG_0412.jpeg', 'Content-Transfer-Encoding: base64', '', '/9j/4AAQSkZJRgABAQ==', '',
        '--Apple-Mail-1', 'Content-Type: text/plain; charset=us-ascii', '', '', 'Enviado desde mi iPhone', '--Apple-Mail-1--', '',
      ].join('\r\n'),
    });
    expect(await tt.ingest(MX('2026-11-23T11:00:00'), fromIphone)).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    expect((await tt.ticket(number)).messages.findLast((m) => m.direction === 'in')?.attachments).toEqual([expect.objectContaining({ filename: 'IMG_0412.jpeg', inline: false })]);
  });

  it('closed: "Gracias" opens no follow-up and sends no acknowledgement; it is kept on the closed ticket', async () => {
    tt = await suite.start(MX('2026-11-23T09:00:00'));
    const number = await openTicket('2026-11-23T09:00:00', 'Error en nómina');
    await tt.agentReply(MX('2026-11-23T10:00:00'), number, 'Actualice a la versión 5.2.', 'solved');
    tt.take();
    expect((await tt.tick(MX('2026-12-02T10:00:00'))).timers).toEqual({ closed: 1 });
    const [closed] = tt.take();
    const thanks = await tt.answer(MX('2026-12-02T11:00:00'), closed as SeenMail, 'Gracias');
    expect(thanks).toMatchObject({ outcome: 'comment', ticketNumber: number });
    const ticket = await tt.ticket(number);
    expect(ticket.status).toBe('closed');
    expect(ticket.followUps).toEqual([]);
    expect(ticket.events.at(-1)).toMatchObject({ type: 'thanks', fromStatus: 'closed', toStatus: 'closed', detail: 'no follow-up: a reply that only thanks (via in-reply-to)' });
    expect(tt.take()).toEqual([]);
    // More than thanks still opens the follow-up (DOMAIN.md rule 3).
    const again = await tt.answer(MX('2026-12-02T12:00:00'), closed as SeenMail, 'Gracias. Volvió a fallar hoy.');
    expect(again.outcome).toBe('followup');
  });
});
