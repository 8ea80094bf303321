import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/http/tokens.js';
import { replyToTicket, setTicketStatus } from '../../src/lifecycle/agent-actions.js';
import { releaseProductIssue } from '../../src/lifecycle/product-issue-release.js';
import { mail } from '../support/app.js';
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from '../support/smtp.js';
import { surveyReport } from '../../src/surveys/report.js';
import { follow, scanMail, sendForm, startSurveyWeb, surveyLinks, surveyMailOf, type SurveyWeb } from '../support/survey-web.js';

// CSAT (DOMAIN.md rule 8): support solves a ticket -> the survey mail reaches a real SMTP server -> its link,
// followed by an HTTP client, opens the answer page on the public HTTP server, whose button records it (a GET
// records nothing: link scanners open every link of a mail). Broken links store nothing.

const SECRET = 'test-secret-key-0123456789';
let smtp: SmtpPeer;
let web: SurveyWeb;
let clock: Date;

beforeAll(async () => {
  smtp = await startSmtpPeer();
});
afterAll(async () => smtp.stop());
afterEach(async () => {
  await web?.dispose();
  smtp.received.length = 0;
});

async function start(env: Record<string, string> = {}) {
  clock = new Date();
  web = await startSurveyWeb(smtp, env, () => clock);
}

/** A customer writes, an agent answers with the solution; returns the ticket and the CSAT mail delivered. */
async function solvedTicket(from = 'Ana Pérez <ana@cliente.mx>', extra: Record<string, string> = {}): Promise<{ number: number; csat: ReceivedMail }> {
  const r = await web.app.pipeline.ingest(mail({ headers: { From: from, ...extra } }), { source: 'file' });
  const number = r.ticketNumber as number;
  await replyToTicket(web.app, { number, body: 'Cargue el nuevo CSD y vuelva a timbrar.', status: 'solved', actor: 'agent:maria', now: clock });
  const before = smtp.received.length;
  await web.app.drainer().drain();
  const mails = await smtp.waitFor(before + 3); // acknowledgement, solved notice, CSAT
  const csat = surveyMailOf(mails.slice(before), 'csat');
  if (!csat) throw new Error('no CSAT mail was delivered');
  return { number, csat };
}

const survey = (ticketNumber: number) => web.app.db.surveyRequest.findFirstOrThrow({ where: { ticket: { number: ticketNumber } }, include: { answers: { orderBy: { id: 'asc' } } } });
const answerCount = () => web.app.db.surveyAnswer.count();

describe('CSAT after support solves a ticket', () => {
  it('the survey mail reaches the customer; a click opens the page with that answer picked, its button records it; the page lets them change it and comment', async () => {
    await start();
    const { number, csat } = await solvedTicket('Ana Pérez <ana@cliente.mx>', { Cc: 'luis@cliente.mx' });
    expect(csat.envelopeTo).toEqual(['ana@cliente.mx']); // the requester only, not the CCs
    expect(csat.parsed.subject).toBe(`[#${number}] ¿Cómo le atendimos? Consulta ${csat.parsed.subject?.split('Consulta ')[1]}`);
    expect(csat.header('auto-submitted')).toBe('auto-generated');
    expect(csat.parsed.html).toMatch(/<html[^>]*lang="es"/);
    const links = surveyLinks(csat);
    expect([...links.keys()]).toEqual(['good', 'bad']);
    expect(links.get('good')?.startsWith(`${web.baseUrl}/survey?t=`)).toBe(true);

    // A click: the page asks to confirm, in Spanish, with no script, the answer clicked already picked. Nothing is recorded yet.
    const picked = await follow(links.get('good') as string);
    expect(picked.status).toBe(200);
    expect(picked.html).toContain('<html lang="es"');
    expect(picked.html).toContain('<h1>Confirme su respuesta</h1>');
    expect(picked.html).toContain('Pulse «Enviar» para registrarla');
    expect(picked.html).toMatch(/value="good" checked/);
    expect(picked.html).not.toMatch(/value="bad" checked/);
    expect(picked.html).not.toMatch(/<script|src=|https?:\/\//i);
    expect(picked.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(picked.headers.get('cache-control')).toBe('no-store');
    expect(await answerCount()).toBe(0);

    // The button: the answer is recorded and the page thanks the customer.
    const page = await sendForm(picked);
    expect(page.status).toBe(200);
    expect(page.url).not.toContain('&a='); // redirected: reloading the page does not send the form again
    expect(page.html).toContain('¡Gracias por su respuesta!');
    expect(page.html).toMatch(/Registramos su respuesta: <strong>Buena<\/strong>/);
    expect(page.html).toMatch(/value="good" checked/);
    let stored = await survey(number);
    expect(stored).toMatchObject({ kind: 'csat', rating: 'good', score: null, comment: null, agent: 'agent:maria', scale: 'good_bad', locale: 'es' });
    expect(stored.answers.map((a) => [a.rating, a.channel])).toEqual([['good', 'web']]);

    // The form: another answer and a comment. The history keeps both.
    const posted = await sendForm(page, { answer: 'bad', comment: 'Tardaron <b>dos días</b>' });
    expect(posted.status).toBe(200);
    expect(posted.html).toContain('Guardamos sus cambios');
    expect(posted.html).toContain('Tardaron &lt;b&gt;dos días&lt;/b&gt;</textarea>');
    stored = await survey(number);
    expect(stored).toMatchObject({ rating: 'bad', comment: 'Tardaron <b>dos días</b>' });
    expect(stored.answers.map((a) => [a.rating, a.comment])).toEqual([['good', null], ['bad', 'Tardaron <b>dos días</b>']]);

    // The first link again: the page says what is recorded and picks the link's answer; its button changes it
    // back (the comment stays); pressing it once more changes nothing.
    const again = await follow(links.get('good') as string);
    expect(again.html).toMatch(/Registramos su respuesta: <strong>Mala<\/strong>/);
    expect(again.html).toContain('Pulse «Guardar cambios» para registrarla en lugar de la anterior.');
    expect(again.html).toMatch(/value="good" checked/);
    expect((await survey(number)).rating).toBe('bad');
    await sendForm(again);
    await sendForm(again);
    stored = await survey(number);
    expect(stored).toMatchObject({ rating: 'good', comment: 'Tardaron <b>dos días</b>' });
    expect(stored.answers).toHaveLength(3);
    const events = await web.app.db.ticketEvent.findMany({ where: { ticket: { number }, type: { startsWith: 'csat' } }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['csat_sent', 'csat_answered', 'csat_changed', 'csat_changed']);
  });

  it('a link scanner that opens every link of the mail records nothing; the customer\'s button records their answer', async () => {
    await start();
    const { number, csat } = await solvedTicket();
    // Before the customer reads the mail, their provider's scanner fetches both answers ("bad" last).
    const scanned = await scanMail(csat);
    expect(scanned.map((p) => new URL(p.url).searchParams.get('a'))).toEqual(['good', 'bad']);
    expect(scanned.every((p) => p.status === 200)).toBe(true);
    expect(await answerCount()).toBe(0);
    expect((await survey(number)).answeredAt).toBeNull();

    // The customer clicks "Buena" and presses the button: exactly that is recorded and reported.
    await sendForm(await follow(surveyLinks(csat).get('good') as string));
    // Scanned again (forwarded, re-checked on a later click): still that answer, once.
    await scanMail(csat);
    const stored = await survey(number);
    expect(stored).toMatchObject({ rating: 'good', score: null });
    expect(stored.answers.map((a) => [a.rating, a.channel])).toEqual([['good', 'web']]);
    const report = await surveyReport(web.app.db, { from: null, to: new Date(clock.getTime() + 60_000) });
    expect(report.csat).toEqual({ sent: 1, answered: 1, responseRate: 100, satisfied: 1, neutral: 0, unsatisfied: 0, satisfiedPercent: 100, pending: 0 });
  });

  it('tampered, expired or replayed tokens get a clear error page and store nothing', async () => {
    await start();
    const a = await solvedTicket('Ana <ana@cliente.mx>');
    const b = await solvedTicket('Joana <joana@contabil.pt>');
    const good = surveyLinks(a.csat).get('good') as string;
    const token = new URL(good).searchParams.get('t') as string;
    const [body, sig] = token.split('.') as [string, string];
    const flipped = `${sig.slice(0, 5)}${sig[5] === 'A' ? 'B' : 'A'}${sig.slice(6)}`;

    const tampered = await follow(good.replace(token, `${body}.${flipped}`));
    expect(tampered.status).toBe(400);
    expect(tampered.html).toContain('Este enlace no es válido');
    expect(tampered.html).toContain('No se registró ninguna respuesta.');
    expect(tampered.html).toContain('mailto:soporte@example.test');

    // Signed with the real key but naming another contact or ticket than the survey's: refused.
    const sa = await survey(a.number);
    const sb = await survey(b.number);
    const replay = (payload: object) => `${web.baseUrl}/survey?t=${signToken(SECRET, 'survey', payload, sa.expiresAt)}&a=bad`;
    for (const payload of [{ r: sa.id, c: sb.contactId, t: sa.ticketId, k: 'csat' }, { r: sa.id, c: sa.contactId, t: sb.ticketId, k: 'csat' }, { r: sb.id, c: sa.contactId, t: sa.ticketId, k: 'csat' }]) {
      expect((await follow(replay(payload))).status, JSON.stringify(payload)).toBe(400);
      expect((await follow(replay(payload), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=bad' })).status, JSON.stringify(payload)).toBe(400);
    }
    const post = await follow(`${web.baseUrl}/survey?t=${body}.${flipped}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=bad&comment=x' });
    expect(post.status).toBe(400);
    expect((await follow(`${web.baseUrl}/survey`)).status).toBe(400);
    expect((await follow(`${web.baseUrl}/survey?t=garbage&a=good`, { headers: { 'accept-language': 'en-US,en;q=0.8' } })).html).toContain('This link is not valid');
    // A link checker's HEAD gets the GET's answer, without its body, and records nothing either.
    const head = await fetch(good, { method: 'HEAD', redirect: 'manual' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(await answerCount()).toBe(0);

    // Past SURVEY_LINK_DAYS (30): expired, even for a page opened in time and sent too late.
    const openedInTime = await follow(good);
    clock = new Date(sa.expiresAt.getTime() + 60_000);
    const expired = await follow(good, { headers: { 'accept-language': 'pt-PT,pt;q=0.9' } });
    expect(expired.status).toBe(410);
    expect(expired.html).toContain('Esta ligação expirou');
    expect((await sendForm(openedInTime)).status).toBe(410);
    expect(await answerCount()).toBe(0);
    expect((await survey(a.number)).answeredAt).toBeNull();
    // Still valid for its last minute before that.
    clock = new Date(sa.expiresAt.getTime() - 60_000);
    const page = await follow(good);
    expect(page.status).toBe(200);
    expect((await sendForm(page)).status).toBe(200);
    expect(await answerCount()).toBe(1);

    // Answered, then opened again once the time is over: the page must not say that no answer was recorded.
    clock = new Date(sa.expiresAt.getTime() + 60_000);
    const later = await follow(good);
    expect(later.status).toBe(410);
    expect(later.html).toContain('<h1>Este enlace ha caducado</h1>');
    expect(later.html).toContain('El plazo para cambiar su respuesta terminó.');
    expect(later.html).toContain('Registramos su respuesta: Buena.');
    expect(later.html).not.toContain('No se registró ninguna respuesta');
    expect(await answerCount()).toBe(1);
  });

  it('once per ticket: reopened and solved again, no second survey; any way support solves it counts', async () => {
    await start({ CSAT_SCALE: '1-5' });
    const { number, csat } = await solvedTicket();
    expect([...surveyLinks(csat).keys()]).toEqual(['1', '2', '3', '4', '5']);
    expect(csat.parsed.text).toContain('5 · Muy satisfecho');
    // The customer says it still fails: reopened; support solves it again with `tickets set`.
    await web.app.pipeline.ingest(mail({ headers: { 'In-Reply-To': csat.parsed.messageId as string, Subject: `Re: ${csat.parsed.subject}` }, body: 'Sigue fallando en la sucursal 02.' }), { source: 'file' });
    await setTicketStatus(web.app, { number, status: 'solved', actor: 'agent:luis', now: clock });
    await web.app.drainer().drain();
    expect(await web.app.db.surveyRequest.count()).toBe(1);
    expect(await web.app.db.outboxMail.count({ where: { template: 'csat_survey' } })).toBe(1);
    // A ticket on hold for a product issue is solved by its release: surveyed, the releaser is the agent.
    const held = await web.app.pipeline.ingest(mail({ headers: { From: 'joana@contabil.pt' } }), { source: 'file' });
    await replyToTicket(web.app, { number: held.ticketNumber as number, body: 'Abrimos la incidencia BUG-9.', status: 'on_hold', issueRef: 'BUG-9', actor: 'agent:maria', now: clock });
    await releaseProductIssue(web.app, { issueRef: 'BUG-9', actor: 'agent:release', now: clock });
    expect(await survey(held.ticketNumber as number)).toMatchObject({ agent: 'agent:release', locale: 'pt', country: 'PT' });
  });

  it('a survey still unsent when the customer reopens the ticket is withdrawn; solved again, the customer is asked then', async () => {
    await start();
    const r = await web.app.pipeline.ingest(mail(), { source: 'file' });
    const number = r.ticketNumber as number;
    // Solved while the outbox cannot send (a mail server down, a backlog): the survey waits with the solution.
    await replyToTicket(web.app, { number, body: 'Cargue el nuevo CSD y vuelva a timbrar.', status: 'solved', actor: 'agent:maria', now: clock });
    const solvedMail = await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'solved' } });
    expect(await web.app.db.outboxMail.count({ where: { template: 'csat_survey', status: 'pending' } })).toBe(1);
    // The customer answers the solution before any of it left: it still fails. The ticket reopens.
    const answer = mail({ headers: { 'In-Reply-To': solvedMail.messageId, Subject: `Re: ${solvedMail.subject}` }, body: 'Sigue fallando en la sucursal 02.' });
    expect(await web.app.pipeline.ingest(answer, { source: 'file' })).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    // "How did we do?" about a problem that is open again is not sent: the mail is kept, cancelled, with why.
    const before = smtp.received.length;
    await web.app.drainer().drain();
    const delivered = await smtp.waitFor(before + 3); // the solution, the reply's receipt... and no survey
    expect(surveyMailOf(delivered.slice(before), 'csat')).toBeUndefined();
    const withdrawn = await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'csat_survey' } });
    expect(withdrawn.status).toBe('cancelled');
    expect(withdrawn.lastError).toMatch(/^not sent: the ticket was reopened/);
    expect(await web.app.db.surveyRequest.count()).toBe(0); // it never reached them: no survey to answer, none counted in the report
    const events = await web.app.db.ticketEvent.findMany({ where: { ticket: { number }, type: { startsWith: 'csat' } }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['csat_sent', 'csat_withdrawn']);
    // Solved again: this time the survey goes out, once, and its links work.
    await replyToTicket(web.app, { number, body: 'Corregido en la sucursal 02.', status: 'solved', actor: 'agent:luis', now: clock });
    const mark = smtp.received.length;
    await web.app.drainer().drain();
    const csat = surveyMailOf((await smtp.waitFor(mark + 2)).slice(mark), 'csat');
    expect(csat?.envelopeTo).toEqual(['ana@cliente.mx']);
    expect(await survey(number)).toMatchObject({ agent: 'agent:luis', rating: null });
    const picked = await follow(surveyLinks(csat as ReceivedMail).get('good') as string);
    await sendForm(picked);
    expect(await survey(number)).toMatchObject({ rating: 'good' });
  });

  it('a pending ticket that closes for lack of an answer gets no survey', async () => {
    await start();
    const r = await web.app.pipeline.ingest(mail(), { source: 'file' });
    await replyToTicket(web.app, { number: r.ticketNumber as number, body: '¿Nos envía el XML?', status: 'pending', actor: 'agent:maria', now: clock });
    const { runLifecycleTimers } = await import('../../src/lifecycle/jobs.js');
    for (let days = 1; days <= 30; days++) await runLifecycleTimers(web.app.db, web.app.lifecycle, new Date(clock.getTime() + days * 86_400_000));
    expect((await web.app.db.ticket.findFirstOrThrow({ where: { number: r.ticketNumber as number } })).status).toBe('closed');
    expect(await web.app.db.surveyRequest.count()).toBe(0);
  });
});

describe('a reply to the survey mail', () => {
  const reply = (csat: ReceivedMail, body: string, from = 'Ana Pérez <ana@cliente.mx>') =>
    mail({ headers: { From: from, 'In-Reply-To': csat.parsed.messageId as string, References: csat.parsed.messageId as string, Subject: `Re: ${csat.parsed.subject}` }, body });

  it('with a bare score is recorded as the answer, not as a comment that reopens the ticket', async () => {
    await start();
    const { number, csat } = await solvedTicket();
    const messagesBefore = await web.app.db.message.count({ where: { ticket: { number } } });
    const raw = reply(csat, '5\n\nEl jue, 3 dic 2026 a las 10:00, Soporte escribió:\n> ¿Cómo le atendimos?');
    expect(await web.app.pipeline.ingest(raw, { source: 'file' })).toMatchObject({ outcome: 'survey_answer', ticketNumber: number, detail: 'csat 5' });
    expect(await survey(number)).toMatchObject({ rating: 'good', score: 5, answers: [expect.objectContaining({ channel: 'mail', rating: 'good', score: 5 })] });
    // The same reply delivered again: one answer.
    expect(await web.app.pipeline.ingest(raw, { source: 'file' })).toMatchObject({ outcome: 'duplicate' });
    // "malo" changes it.
    expect(await web.app.pipeline.ingest(reply(csat, 'Malo.'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat bad' });
    const ticket = await web.app.db.ticket.findFirstOrThrow({ where: { number } });
    expect(ticket.status).toBe('solved');
    expect(await web.app.db.message.count({ where: { ticket: { number } } })).toBe(messagesBefore);
    expect((await survey(number)).answers.map((a) => a.rating)).toEqual(['good', 'bad']);
  });

  it('with the words the mail shows by a score ("Muy satisfecho"), in any of the desk\'s languages, is that score', async () => {
    await start({ CSAT_SCALE: '1-5' });
    const { number, csat } = await solvedTicket();
    expect(csat.parsed.text).toContain('5 · Muy satisfecho');
    expect(await web.app.pipeline.ingest(reply(csat, 'Muy satisfecho'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 5' });
    expect(await web.app.pipeline.ingest(reply(csat, '3 · Ni satisfecho ni insatisfecho'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 3' });
    expect(await web.app.pipeline.ingest(reply(csat, 'Satisfied.'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 4' });
    expect(await web.app.pipeline.ingest(reply(csat, 'Muito insatisfeito'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat 1' });
    expect((await web.app.db.ticket.findFirstOrThrow({ where: { number } })).status).toBe('solved');
    expect((await survey(number)).answers.map((a) => a.score)).toEqual([5, 3, 4, 1]);
  });

  it('in a word on the 1-5 scale ("Bueno"): the page shows that word, as the mail\'s list words it', async () => {
    await start({ CSAT_SCALE: '1-5' });
    const { number, csat } = await solvedTicket();
    expect(await web.app.pipeline.ingest(reply(csat, 'Bueno'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat good' });
    const page = await follow(`${web.baseUrl}/survey?t=${new URL(surveyLinks(csat).get('5') as string).searchParams.get('t')}`);
    console.log('PAGE', page.html.match(/Registramos[^\n]*/)?.[0]);
    expect(page.html).toMatch(/Registramos su respuesta: <strong>Buena<\/strong>/);
    expect((await survey(number)).rating).toBe('good');
  });

  it('with a score, then only thanks or a sign-off, is the answer: neither lost nor a comment', async () => {
    await start();
    const { number, csat } = await solvedTicket();
    const messagesBefore = await web.app.db.message.count({ where: { ticket: { number } } });
    expect(await web.app.pipeline.ingest(reply(csat, 'Bueno\n\nMuchas gracias'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat good' });
    expect(await web.app.pipeline.ingest(reply(csat, 'Malo\n\nSaludos,\nAna Pérez'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat bad' });
    expect(await web.app.pipeline.ingest(reply(csat, 'Bueno, gracias!'), { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: 'csat good' });
    expect((await survey(number)).answers.map((a) => a.rating)).toEqual(['good', 'bad', 'good']);
    expect((await web.app.db.ticket.findFirstOrThrow({ where: { number } })).status).toBe('solved');
    expect(await web.app.db.message.count({ where: { ticket: { number } } })).toBe(messagesBefore);
    // More than courtesy under the score is something to read: the ticket gets it.
    expect(await web.app.pipeline.ingest(reply(csat, 'Malo\n\nSigue fallando la factura 120.'), { source: 'file' })).toMatchObject({ outcome: 'reopened', ticketNumber: number });
  });

  it('in words, or from someone else, is an ordinary mail: from a stranger a ticket of their own, in words it reaches the ticket', async () => {
    await start();
    const { number, csat } = await solvedTicket();
    // Someone the survey was forwarded to: only the customer rates her case, nor may a stranger reopen it.
    expect(await web.app.pipeline.ingest(reply(csat, '5', 'Luis <luis@otra.mx>'), { source: 'file' })).toMatchObject({ outcome: 'created', ticketNumber: number + 1 });
    expect((await web.app.db.ticket.findFirstOrThrow({ where: { number } })).status).toBe('solved');
    expect(await web.app.pipeline.ingest(reply(csat, 'La solución no funcionó, sigue el error.'), { source: 'file' })).toMatchObject({ outcome: 'reopened', ticketNumber: number });
    expect(await answerCount()).toBe(0);
  });
});
