import { describe, expect, it } from 'vitest';
import { addOrganisation } from '../../src/lifecycle/access-actions.js';
import { composeDeferredNotices } from '../../src/outbound/deferred-notices.js';
import { inTransaction } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import type { ReceivedMail } from '../support/smtp.js';
import { timeTravelSuite, type SeenMail, type TimeTravel } from '../support/time-travel.js';

// The timer closed Ana's pending ticket while an answer in time waited unread; read after the tick, it undoes the
// close, and the closing mail having reached Ana and her colleague in copy, one close_undone goes to both (To Ana,
// Cc Luis), as every notice of the ticket does. It says whose reply came in time: Ana's own ("su respuesta"), or,
// when Luis answered, his by name; before, Ana read "su respuesta nos llegó a tiempo" of a reply she never sent.
// Mexico City, UTC-6: pending from Thu 12 Nov 2026 10:00, due Fri 20 Nov 10:00 (Mon 16 Nov is a holiday).

const suite = timeTravelSuite();
let tt: TimeTravel;
const MX = (local: string) => `${local}-06:00`;

/** Ana's ticket, Luis in copy, left pending by the agent and closed by the tick at its deadline: the mail that asked. */
async function closedWithLuisInCopy(): Promise<{ number: number; asked: SeenMail }> {
  tt = await suite.start(MX('2026-11-12T09:00:00'));
  const opened = await tt.ingest(MX('2026-11-12T09:00:00'), mail({ headers: { Subject: 'No puedo timbrar', Cc: 'Luis García <luis@cliente.mx>' } }));
  const number = opened.ticketNumber as number;
  await tt.agentReply(MX('2026-11-12T10:00:00'), number, '¿Nos envía el XML?', 'pending');
  const asked = tt.take().at(-1) as SeenMail;
  expect(asked.to).toEqual(['ana@cliente.mx', 'luis@cliente.mx']);
  expect((await tt.tick(MX('2026-11-20T10:00:05'))).timers).toEqual({ closed: 1 });
  expect(tt.take().map((m) => [m.to, m.text.includes('cerramos el ticket')])).toEqual([[['ana@cliente.mx', 'luis@cliente.mx'], true]]);
  return { number, asked };
}

/** `from` answers the mail that asked; it reached the mailbox at 09:59:50, before the deadline, and is read after the tick. */
async function answerReadAfterTheTick(asked: SeenMail, from: string): Promise<ReceivedMail[]> {
  const headers = { From: from, 'In-Reply-To': asked.messageId, References: asked.messageId, Subject: `Re: ${asked.subject}` };
  await tt.tick(MX('2026-11-20T10:00:20'));
  await tt.app.pipeline.ingest(mail({ headers, body: 'Adjunto el XML.' }), { source: 'imap', sourceRef: 'INBOX:7', arrivedAt: new Date(MX('2026-11-20T09:59:50')) });
  await tt.flush();
  return suite.smtp.received.splice(0);
}

/** Each mail as its readers get it: who it reached, its To and Cc, its text and its html's words. */
const asRead = (m: ReceivedMail) => ({
  recipients: [...m.envelopeTo].sort(),
  to: m.header('to'),
  cc: m.header('cc'),
  text: m.parsed.text ?? '',
  html: String(m.parsed.html).replace(/<\/?strong>/g, ''),
});

describe('close_undone says whose reply came in time', () => {
  it('Luis, in copy, answered: Ana and Luis read, in one mail, that a reply from Luis García came in time, not "su respuesta"', async () => {
    const { number, asked } = await closedWithLuisInCopy();
    const mails = (await answerReadAfterTheTick(asked, 'Luis García <luis@cliente.mx>')).map(asRead);
    expect((await tt.ticket(number)).status).toBe('open');
    expect(mails.map(({ recipients, to, cc }) => ({ recipients, to, cc }))).toEqual([{ recipients: ['ana@cliente.mx', 'luis@cliente.mx'], to: 'ana@cliente.mx', cc: 'luis@cliente.mx' }]);
    const [undone] = mails;
    for (const part of [undone?.text, undone?.html]) {
      expect(part).toContain(`Le avisamos que su ticket #${number} «No puedo timbrar» se había cerrado por falta de respuesta, pero una respuesta de Luis García sobre él nos llegó a tiempo, dentro del plazo de 5 días hábiles: el cierre fue un error y el ticket sigue abierto, en estado «Abierto».`);
      expect(part).toContain('Nuestro equipo de Soporte revisará la información recibida y le escribirá con las novedades.');
      expect(part).not.toContain('su respuesta');
      expect(part).not.toContain('que nos envió');
    }
  });

  it('a colleague in copy with no name in his From: the reply is named by his address', async () => {
    const { number, asked } = await closedWithLuisInCopy();
    const [undone] = (await answerReadAfterTheTick(asked, 'luis@cliente.mx')).map(asRead);
    expect(undone?.recipients).toEqual(['ana@cliente.mx', 'luis@cliente.mx']);
    expect(undone?.text).toContain(`su ticket #${number} «No puedo timbrar» se había cerrado por falta de respuesta, pero una respuesta de luis@cliente.mx sobre él nos llegó a tiempo`);
  });

  it('Ana, the requester, answered: unchanged, "su respuesta nos llegó a tiempo", to her and her copy', async () => {
    const { number, asked } = await closedWithLuisInCopy();
    const mails = (await answerReadAfterTheTick(asked, 'Ana Pérez <ana@cliente.mx>')).map(asRead);
    expect(mails.map(({ recipients, to, cc }) => ({ recipients, to, cc }))).toEqual([{ recipients: ['ana@cliente.mx', 'luis@cliente.mx'], to: 'ana@cliente.mx', cc: 'luis@cliente.mx' }]);
    for (const part of [mails[0]?.text, mails[0]?.html]) {
      expect(part).toContain(`Le avisamos que su ticket #${number} «No puedo timbrar» se había cerrado por falta de respuesta, pero su respuesta nos llegó a tiempo, dentro del plazo de 5 días hábiles: el cierre fue un error y el ticket sigue abierto, en estado «Abierto».`);
      expect(part).toContain('Nuestro equipo de Soporte revisará la información que nos envió y le escribirá con las novedades.');
      expect(part).not.toContain('una respuesta de');
    }
  });

  it('a colleague of her organisation, not in copy, answered: Ana and Luis read a reply from Pedro Ruiz came in time', async () => {
    const { number, asked } = await closedWithLuisInCopy();
    const at = tt.now();
    await inTransaction(tt.app.db, (tx) => addOrganisation(tx, tt.app.lifecycle, { name: 'Cliente', domains: ['cliente.mx'], country: 'MX', actor: 'agent:test', now: at }));
    const mails = (await answerReadAfterTheTick(asked, 'Pedro Ruiz <pedro@cliente.mx>')).map(asRead);
    expect((await tt.ticket(number)).status).toBe('open');
    expect(mails.map(({ recipients, to, cc }) => ({ recipients, to, cc }))).toEqual([{ recipients: ['ana@cliente.mx', 'luis@cliente.mx'], to: 'ana@cliente.mx', cc: 'luis@cliente.mx' }]);
    expect(mails[0]?.text).toContain('pero una respuesta de Pedro Ruiz sobre él nos llegó a tiempo');
    expect(mails[0]?.text).not.toContain('su respuesta');
  });

  it('read in a backlog, the correction owed and written once caught up still names Luis', async () => {
    const { asked } = await closedWithLuisInCopy();
    tt.app.lifecycle.notices.deferAutomatic = () => true;
    expect(await answerReadAfterTheTick(asked, 'Luis García <luis@cliente.mx>')).toEqual([]);
    expect(await tt.app.db.deferredNotice.count()).toBe(1);
    tt.app.lifecycle.notices.deferAutomatic = () => false;
    await composeDeferredNotices(tt.app.db, tt.app.lifecycle.notices, tt.app.log);
    await tt.flush();
    const [undone] = suite.smtp.received.splice(0).map(asRead);
    expect(undone?.recipients).toEqual(['ana@cliente.mx', 'luis@cliente.mx']);
    expect(undone?.text).toContain('pero una respuesta de Luis García sobre él nos llegó a tiempo');
  });

  // The name quoted comes from a mail's From, which its writer chooses, and goes to the requester in the desk's words:
  // one that is a link, an address or a sentence, or no name at all in length, is not the desk's to repeat.
  it('a From name that carries a link is not repeated: the reply is named by its address', async () => {
    const { asked } = await closedWithLuisInCopy();
    const [undone] = (await answerReadAfterTheTick(asked, '"Luis <http://evil.example/login>" <luis@cliente.mx>')).map(asRead);
    expect(undone?.text).toContain('pero una respuesta de luis@cliente.mx sobre él nos llegó a tiempo');
    expect(undone?.text + String(undone?.html)).not.toContain('evil');
  });

  it('a From name of 500 characters, in an encoded-word with line breaks, is one line cut short at a word', async () => {
    const { asked } = await closedWithLuisInCopy();
    const long = `Luis\r\nGarcía ${'Llame urgente al banco '.repeat(22)}`;
    const encoded = `=?UTF-8?B?${Buffer.from(long).toString('base64')}?=`;
    const [undone] = (await answerReadAfterTheTick(asked, `${encoded} <luis@cliente.mx>`)).map(asRead);
    const named = /una respuesta de (.*) sobre él nos llegó a tiempo/.exec(undone?.text ?? '')?.[1] ?? '';
    expect(named.startsWith('Luis García Llame urgente'), named).toBe(true);
    expect(named.endsWith('…')).toBe(true);
    expect(named.length).toBeLessThanOrEqual(61);
    expect(named).not.toMatch(/\s{2}|\n/);
  });

  it('the name the desk has stored for the colleague is the one used, not the one his answer gives himself', async () => {
    const { asked } = await closedWithLuisInCopy();
    const at = tt.now();
    await inTransaction(tt.app.db, (tx) => addOrganisation(tx, tt.app.lifecycle, { name: 'Cliente', domains: ['cliente.mx'], country: 'MX', actor: 'agent:test', now: at }));
    // As his first mail to the desk left it (ensureContact keeps the first name it is given).
    const organisationId = (await tt.app.db.organisation.findFirstOrThrow()).id;
    await tt.app.db.contact.create({ data: { email: 'pedro@cliente.mx', name: 'Pedro Ruiz', organisationId } });
    const [undone] = (await answerReadAfterTheTick(asked, 'Soporte de su banco <pedro@cliente.mx>')).map(asRead);
    expect(undone?.text).toContain('pero una respuesta de Pedro Ruiz sobre él nos llegó a tiempo');
    expect(undone?.text).not.toContain('banco');
  });
});
