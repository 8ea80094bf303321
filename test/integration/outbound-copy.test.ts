import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
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
    const [ack, pending, solved, ...rest] = await smtp.waitFor(4);
    const zone = /\d\d:\d\d \(hora da Cidade do México\)/;
    expect(lineOf(ack, /Resposta até|até/)).toMatch(zone);
    expect(lineOf(pending, /fechado automaticamente/)).toMatch(zone);
    expect(lineOf(solved, /para validar ou rejeitar/)).toMatch(zone);
    expect(solved?.parsed.html).toMatch(/\d\d:\d\d \(hora da Cidade do México\)<\/strong>, para validar/);
    const csat = byHeader([ack, pending, solved, ...rest].filter((m): m is ReceivedMail => m !== undefined), 'csat');
    expect(lineOf(csat, /funcionam até/)).toMatch(zone);
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
