import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayJobs } from '../../src/scheduler/jobs.js';
import { surveyReport } from '../../src/surveys/report.js';
import { mail } from '../support/app.js';
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from '../support/smtp.js';
import { follow, scanMail, sendForm, startSurveyWeb, surveyLinks, type SurveyWeb } from '../support/survey-web.js';

// The yearly NPS campaign (DOMAIN.md rule 8) by time travel: who is asked, the daily cap spreading it over
// days, business hours only, addresses that cannot get mail skipped, and the answers by link (its page's button:
// a link scanner's GETs record nothing) and by reply.
// Mexico City is UTC-6 all year.

let smtp: SmtpPeer;
let web: SurveyWeb;
let clock = new Date();

beforeAll(async () => {
  smtp = await startSmtpPeer();
});
afterAll(async () => smtp.stop());
afterEach(async () => {
  await web?.dispose();
  smtp.received.length = 0;
  smtp.failWith = null;
});

const MX = (local: string) => new Date(`${local}-06:00`);

/** A contact's mail at `local`; its ticket then solved by support, unless `open`. */
async function write(local: string, from: string, opts: { open?: boolean } = {}) {
  clock = MX(local);
  const r = await web.app.pipeline.ingest(mail({ headers: { From: from } }), { source: 'file' });
  if (!opts.open) await web.app.db.ticket.update({ where: { number: r.ticketNumber as number }, data: { status: 'solved' } });
  await web.app.drainer().drain();
  return r;
}

async function campaign(local: string) {
  clock = MX(local);
  const job = gatewayJobs(web.app).find((j) => j.name === 'nps-campaign');
  if (!job) throw new Error('the nps-campaign job is not registered');
  const result = await job.run(clock);
  await web.app.drainer().drain();
  return result;
}

/** NPS mails delivered since the last call, by recipient. */
let seen = 0;
function npsMails(): Map<string, ReceivedMail> {
  const fresh = smtp.received.slice(seen).filter((m) => m.header('x-ventanilla-survey') === 'nps');
  seen = smtp.received.length;
  return new Map(fresh.map((m) => [m.envelopeTo[0] as string, m]));
}

describe('the NPS campaign', () => {
  it('asks each active contact once a year, at most NPS_DAILY_LIMIT a day, in business hours, skipping bounced and unsubscribed addresses', async () => {
    web = await startSurveyWeb(smtp, { CSAT_ENABLED: 'false', NPS_DAILY_LIMIT: '2' }, () => clock);
    seen = 0;
    await web.app.db.organisation.create({ data: { name: 'Cliente MX', country: 'MX', domains: { create: [{ domain: 'cliente.mx' }] } } });
    // dora's address refuses mail for good (550): the outbox marks her acknowledgement failed.
    smtp.failWith = 550;
    await write('2026-02-02T10:00:00', 'Dora <dora@cliente.mx>');
    smtp.failWith = null;
    await write('2026-03-02T10:00:00', 'Ana <ana@cliente.mx>');
    await write('2025-06-01T10:00:00', 'Carla <carla@cliente.mx>');
    await write('2026-02-20T10:00:00', 'Gabi <gabi@cliente.mx>');
    await write('2026-02-21T10:00:00', 'Hugo <hugo@cliente.mx>');
    // hugo unsubscribed from our bulletins: he does not want mail he did not ask for.
    await web.app.db.subscriber.create({ data: { email: 'hugo@cliente.mx', countries: ',MX,', status: 'unsubscribed', unsubscribeReason: 'one_click' } });
    await write('2025-01-10T10:00:00', 'Bea <bea@cliente.mx>'); // no ticket in the last 12 months
    // Iris's problem is still being worked on: she is asked once it is solved, not in the middle of it.
    const iris = await write('2026-03-03T10:00:00', 'Iris <iris@cliente.mx>', { open: true });
    const held = await write('2026-02-25T10:00:00', 'Fede <fede@cliente.mx>');
    await web.app.db.ticket.update({ where: { number: held.ticketNumber as number }, data: { heldForAuthorisation: true } }); // never authorised
    npsMails();

    expect(await campaign('2026-03-04T07:59:00'), 'before opening time').toEqual({});
    expect(await campaign('2026-03-07T11:00:00'), 'on a Saturday').toEqual({});
    expect(await campaign('2026-03-04T10:00:00')).toEqual({ bounced: 1, asked: 2 });
    expect([...npsMails().keys()].sort()).toEqual(['ana@cliente.mx', 'carla@cliente.mx']);
    expect(await campaign('2026-03-04T15:00:00'), 'the cap of the day is reached').toEqual({});
    expect(await campaign('2026-03-05T10:00:00')).toEqual({ bounced: 1, asked: 1, unsubscribed: 1 });
    const day2 = npsMails();
    expect([...day2.keys()]).toEqual(['gabi@cliente.mx']);
    expect(await campaign('2026-03-06T10:00:00'), 'everyone active was asked').toEqual({ bounced: 1, unsubscribed: 1 });
    expect(npsMails().size).toBe(0);
    await web.app.db.ticket.update({ where: { number: iris.ticketNumber as number }, data: { status: 'solved' } });
    expect(await campaign('2026-03-09T10:00:00'), 'iris, her ticket solved').toEqual({ bounced: 1, asked: 1, unsubscribed: 1 });
    expect([...npsMails().keys()]).toEqual(['iris@cliente.mx']);

    // The mail: about the company, not a ticket (no tag, no ticket address), eleven one-click answers.
    const carla = smtp.received.find((m) => m.header('x-ventanilla-survey') === 'nps' && m.envelopeTo[0] === 'carla@cliente.mx') as ReceivedMail;
    expect(carla.parsed.subject).toBe('¿Nos recomendaría? Una pregunta sobre nuestro Soporte');
    expect(carla.parsed.replyTo).toBeUndefined();
    expect(carla.header('auto-submitted')).toBe('auto-generated');
    expect([...surveyLinks(carla).keys()]).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);

    // Every mail's eleven links opened by a link scanner, in order (10 last): no score is recorded.
    const asked = smtp.received.filter((m) => m.header('x-ventanilla-survey') === 'nps');
    for (const m of asked) expect((await scanMail(m)).map((p) => p.status)).toEqual(Array(11).fill(200));
    expect(await web.app.db.surveyAnswer.count()).toBe(0);

    // Answers: carla by link (9) and the page's button, ana by replying "6" to her mail.
    const page = await follow(surveyLinks(carla).get('9') as string);
    expect(page.html).toContain('¿Qué tan probable es que nos recomiende');
    expect(page.html).toMatch(/value="9" checked/);
    expect(page.html).toContain('0 &#x3D; nada probable'); // "=" is escaped by Handlebars, shown as "="
    expect(await web.app.db.surveyAnswer.count()).toBe(0);
    expect((await sendForm(page)).html).toMatch(/Registramos su respuesta: <strong>9<\/strong>/);
    await scanMail(carla); // scanned again later: changes nothing
    const carlaSurvey = await web.app.db.surveyRequest.findFirstOrThrow({ where: { kind: 'nps', contact: { email: 'carla@cliente.mx' } }, include: { answers: true } });
    expect(carlaSurvey.answers.map((a) => [a.score, a.channel])).toEqual([[9, 'web']]);
    const anaMail = smtp.received.find((m) => m.header('x-ventanilla-survey') === 'nps' && m.envelopeTo[0] === 'ana@cliente.mx') as ReceivedMail;
    const reply = mail({ headers: { From: 'Ana <ana@cliente.mx>', 'In-Reply-To': anaMail.parsed.messageId as string, Subject: `Re: ${anaMail.parsed.subject}` }, body: '6' });
    expect(await web.app.pipeline.ingest(reply, { source: 'file' })).toMatchObject({ outcome: 'survey_answer', ticketNumber: null, detail: 'nps 6' });
    // "¡Gracias!" to the NPS mail (it has no ticket) opens none, and nobody is mailed.
    const tickets = await web.app.db.ticket.count();
    const sent = await web.app.db.outboxMail.count();
    const thanks = mail({ headers: { From: 'Ana <ana@cliente.mx>', 'In-Reply-To': anaMail.parsed.messageId as string, Subject: `Re: ${anaMail.parsed.subject}` }, body: '¡Gracias!\n\nAna' });
    expect(await web.app.pipeline.ingest(thanks, { source: 'file' })).toMatchObject({ outcome: 'thanks', ticketNumber: null });
    expect([await web.app.db.ticket.count(), await web.app.db.outboxMail.count()]).toEqual([tickets, sent]);

    const report = await surveyReport(web.app.db, { from: MX('2026-03-01T00:00:00'), to: MX('2026-04-01T00:00:00'), by: 'organisation' });
    expect(report.nps).toEqual({ sent: 4, answered: 2, responseRate: 50, promoters: 1, passives: 0, detractors: 1, nps: 0, pending: 0 });
    expect(report.groups).toEqual([{ key: 'Cliente MX', csat: expect.objectContaining({ sent: 0 }), nps: report.nps }]);

    // A year later: asked again only with a ticket in the last 12 months and 12 months after the last time.
    await write('2026-12-01T10:00:00', 'Ana <ana@cliente.mx>');
    expect(await campaign('2027-03-04T09:00:00'), 'asked 2026-03-04 10:00: not 12 months yet').toEqual({});
    expect(await campaign('2027-03-04T10:30:00')).toEqual({ asked: 1 });
    expect([...npsMails().keys()]).toEqual(['ana@cliente.mx']);
  });

  it('a reply with the score, then only thanks or a sign-off, is the answer: not lost, no ticket', async () => {
    web = await startSurveyWeb(smtp, { CSAT_ENABLED: 'false' }, () => clock);
    seen = 0;
    for (const who of ['ana', 'bea', 'carla']) await write('2026-03-02T10:00:00', `${who} <${who}@cliente.mx>`);
    expect(await campaign('2026-03-04T10:00:00')).toEqual({ asked: 3 });
    const asked = npsMails();
    const reply = (to: string, body: string) => {
      const m = asked.get(to) as ReceivedMail;
      return web.app.pipeline.ingest(mail({ headers: { From: `${to.split('@')[0]} <${to}>`, 'In-Reply-To': m.parsed.messageId as string, Subject: `Re: ${m.parsed.subject}` }, body }), { source: 'file' });
    };
    const tickets = await web.app.db.ticket.count();
    // "9 / Gracias" was taken for a thanks and its score dropped; "10 / Saludos, Bea" opened a ticket.
    expect(await reply('ana@cliente.mx', '9\n\n¡Gracias!')).toMatchObject({ outcome: 'survey_answer', detail: 'nps 9' });
    expect(await reply('bea@cliente.mx', '10\n\nSaludos,\nBea')).toMatchObject({ outcome: 'survey_answer', detail: 'nps 10' });
    expect(await reply('carla@cliente.mx', '4, excelente servicio')).toMatchObject({ outcome: 'survey_answer', detail: 'nps 4' });
    expect(await web.app.db.ticket.count()).toBe(tickets);
    const report = await surveyReport(web.app.db, { from: null, to: new Date(clock.getTime() + 60_000) });
    expect(report.nps).toMatchObject({ sent: 3, answered: 3, promoters: 2, detractors: 1 });
  });

  it('a reply that only thanks, delivered again, is a duplicate; another mail under its Message-ID is itself', async () => {
    web = await startSurveyWeb(smtp, { CSAT_ENABLED: 'false' }, () => clock);
    seen = 0;
    for (const who of ['ana', 'bea']) await write('2026-03-02T10:00:00', `${who} <${who}@cliente.mx>`);
    expect(await campaign('2026-03-04T10:00:00')).toEqual({ asked: 2 });
    const asked = npsMails();
    const reply = (to: string, body: string, headers: Record<string, string | null> = {}) => {
      const m = asked.get(to) as ReceivedMail;
      return mail({ headers: { From: `${to.split('@')[0]} <${to}>`, 'In-Reply-To': m.parsed.messageId as string, Subject: `Re: ${m.parsed.subject}`, ...headers }, body });
    };
    const thanks = reply('ana@cliente.mx', '¡Gracias!\n\nAna', { 'Message-ID': '<gracias-1@cliente.mx>' });
    const tickets = await web.app.db.ticket.count();
    const sent = await web.app.db.outboxMail.count();

    expect(await web.app.pipeline.ingest(thanks, { source: 'file' })).toMatchObject({ outcome: 'thanks', ticketNumber: null });
    // Fetched again from the mailbox (a rescan, a copy to another of our addresses): was logged 'thanks' a second time.
    expect(await web.app.pipeline.ingest(Buffer.concat([Buffer.from('Delivered-To: ventas@example.test\r\n'), thanks]), { source: 'imap' })).toMatchObject({ outcome: 'duplicate', ticketNumber: null });
    // Her score, sent later by a client that gave it the same Message-ID, is her answer, not a copy of the thanks.
    const score = reply('ana@cliente.mx', '8', { 'Message-ID': '<gracias-1@cliente.mx>', Date: 'Tue, 24 Nov 2026 10:00:00 -0600' });
    expect(await web.app.pipeline.ingest(score, { source: 'file' })).toMatchObject({ outcome: 'survey_answer', detail: expect.stringMatching(/^nps 8; Message-ID <gracias-1@cliente\.mx> reused/) });
    // A thanks without Message-ID is known by what its sender wrote.
    const bare = reply('bea@cliente.mx', 'Muchas gracias', { 'Message-ID': null });
    expect(await web.app.pipeline.ingest(bare, { source: 'file' })).toMatchObject({ outcome: 'thanks', ticketNumber: null });
    expect(await web.app.pipeline.ingest(bare, { source: 'imap' })).toMatchObject({ outcome: 'duplicate', ticketNumber: null });

    const logged = await web.app.db.inboundLog.findMany({ where: { outcome: { in: ['thanks', 'duplicate', 'survey_answer'] } }, orderBy: { id: 'asc' } });
    expect(logged.map((r) => r.outcome)).toEqual(['thanks', 'duplicate', 'survey_answer', 'thanks', 'duplicate']);
    expect([await web.app.db.ticket.count(), await web.app.db.outboxMail.count()]).toEqual([tickets, sent]);
  });

  it('NPS_ENABLED=false: no campaign job', async () => {
    web = await startSurveyWeb(smtp, { NPS_ENABLED: 'false' }, () => clock);
    expect(gatewayJobs(web.app).map((j) => j.name)).not.toContain('nps-campaign');
  });
});
