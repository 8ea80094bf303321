import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replyToTicket, setTicketStatus } from '../../src/lifecycle/agent-actions.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from '../support/smtp.js';

// What a customer reads in the notices, as delivered over SMTP: their own language throughout, dates they can
// place, and the windows the configuration really gives them.

let smtp: SmtpPeer;
let app: TestApp;

beforeAll(async () => {
  smtp = await startSmtpPeer();
});
afterAll(async () => smtp.stop());
beforeEach(() => {
  smtp.received.length = 0;
});
afterEach(async () => app?.dispose());

async function start(env: Record<string, string> = {}): Promise<void> {
  app = await createTestApp({ ...smtp.env(), PUBLIC_URL: 'https://soporte.example.test', ...env });
}
const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: `copy-${Math.random()}` });
const lineOf = (m: ReceivedMail | undefined, pattern: RegExp) => (m?.parsed.text ?? '').split('\n').find((l) => pattern.test(l));
const byHeader = (mails: ReceivedMail[], survey: string) => mails.find((m) => m.header('x-ventanilla-survey') === survey);

describe('dates in customer mail name the business zone', () => {
  it('a Portuguese customer reads the answer-by time, the closing deadline and the survey expiry in Mexico City time', async () => {
    await start({ CSAT_ENABLED: 'true' });
    await app.db.contact.create({ data: { email: 'joao@contabil.pt', country: 'PT' } });
    const r = await ingest(mail({ headers: { From: 'João <joao@contabil.pt>' } }));
    const number = r.ticketNumber as number;
    await replyToTicket(app, { number, body: 'Precisamos do ficheiro SAF-T.', status: 'pending', actor: 'agent:maria', now: new Date() });
    await replyToTicket(app, { number, body: 'Veja a solução.', status: 'solved', actor: 'agent:maria', now: new Date() });
    await app.drainer().drain();
    // Sent over a pool of connections: they may arrive in any order.
    const all = await smtp.waitFor(4);
    const [pending, solved] = ['Precisamos do ficheiro SAF-T.', 'Veja a solução.'].map((words) => all.find((m) => m.parsed.text?.includes(words)));
    const ack = all.find((m) => m !== pending && m !== solved && m.header('x-ventanilla-survey') === undefined);
    const rest = all.filter((m) => m !== ack && m !== pending && m !== solved);
    const zone = /\d\d:\d\d \(hora da Cidade do México\)/;
    expect(lineOf(ack, /Resposta até|até/)).toMatch(zone);
    expect(lineOf(pending, /fechado automaticamente/)).toMatch(zone);
    expect(lineOf(solved, /para validar ou rejeitar/)).toMatch(zone);
    expect(solved?.parsed.html).toMatch(/\d\d:\d\d \(hora da Cidade do México\)<\/strong>, para validar/);
    const csat = byHeader([ack, pending, solved, ...rest].filter((m): m is ReceivedMail => m !== undefined), 'csat');
    expect(lineOf(csat, /conta até/)).toMatch(zone);
  });

  it('an English-speaking customer reads "(Mexico City time)"', async () => {
    await start();
    await app.db.contact.create({ data: { email: 'emily@corp.us', country: 'US' } });
    await ingest(mail({ headers: { From: 'emily@corp.us' } }));
    await app.drainer().drain();
    const [ack] = await smtp.waitFor(1);
    expect(ack?.parsed.text).toMatch(/\d:\d\d\s[AP]M \(Mexico City time\)/);
  });
});

describe('the window a pending or solved notice states follows the configuration', () => {
  it('the defaults read "5 días hábiles" and "7 días hábiles", in the text and the HTML', async () => {
    await start();
    const r = await ingest(mail());
    const number = r.ticketNumber as number;
    await replyToTicket(app, { number, body: 'Envíe el XML.', status: 'pending', actor: 'agent:maria', now: new Date() });
    await replyToTicket(app, { number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: new Date() });
    await app.drainer().drain();
    // Sent over a pool of connections: they may arrive in any order.
    const mails = await smtp.waitFor(3);
    const [pending, solved] = ['Envíe el XML.', 'Listo.'].map((words) => mails.find((m) => m.parsed.text?.includes(words)));
    for (const part of [pending?.parsed.text, pending?.parsed.html]) expect(part).toContain('en un plazo de 5 días hábiles');
    for (const part of [solved?.parsed.text, solved?.parsed.html]) expect(part).toContain('Tiene 7 días hábiles');
  });

  it('PENDING_CLOSE_HOURS=24 reads "2 business days" next to its deadline; SOLVED_CLOSE_HOURS=30 reads "30 business hours"', async () => {
    await start({ PENDING_CLOSE_HOURS: '24', SOLVED_CLOSE_HOURS: '30', PENDING_REMINDER_HOURS: '12' });
    await app.db.contact.create({ data: { email: 'emily@corp.us', country: 'US' } });
    const r = await ingest(mail({ headers: { From: 'emily@corp.us' } }));
    const number = r.ticketNumber as number;
    const now = new Date('2026-12-07T15:00:00Z'); // Monday 09:00 in Mexico City
    await replyToTicket(app, { number, body: 'Please send the log.', status: 'pending', actor: 'agent:maria', now });
    await replyToTicket(app, { number, body: 'Fixed.', status: 'solved', actor: 'agent:maria', now });
    await app.drainer().drain();
    const mails = await smtp.waitFor(3);
    const [pending, solved] = ['Please send the log.', 'Fixed.'].map((words) => mails.find((m) => m.parsed.text?.includes(words)));
    expect(lineOf(pending, /business days/)).toMatch(/within 2 business days, .*December 9, 2026 at 9:00\sAM \(Mexico City time\)/);
    expect(pending?.parsed.html).toContain('within 2 business days');
    expect(lineOf(solved, /to accept or reject/)).toMatch(/^You have 30 business hours, until Wednesday, December 9, 2026 at 3:00\sPM/);
    expect(solved?.parsed.html).toContain('You have 30 business hours');
  });

  it('a Portuguese customer reads the window in Portuguese', async () => {
    await start({ SOLVED_CLOSE_HOURS: '36' });
    await app.db.contact.create({ data: { email: 'joao@contabil.pt', country: 'PT' } });
    const r = await ingest(mail({ headers: { From: 'joao@contabil.pt' } }));
    await replyToTicket(app, { number: r.ticketNumber as number, body: 'Veja a solução.', status: 'solved', actor: 'agent:maria', now: new Date() });
    await app.drainer().drain();
    const solved = (await smtp.waitFor(2)).find((m) => m.parsed.text?.includes('Veja a solução.'));
    for (const part of [solved?.parsed.text, solved?.parsed.html]) expect(part).toContain('Tem 3 dias úteis, até');
  });
});

describe('a mail without a subject', () => {
  it('is "(no subject)" / "(sem assunto)" / "(sin asunto)" in each customer\'s notices; the ticket keeps the desk\'s marker', async () => {
    await start();
    await app.db.contact.create({ data: { email: 'emily@corp.us', country: 'US' } });
    await app.db.contact.create({ data: { email: 'joao@contabil.pt', country: 'PT' } });
    const en = await ingest(mail({ headers: { From: 'emily@corp.us', Subject: null } }));
    await ingest(mail({ headers: { From: 'joao@contabil.pt', Subject: '  Re:  ' } }));
    await ingest(mail({ headers: { Subject: null } }));
    await app.drainer().drain();
    const acks = await smtp.waitFor(3);
    const to = (address: string) => acks.find((m) => m.envelopeTo.includes(address));
    expect(to('emily@corp.us')?.parsed.subject).toMatch(/^\[#\d+\] .*\(no subject\)$/);
    expect(to('emily@corp.us')?.parsed.text).toContain('(no subject)');
    expect(to('emily@corp.us')?.parsed.html).toContain('(no subject)');
    expect(to('joao@contabil.pt')?.parsed.subject).toContain('(sem assunto)');
    expect(to('ana@cliente.mx')?.parsed.subject).toContain('(sin asunto)');
    for (const m of [to('emily@corp.us'), to('joao@contabil.pt')]) expect(`${m?.parsed.subject} ${m?.parsed.text} ${m?.parsed.html}`).not.toContain('sin asunto');
    expect((await showTicket(app.db, en.ticketNumber as number))?.subject).toBe('(sin asunto)');
  });

  it('a follow-up of such a ticket names the old one in the customer\'s language', async () => {
    await start();
    await app.db.contact.create({ data: { email: 'emily@corp.us', country: 'US' } });
    const r = await ingest(mail({ headers: { From: 'emily@corp.us', Subject: null, 'Message-ID': '<nosubject-root@corp.us>' } }));
    await setTicketStatus(app, { number: r.ticketNumber as number, status: 'closed', actor: 'agent:maria', now: new Date() });
    await ingest(mail({ headers: { From: 'emily@corp.us', Subject: null, 'In-Reply-To': '<nosubject-root@corp.us>' } }));
    await app.drainer().drain();
    const mails = await smtp.waitFor(3);
    const followUp = mails.at(-1);
    expect(followUp?.parsed.text).toContain('(no subject)');
    expect(`${followUp?.parsed.subject} ${followUp?.parsed.text} ${followUp?.parsed.html}`).not.toContain('sin asunto');
  });
});

describe("the desk's name in its mail", () => {
  it('is SUPPORT_NAME in the header and the signature, in every language, never a fixed "Soporte Técnico"', async () => {
    await start({ SUPPORT_NAME: 'Mesa de Ayuda ACME', CSAT_ENABLED: 'true' });
    await app.db.contact.create({ data: { email: 'joana@cliente.com.br', country: 'BR' } });
    await app.db.contact.create({ data: { email: 'john@client.us', country: 'US' } });
    const numbers: number[] = [];
    for (const from of ['Ana Pérez <ana@cliente.mx>', 'Joana Silva <joana@cliente.com.br>', 'John Smith <john@client.us>']) numbers.push((await ingest(mail({ headers: { From: from } }))).ticketNumber as number);
    for (const number of numbers) await setTicketStatus(app, { number, status: 'solved', actor: 'agent:maria', now: new Date() });
    await app.drainer().drain();
    const mails = await smtp.waitFor(6);
    expect(mails.length).toBeGreaterThanOrEqual(6);
    expect(new Set(mails.map((m) => /<html[^>]*\blang="([a-z-]+)"/i.exec(String(m.parsed.html))?.[1]))).toEqual(new Set(['es', 'pt', 'en']));
    for (const m of mails) {
      for (const part of [m.parsed.text ?? '', String(m.parsed.html)]) {
        expect(part).toContain('Mesa de Ayuda ACME');
        expect(part).not.toMatch(/Soporte Técnico|Suporte Técnico|Technical Support/);
      }
    }
  });
});
