import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../src/ingest/visible-text/index.js';
import { mail } from '../support/app.js';
import type { ReceivedMail } from '../support/smtp.js';
import { follow, sendForm, solvedTicketWithSurvey, surveyLinks, surveyWebPerTest, type SurveyWeb } from '../support/survey-web.js';

// Answers to a survey by mail (README "Surveys"), by the rules the survey's page keeps: a survey past its time
// takes no answer, whichever way it comes.

const { smtp, start } = surveyWebPerTest();
let web: SurveyWeb;
let clock: Date;

async function solved(env: Record<string, string> = {}) {
  clock = new Date();
  web = await start(env, () => clock);
  return solvedTicketWithSurvey(web, smtp(), clock);
}

const reply = (survey: ReceivedMail, body: string) =>
  mail({ headers: { From: 'Ana Pérez <ana@cliente.mx>', 'In-Reply-To': survey.parsed.messageId as string, Subject: `Re: ${survey.parsed.subject}` }, body });
const surveyOf = (number: number) => web.app.db.surveyRequest.findFirstOrThrow({ where: { ticket: { number } }, include: { answers: { orderBy: { id: 'asc' } } } });

describe('a reply by mail after the survey closed', () => {
  it('records no answer, as the page refuses one; a score that reached the mailbox in time still counts', async () => {
    const { number, csat } = await solved();
    const { expiresAt } = await surveyOf(number);
    const tickets = await web.app.db.ticket.count();
    clock = new Date(expiresAt.getTime() + 60_000);
    // Logged with the reason, and neither a comment nor a follow-up ticket of a bare score.
    expect(await web.app.pipeline.ingest(reply(csat, 'Bueno\n\nGracias'), { source: 'file' })).toMatchObject({
      outcome: 'survey_answer',
      ticketNumber: number,
      detail: `csat good not recorded: the time to answer this survey is over (closed ${expiresAt.toISOString()})`,
    });
    expect(await surveyOf(number)).toMatchObject({ answeredAt: null, rating: null, answers: [] });
    expect(await web.app.db.ticket.count()).toBe(tickets);
    // Read late (the daemon down), but in the mailbox before the survey closed: in time, as on a ticket.
    const inTime = await web.app.pipeline.ingest(reply(csat, 'Malo'), { source: 'file', arrivedAt: new Date(expiresAt.getTime() - 60_000) });
    expect(inTime).toMatchObject({ outcome: 'survey_answer', detail: 'csat bad' });
    expect((await surveyOf(number)).rating).toBe('bad');
  });

  it('does not change the answer given in time; words beyond a score still reach the desk', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    const { expiresAt } = await surveyOf(number);
    expect(await web.app.pipeline.ingest(reply(csat, '5'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 5' });
    clock = new Date(expiresAt.getTime() + 60_000);
    expect(await web.app.pipeline.ingest(reply(csat, '1'), { source: 'file' })).toMatchObject({
      outcome: 'survey_answer',
      detail: `csat 1 not recorded: the time to change the answer is over (closed ${expiresAt.toISOString()}); kept: 5`,
    });
    expect(await surveyOf(number)).toMatchObject({ score: 5, answers: [expect.objectContaining({ score: 5 })] });
    // A month on, the solved ticket is closed: the customer's words open its follow-up, as any reply to it does.
    const words = await web.app.pipeline.ingest(reply(csat, '1\n\nSigue fallando la factura 120.'), { source: 'file' });
    expect(words).toMatchObject({ outcome: 'followup' });
    expect(await web.app.db.message.count({ where: { ticket: { number: words.ticketNumber as number }, visibleText: { contains: 'Sigue fallando la factura 120.' } } })).toBe(1);
    expect((await surveyOf(number)).score).toBe(5);
  });
});

describe('a score and thanks on one line, with no comma ("9 gracias")', () => {
  it('is the answer, alone or under a quote', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    const marked = (csat.parsed.text as string).split('\n').map((line) => `> ${line}`).join('\n');
    expect(await web.app.pipeline.ingest(reply(csat, `${marked}\n\n3 gracias`), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 3' });
    expect(await web.app.pipeline.ingest(reply(csat, '4 muchas gracias por la ayuda'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 4' });
    expect(await web.app.pipeline.ingest(reply(csat, 'Muy satisfecho gracias'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 5' });
    expect((await surveyOf(number)).answers.map((a) => a.score)).toEqual([3, 4, 5]);
    // Words that are not courtesy are for the desk.
    expect(await web.app.pipeline.ingest(reply(csat, '2 no funcionó'), { source: 'file' })).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    expect((await surveyOf(number)).answers).toHaveLength(3);
  });
});

describe('a score written under a quote of the survey mail', () => {
  const withoutFooter = (text: string) => text.slice(0, text.indexOf('\n-- \n'));

  it('is the answer, with or without "> " marks and with no "El ... escribió:" line above the quote', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    const quote = csat.parsed.text as string;
    expect(quote).toContain('un número del 1 al 5');
    expect(await web.app.pipeline.ingest(reply(csat, `${quote}\n\n5`), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 5' });
    expect(await web.app.pipeline.ingest(reply(csat, `${withoutFooter(quote)}\n4\n\nSaludos,\nAna Pérez`), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 4' });
    // The HTML part quoted as text, as a client that writes plain text does.
    expect(await web.app.pipeline.ingest(reply(csat, `${htmlToText(csat.parsed.html as string)}\n\n2`), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 2' });
    expect((await surveyOf(number)).answers.map((a) => a.score)).toEqual([5, 4, 2]);
    expect((await web.app.db.ticket.findFirstOrThrow({ where: { number } })).status).toBe('solved');
  });

  it('never takes its number from the quote itself; words around the quote reach the ticket', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    const quote = csat.parsed.text as string;
    // The quote alone, or ending at the scale: nothing written, no answer.
    const asText = htmlToText(csat.parsed.html as string);
    for (const body of [quote, `${quote.slice(0, quote.indexOf('\n- 2 ·'))}\n`, asText]) {
      expect(await web.app.pipeline.ingest(reply(csat, body), { source: 'file' }), body.slice(-40)).not.toMatchObject({ outcome: 'survey_answer' });
    }
    // Words above the quote are the customer's too: more than a score, for the desk to read.
    const above = await web.app.pipeline.ingest(reply(csat, `La factura 120 sigue sin timbrar.\n\n${quote}\n\n5`), { source: 'file' });
    expect(above).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect((await surveyOf(number)).answers).toEqual([]);
  });
});

describe('a score above an Outlook signature (no "-- " line)', () => {
  const SIGNATURE = 'Ana Pérez\nGerente de Sistemas\nComercializadora del Norte S.A. de C.V.\nTel. +52 (55) 1234 5678 Ext. 204 | Cel. 55 8765 4321\nwww.comnorte.com.mx';

  it('is the answer, the ticket kept solved; a problem written below the name is not', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    expect(await web.app.pipeline.ingest(reply(csat, `4 / ¡Gracias!\n\n${SIGNATURE}`), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 4' });
    expect(await web.app.pipeline.ingest(reply(csat, `5\n\nSaludos cordiales,\n\n${SIGNATURE}`), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 5' });
    expect((await surveyOf(number)).answers.map((a) => a.score)).toEqual([4, 5]);
    expect((await web.app.db.ticket.findFirstOrThrow({ where: { number } })).status).toBe('solved');
    const problem = await web.app.pipeline.ingest(reply(csat, `2\n\n${SIGNATURE}\nSigue sin timbrar la factura 120`), { source: 'file' });
    expect(problem).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    // Written in capitalised words, a complaint is no line of the signature either.
    await web.app.db.ticket.update({ where: { number }, data: { status: 'solved' } });
    expect(await web.app.pipeline.ingest(reply(csat, '5\n\nAna\nLa Factura Llegó Vacía'), { source: 'file' })).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    // So is one with neither a verb nor a pronoun: "Doble Cobro" is no company line.
    await web.app.db.ticket.update({ where: { number }, data: { status: 'solved' } });
    expect(await web.app.pipeline.ingest(reply(csat, '5\n\nAna\nDoble Cobro'), { source: 'file' })).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    // Nor is a payment still pending, while the department of overdue accounts is the sender's job line.
    await web.app.db.ticket.update({ where: { number }, data: { status: 'solved' } });
    expect(await web.app.pipeline.ingest(reply(csat, '5\n\nAna\nPago Pendiente'), { source: 'file' })).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    await web.app.db.ticket.update({ where: { number }, data: { status: 'solved' } });
    expect(await web.app.pipeline.ingest(reply(csat, '3\n\nAna\nGerente De Cartera Vencida'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 3' });
    expect((await web.app.db.ticket.findFirstOrThrow({ where: { number } })).status).toBe('solved');
    expect((await surveyOf(number)).answers.map((a) => a.score)).toEqual([4, 5, 3]);
  });
});

describe('a score typed inside a "> " quote of the survey mail (an inline answer)', () => {
  /** Gmail's reply: its "El ... escribió:" line, the mail quoted with "> ", `typed` under the question. */
  const inline = (survey: ReceivedMail, typed: string, more = '') => {
    const lines = (survey.parsed.text as string).split('\n').map((line) => `> ${line}`);
    const question = lines.findIndex((line) => line.includes('¿Cómo calificaría'));
    const after = lines.slice(question + 1);
    if (more) after.splice(after.length - 3, 0, more);
    const header = 'El lun, 7 dic 2026 a las 10:00, Soporte Ventanilla <soporte@example.test> escribió:';
    return [header, ...lines.slice(0, question + 1), typed, ...after].join('\n');
  };

  it('is the answer, the ticket kept solved; more words between the quoted lines reach the desk', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    expect(await web.app.pipeline.ingest(reply(csat, inline(csat, '4')), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 4' });
    expect(await web.app.pipeline.ingest(reply(csat, inline(csat, '\n5 ¡Gracias!\n')), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 5' });
    expect((await web.app.db.ticket.findFirstOrThrow({ where: { number } })).status).toBe('solved');
    const more = await web.app.pipeline.ingest(reply(csat, inline(csat, '2', 'La factura 120 sigue sin timbrar.')), { source: 'file' });
    expect(more).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    expect((await surveyOf(number)).answers.map((a) => a.score)).toEqual([4, 5]);
  });
});

describe('a score typed inside an unmarked quote under Outlook\'s "De: … Enviado: …" block', () => {
  /** Outlook's reply: its header block, the survey mail quoted with no marks, `typed` on a line after `after`. */
  const outlook = (survey: ReceivedMail, typed: string, after = '¿Cómo calificaría') => {
    const lines = (survey.parsed.text as string).split('\n');
    const at = lines.findIndex((line) => line.includes(after));
    const header = ['________________________________', 'De: Soporte Ventanilla <soporte@example.test>', 'Enviado: lunes, 7 de diciembre de 2026 10:00', 'Para: Ana Pérez <ana@cliente.mx>', `Asunto: ${survey.parsed.subject}`, ''];
    return ['', ...header, ...lines.slice(0, at + 1), typed, ...lines.slice(at + 1)].join('\n');
  };

  it('is the answer when it is the one score typed there, the ticket kept solved', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    expect(await web.app.pipeline.ingest(reply(csat, outlook(csat, '5')), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 5' });
    expect(await web.app.pipeline.ingest(reply(csat, outlook(csat, '4/5', '- 5 · Muy satisfecho')), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 4' });
    // Outlook's HTML-only reply: the header in a bordered <div>, the survey mail's HTML below it, "5" in a paragraph of its own.
    const html = (csat.parsed.html as string).replace('recibió? ', 'recibió?</p><p>3</p><p>');
    const header = `<div style="border-top:solid #E1E1E1 1.0pt"><p><b>De:</b> Soporte Ventanilla &lt;soporte@example.test&gt;<br><b>Enviado:</b> lunes, 7 de diciembre de 2026 10:00<br><b>Asunto:</b> ${csat.parsed.subject}</p></div>`;
    const htmlOnly = mail({ headers: { From: 'Ana Pérez <ana@cliente.mx>', 'In-Reply-To': csat.parsed.messageId as string, Subject: `RE: ${csat.parsed.subject}`, 'Content-Type': 'text/html; charset=utf-8' }, body: `${header}${html}` });
    expect(await web.app.pipeline.ingest(htmlOnly, { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 3' });
    expect((await surveyOf(number)).answers.map((a) => a.score)).toEqual([5, 4, 3]);
    expect((await web.app.db.ticket.findFirstOrThrow({ where: { number } })).status).toBe('solved');
  });

  it('is no answer when nothing, two scores or words are typed there: the quote\'s own numbers are never read', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    expect(await web.app.pipeline.ingest(reply(csat, outlook(csat, '')), { source: 'file' })).not.toMatchObject({ outcome: 'survey_answer' });
    expect(await web.app.pipeline.ingest(reply(csat, outlook(csat, '5', 'Atentamente').replace('Elija una', '2\nElija una')), { source: 'file' })).not.toMatchObject({ outcome: 'survey_answer' });
    const words = await web.app.pipeline.ingest(reply(csat, outlook(csat, '5').replace('Elija una', 'La factura 120 sigue sin timbrar.\nElija una')), { source: 'file' });
    expect(words).toMatchObject({ outcome: 'comment', ticketNumber: number });
    expect((await surveyOf(number)).answers).toEqual([]);
  });
});

describe('a score typed on the same line as the quote (phone clients, Outlook\'s inline reply)', () => {
  const quoted = (survey: ReceivedMail) => (survey.parsed.text as string).split('\n').map((line) => `> ${line}`);
  /** `typed` written before the marks of the quoted question, the rest of the mail quoted under it. */
  const beforeQuestion = (survey: ReceivedMail, typed: string) => {
    const lines = quoted(survey);
    const question = lines.findIndex((line) => line.includes('¿Cómo calificaría'));
    return [`${typed} ${lines[question]}`, ...lines.slice(question + 1)].join('\n');
  };
  const outlookBlock = (survey: ReceivedMail) =>
    ['De: Soporte Ventanilla <soporte@example.test>', 'Enviado: lunes, 7 de diciembre de 2026 10:00', 'Para: Ana Pérez <ana@cliente.mx>', `Asunto: ${survey.parsed.subject}`, '', survey.parsed.text as string].join('\n');

  it('is the answer when it stands alone before the quote marks or the "-----Mensaje original-----" line', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    expect(await web.app.pipeline.ingest(reply(csat, beforeQuestion(csat, '5')), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 5' });
    expect(await web.app.pipeline.ingest(reply(csat, `4 -----Mensaje original-----\n${outlookBlock(csat)}`), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 4' });
    expect(await web.app.pipeline.ingest(reply(csat, `3 gracias -----Original Message-----\n${outlookBlock(csat)}`), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 3' });
    expect((await surveyOf(number)).answers.map((a) => a.score)).toEqual([5, 4, 3]);
    expect((await web.app.db.ticket.findFirstOrThrow({ where: { number } })).status).toBe('solved');
  });

  it('is no answer after the marks (the quote\'s own text) or in a sentence: for the desk', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    const lines = quoted(csat);
    const question = lines.findIndex((line) => line.includes('¿Cómo calificaría'));
    const afterMarks = [...lines.slice(0, question), `${lines[question]} 4`, ...lines.slice(question + 1)].join('\n');
    // The first reaches the solved ticket and reopens it, the others are comments on it.
    expect(await web.app.pipeline.ingest(reply(csat, afterMarks), { source: 'file' })).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    for (const body of [beforeQuestion(csat, 'Le di 5 y'), beforeQuestion(csat, '11'), `2 no funcionó -----Mensaje original-----\n${outlookBlock(csat)}`, '5 -----Mensaje original-----\nLa factura 120 sigue sin timbrar.']) {
      expect(await web.app.pipeline.ingest(reply(csat, body), { source: 'file' }), body.slice(0, 40)).toMatchObject({ outcome: 'comment', ticketNumber: number });
    }
    expect((await surveyOf(number)).answers).toEqual([]);
  });
});

// A reply read late (the daemon down, a backlog) after the customer changed her answer on the page: the answer she
// gave last stands, as the page shows it. Read as it was, the older mail overwrote it.
describe('an answer by mail that reached the mailbox before a later answer on the page', () => {
  it('is kept in the history, and the later answer stands; two mails read late count in the order they arrived', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    // 10:00 she replies "2"; 10:20, the mail unread, she opens the link and picks 5 on the page.
    const sent = new Date(clock.getTime() - 20 * 60_000);
    const page = await sendForm(await follow(surveyLinks(csat).get('5') as string));
    expect(page.status).toBe(200);
    const lateMail = reply(csat, '2');
    const late = await web.app.pipeline.ingest(lateMail, { source: 'file', arrivedAt: sent });
    expect(late).toMatchObject({ outcome: 'survey_answer', ticketNumber: number });
    expect(late.detail).toMatch(/^csat 2 not the answer: a later one stands \(5, given .*\)$/);
    const survey = await surveyOf(number);
    expect(survey).toMatchObject({ score: 5, rating: 'good' });
    expect(survey.answers.map((a) => [a.channel, a.score])).toEqual([['web', 5], ['mail', 2]]);
    expect((await web.app.pipeline.ingest(lateMail, { source: 'file', arrivedAt: sent })).outcome).toBe('duplicate');

    // Two mails read together after an outage: the one that arrived last is the answer.
    const first = new Date(clock.getTime() + 60_000);
    clock = new Date(clock.getTime() + 3_600_000);
    const mails = [reply(csat, '3'), reply(csat, '4')];
    await web.app.pipeline.ingest(mails[0] as Buffer, { source: 'file', arrivedAt: first });
    await web.app.pipeline.ingest(mails[1] as Buffer, { source: 'file', arrivedAt: new Date(first.getTime() + 60_000) });
    expect(await surveyOf(number)).toMatchObject({ score: 4 });
  });

  // 09:40 she picks 5 on the page; 10:00 she replies "2" (unread: a backlog); 10:20 she picks 5 again (the page says
  // nothing changed, and answeredAt stayed 09:40). Her last word is 5; the mail, read at 10:30, came at 10:00.
  it('loses to a later page answer that repeated the current one: the repeat is her latest answer', async () => {
    const { number, csat } = await solved({ CSAT_SCALE: '1-5' });
    const t0 = clock;
    expect((await sendForm(await follow(surveyLinks(csat).get('5') as string))).status).toBe(200);
    const mailArrived = new Date(t0.getTime() + 20 * 60_000);
    clock = new Date(t0.getTime() + 40 * 60_000);
    expect((await sendForm(await follow(surveyLinks(csat).get('5') as string))).status).toBe(200);
    clock = new Date(t0.getTime() + 50 * 60_000);
    const late = await web.app.pipeline.ingest(reply(csat, '2'), { source: 'file', arrivedAt: mailArrived });
    expect(late.detail).toMatch(/^csat 2 not the answer: a later one stands/);
    const survey = await surveyOf(number);
    expect(survey).toMatchObject({ score: 5, answeredAt: new Date(t0.getTime() + 40 * 60_000) });
    // The repeat adds no row to the history; the late mail is there, with when it arrived.
    expect(survey.answers.map((a) => [a.channel, a.score])).toEqual([['web', 5], ['mail', 2]]);
  });
});

// "Darme de baja" in answer to a survey mail: a wish for no more surveys, as the link in its footer says. As an
// ordinary reply it reopened the solved ticket (and mailed the customer a receipt), and the surveys went on.
describe('a reply to a survey mail that asks for no more of them', () => {
  it('opts its sender out of surveys, the ticket kept solved; a word that could be a rating ("Baja") is not read so', async () => {
    const { number, csat } = await solved();
    const r = await web.app.pipeline.ingest(reply(csat, 'Quiero darme de baja de estas encuestas, gracias.\n\nAna Pérez'), { source: 'file' });
    expect(r).toMatchObject({ outcome: 'survey_answer', ticketNumber: number, detail: 'csat: no more surveys, asked by reply' });
    expect((await web.app.db.contact.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } })).surveysOptedOutAt).not.toBeNull();
    expect((await web.app.db.ticket.findUniqueOrThrow({ where: { number } })).status).toBe('solved');
    expect(await surveyOf(number)).toMatchObject({ answeredAt: null });
    // "Unsubscribe" alone too; "Baja" is left to the desk (a low mark, or the tax?), as any reply in words.
    expect((await web.app.pipeline.ingest(reply(csat, 'Unsubscribe'), { source: 'file' })).detail).toBe('csat: no more surveys, asked by reply');
    expect((await web.app.pipeline.ingest(reply(csat, 'Baja'), { source: 'file' })).outcome).toBe('reopened');
  });

  // A silent opt-out only when the reply is plainly about the surveys: one about all mail, the address or a
  // subscription was swallowed as one, the ticket left solved and the desk never saw it.
  for (const body of ['Por favor dar de baja mi correo', 'Unsubscribe me from all emails', 'Quiero cancelar suscripción']) {
    it(`"${body}" reaches the desk: it is not only about surveys`, async () => {
      const { number, csat } = await solved();
      const r = await web.app.pipeline.ingest(reply(csat, body), { source: 'file' });
      expect(r.outcome, `${r.outcome}: ${r.detail}`).toBe('reopened');
      expect((await web.app.db.ticket.findUniqueOrThrow({ where: { number } })).status).not.toBe('solved');
      expect((await web.app.db.contact.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } })).surveysOptedOutAt).toBeNull();
    });
  }
});
