import { describe, expect, it } from 'vitest';
import { signToken } from '../../src/http/tokens.js';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { gatewayJobs } from '../../src/scheduler/jobs.js';
import { surveyReport } from '../../src/surveys/report.js';
import { mail } from '../support/app.js';
import { postfixDsn, sentHeaders } from '../support/dsn.js';
import type { ReceivedMail } from '../support/smtp.js';
import { follow, sendForm, surveyMailOf, surveyWebPerTest, type SurveyWeb } from '../support/survey-web.js';

// "Don't send me surveys": every survey mail (CSAT and NPS) carries a List-Unsubscribe link with RFC 8058
// one-click and the same link in its footer. A GET (a person, or a provider's link scanner) records nothing;
// the page's button, or the mail client's one-click POST, opts the address out, and no survey goes to it again.
// Mexico City is UTC-6 all year.

const SECRET = 'test-secret-key-0123456789';
const fixture = surveyWebPerTest();
let web: SurveyWeb;
let clock = new Date();

const MX = (local: string) => new Date(`${local}-06:00`);

async function start() {
  clock = MX('2026-03-02T10:00:00');
  web = await fixture.start({}, () => clock);
}
const received = () => fixture.smtp().received;

/** A customer writes, an agent solves the ticket; returns the CSAT mail delivered, if any. */
async function solvedTicket(from: string, body?: string): Promise<{ number: number; csat: ReceivedMail | undefined }> {
  const r = await web.app.pipeline.ingest(mail({ headers: { From: from }, body }), { source: 'file' });
  const number = r.ticketNumber as number;
  await replyToTicket(web.app, { number, body: 'Cargue el nuevo CSD y vuelva a timbrar.', status: 'solved', actor: 'agent:maria', now: clock });
  const before = received().length;
  await web.app.drainer().drain();
  return { number, csat: surveyMailOf(received().slice(before), 'csat') };
}

async function campaign(local: string): Promise<{ result: Record<string, number>; mails: ReceivedMail[] }> {
  clock = MX(local);
  const before = received().length;
  const job = gatewayJobs(web.app).find((j) => j.name === 'nps-campaign');
  if (!job) throw new Error('the nps-campaign job is not registered');
  const result = await job.run(clock);
  await web.app.drainer().drain();
  return { result, mails: received().slice(before).filter((m) => m.header('x-ventanilla-survey') === 'nps') };
}

/** The https URL of List-Unsubscribe, checked to be the only one (no mailto: see src/surveys/survey-mail.ts). */
function oneClickUrl(m: ReceivedMail): string {
  const header = m.header('list-unsubscribe') ?? '';
  expect(header).toMatch(new RegExp(`^<${web.baseUrl.replace(/\./g, '\\.')}/survey/opt-out\\?t=[\\w.-]+>$`));
  expect(m.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  const url = header.slice(1, -1);
  expect(m.parsed.text, 'the footer of the text part').toContain(url);
  expect(typeof m.parsed.html === 'string' ? m.parsed.html : '', 'the footer of the HTML part').toContain(`href="${url.replace(/&/g, '&amp;')}"`);
  return url;
}

/** What a link scanner does with a link: a HEAD, then a GET. */
async function scan(url: string): Promise<number> {
  await fetch(url, { method: 'HEAD' });
  return (await follow(url, { headers: { 'user-agent': 'Mozilla/5.0 (link scanner)' } })).status;
}

const oneClick = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
const optedOut = async (email: string) => (await web.app.db.contact.findUniqueOrThrow({ where: { email } })).surveysOptedOutAt;

describe('opting out of surveys', () => {
  it('CSAT: the mail carries one-click unsubscribe; a scanner\'s GET records nothing; the one-click POST opts out, once; the next CSAT and NPS skip the address', async () => {
    await start();
    const { csat } = await solvedTicket('Ana Pérez <ana@cliente.mx>');
    if (!csat) throw new Error('no CSAT mail');
    const url = oneClickUrl(csat);
    expect(csat.parsed.text).toContain(`¿No desea recibir estas encuestas? ${url}`);

    expect(await scan(url)).toBe(200);
    expect(await optedOut('ana@cliente.mx'), 'a GET records nothing').toBeNull();

    // The mail client's one-click (RFC 8058): a POST with the body List-Unsubscribe=One-Click.
    const first = await oneClick(url);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('No le enviaremos más encuestas');
    const at = await optedOut('ana@cliente.mx');
    expect(at).toEqual(clock);
    clock = new Date(clock.getTime() + 60_000);
    // Sent again, as text/plain (some clients do): accepted, and changes nothing.
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(200);
    expect(await optedOut('ana@cliente.mx')).toEqual(at);
    expect((await follow(url)).html, 'the page now says so').toContain('No le enviaremos más encuestas');

    // Her next solved ticket gets no survey (the event says why); nor does the yearly NPS.
    const again = await solvedTicket('Ana Pérez <ana@cliente.mx>');
    expect(again.csat).toBeUndefined();
    const events = await web.app.db.ticketEvent.findMany({ where: { ticket: { number: again.number }, type: { startsWith: 'csat' } } });
    expect(events.map((e) => [e.type, e.detail])).toEqual([['csat_skipped', 'ana@cliente.mx: opted_out']]);
    expect((await campaign('2026-03-04T10:00:00')).result).toEqual({ opted_out: 1 });
    // Skipped surveys are not surveys: the report counts the one sent.
    const report = await surveyReport(web.app.db, { from: null, to: new Date(clock.getTime() + 60_000) });
    expect(report.csat).toMatchObject({ sent: 1, answered: 0 });
    expect(report.nps).toMatchObject({ sent: 0, answered: 0 });
  });

  it('a survey still queued when its contact opts out is not sent, nor counted as sent', async () => {
    await start();
    const { csat } = await solvedTicket('Ana Pérez <ana@cliente.mx>');
    if (!csat) throw new Error('no CSAT mail');
    // A second ticket solved: its CSAT is queued, not yet sent, when Ana clicks the first mail's one-click.
    const r = await web.app.pipeline.ingest(mail({ headers: { From: 'Ana Pérez <ana@cliente.mx>', 'Message-ID': '<second@cliente.mx>' } }), { source: 'file' });
    await replyToTicket(web.app, { number: r.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: clock });
    expect(await web.app.db.outboxMail.count({ where: { template: 'csat_survey', status: 'pending' } })).toBe(1);
    expect((await oneClick(oneClickUrl(csat))).status).toBe(200);
    const before = received().length;
    await web.app.drainer().drain();
    expect(surveyMailOf(received().slice(before), 'csat')).toBeUndefined();
    expect(await web.app.db.outboxMail.findFirst({ where: { template: 'csat_survey', status: 'cancelled' } })).toMatchObject({ lastError: 'opted out of surveys' });
    const report = await surveyReport(web.app.db, { from: null, to: new Date(clock.getTime() + 60_000) });
    expect(report.csat).toMatchObject({ sent: 1 });
  });

  it('a survey still queued when a bounce suppresses its address is not sent, nor counted as sent', async () => {
    await start();
    await solvedTicket('Ana Pérez <ana@cliente.mx>');
    // Ana writes again; the acknowledgement leaves; her ticket is solved, its CSAT queued, not yet sent...
    const r = await web.app.pipeline.ingest(mail({ headers: { From: 'Ana Pérez <ana@cliente.mx>', 'Message-ID': '<again@cliente.mx>' } }), { source: 'file' });
    await web.app.drainer().drain();
    await replyToTicket(web.app, { number: r.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: clock });
    // ...when the acknowledgement comes back: her mailbox no longer exists.
    const ack = await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'acknowledgement', ticket: { number: r.ticketNumber as number } } });
    const bounce = await web.app.pipeline.ingest(postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(ack) }), { source: 'file' });
    expect(bounce.detail).toContain('queued mails to it taken back');
    const before = received().length;
    await web.app.drainer().drain();
    expect(surveyMailOf(received().slice(before), 'csat')).toBeUndefined();
    const report = await surveyReport(web.app.db, { from: null, to: new Date(clock.getTime() + 60_000) });
    expect(report.csat).toMatchObject({ sent: 1 });
  });

  // The response rate is answers over surveys received: one that never arrived lowered it for nothing.
  it('a survey whose mail bounced, or failed for good at sending, is not counted as sent', async () => {
    await start();
    const bounced = await solvedTicket('Ana Pérez <ana@cliente.mx>');
    expect(bounced.csat).toBeDefined();
    const csat = await web.app.db.outboxMail.findFirstOrThrow({ where: { template: 'csat_survey', ticket: { number: bounced.number } } });
    const bounce = await web.app.pipeline.ingest(postfixDsn({ failed: 'ana@cliente.mx', original: sentHeaders(csat) }), { source: 'file' });
    expect(bounce.outcome).toBe('bounce');
    // Refused for good at RCPT TO: the outbox marks the mail failed.
    fixture.smtp().refuseRecipients.set('luis@cliente.mx', 550);
    const failed = await solvedTicket('Luis <luis@cliente.mx>');
    expect(failed.csat).toBeUndefined();
    expect(await web.app.db.outboxMail.count({ where: { template: 'csat_survey', status: 'failed' } })).toBe(1);
    const delivered = await solvedTicket('Eva <eva@cliente.mx>');
    expect(delivered.csat).toBeDefined();
    const report = await surveyReport(web.app.db, { from: null, to: new Date(clock.getTime() + 60_000) });
    expect(report.csat).toMatchObject({ sent: 1 });
  });

  it('NPS: the link opens a page in the customer\'s language whose button opts out; the next campaign and CSAT skip the address', async () => {
    await start();
    await web.app.pipeline.ingest(mail({ headers: { From: 'Tom <tom@client.example>' }, body: 'Hello, I cannot log in to the portal since yesterday. Could you please help me?' }), { source: 'file' });
    await web.app.pipeline.ingest(mail({ headers: { From: 'Ana <ana@cliente.mx>' } }), { source: 'file' });
    // Solved (NPS asks no one whose problem is still being worked on).
    await web.app.db.ticket.updateMany({ data: { status: 'solved' } });
    const { result, mails } = await campaign('2026-03-04T10:00:00');
    expect(result).toEqual({ asked: 2 });
    const tom = mails.find((m) => m.envelopeTo[0] === 'tom@client.example') as ReceivedMail;
    const url = oneClickUrl(tom);
    expect(tom.parsed.text).toContain(`Don't want these surveys? ${url}`);

    const page = await follow(url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<html lang="en"');
    expect(page.html).toContain('<h1>Stop receiving surveys?</h1>');
    expect(page.html).toContain('tom@client.example');
    expect(page.html).toMatch(/<form method="post" action="[^"]+"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">/);
    expect(page.html).not.toMatch(/<script|src=|https?:\/\//i);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await optedOut('tom@client.example'), 'a GET records nothing').toBeNull();

    const done = await sendForm(page);
    expect(done.status).toBe(200);
    expect(done.html).toContain('We will send you no more surveys');
    expect(await optedOut('tom@client.example')).toEqual(clock);
    expect(await optedOut('ana@cliente.mx')).toBeNull();

    // A year later both wrote again: only ana is asked. Tom's solved ticket gets no CSAT mail.
    clock = MX('2027-03-01T10:00:00');
    await web.app.pipeline.ingest(mail({ headers: { From: 'Ana <ana@cliente.mx>' } }), { source: 'file' });
    await web.app.db.ticket.updateMany({ data: { status: 'solved' } });
    expect((await solvedTicket('Tom <tom@client.example>', 'Hello again, the portal is down. Could you please help me?')).csat).toBeUndefined();
    const next = await campaign('2027-03-04T10:30:00');
    expect(next.result).toEqual({ asked: 1, opted_out: 1 });
    expect(next.mails.map((m) => m.envelopeTo[0])).toEqual(['ana@cliente.mx']);
  });

  it('a tampered, forged or foreign token gets the error page and stores nothing', async () => {
    await start();
    const { csat } = await solvedTicket('Ana Pérez <ana@cliente.mx>');
    if (!csat) throw new Error('no CSAT mail');
    const url = oneClickUrl(csat);
    const token = new URL(url).searchParams.get('t') as string;
    const [body, sig] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { d: { c: number } };
    payload.d.c += 1; // another contact, with the signature of the first
    const tampered = `${web.baseUrl}/survey/opt-out?t=${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    const answerToken = signToken(SECRET, 'survey', { r: 1, c: payload.d.c - 1, t: null, k: 'nps' }, new Date(clock.getTime() + 86_400_000));
    for (const bad of [tampered, `${web.baseUrl}/survey/opt-out?t=${answerToken}`, `${web.baseUrl}/survey/opt-out?t=garbage`, `${web.baseUrl}/survey/opt-out`]) {
      const shown = await follow(bad);
      expect(shown.status, bad).toBe(400);
      expect(shown.html).toContain('Este enlace no es válido');
      expect(shown.html).toContain('No se cambió nada.');
      const posted = await oneClick(bad);
      expect(posted.status, bad).toBe(400);
    }
    expect(await web.app.db.contact.count({ where: { surveysOptedOutAt: { not: null } } })).toBe(0);
  });
});
