import { describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { mail } from '../support/app.js';
import { surveyLinks, surveyMailOf, surveyWebPerTest, type SurveyWeb } from '../support/survey-web.js';

// PUBLIC_URL may have a path (https://soporte.example.test/ayuda): a reverse proxy passes /ayuda/... to the
// server's /... . The pages' forms and the answer's redirect must stay under that path, or the button of
// every survey page (and of the opt-out page) would post to https://soporte.example.test/survey: a 404.

const PUBLIC = 'https://soporte.example.test/ayuda';
const fixture = surveyWebPerTest();
let web: SurveyWeb;

/** What the reverse proxy does: PUBLIC_URL/x to the server's /x. */
const viaProxy = (url: string): string => {
  if (!url.startsWith(`${PUBLIC}/`)) throw new Error(`${url} is not under PUBLIC_URL: the proxy would not pass it to Ventanilla`);
  return `${web.baseUrl}${url.slice(PUBLIC.length)}`;
};
const formAction = (html: string): string => (/<form method="post" action="([^"]*)">/.exec(html)?.[1] ?? '').replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

async function csatMail() {
  const r = await web.app.pipeline.ingest(mail({ headers: { From: 'Ana <ana@cliente.mx>' } }), { source: 'file' });
  await replyToTicket(web.app, { number: r.ticketNumber as number, body: 'Listo.', status: 'solved', actor: 'agent:maria', now: new Date() });
  await web.app.drainer().drain();
  const csat = surveyMailOf(fixture.smtp().received, 'csat');
  if (!csat) throw new Error('no CSAT mail was delivered');
  return csat;
}

describe('PUBLIC_URL with a path, behind a reverse proxy', () => {
  it('the survey page posts, and its answer redirects, under that path; so does the opt-out page', async () => {
    web = await fixture.start({ PUBLIC_URL: PUBLIC });
    const csat = await csatMail();
    const link = surveyLinks(csat).get('good') as string;
    expect(link.startsWith(`${PUBLIC}/survey?t=`)).toBe(true);

    const page = await fetch(viaProxy(link));
    expect(page.status).toBe(200);
    const action = new URL(formAction(await page.text()), link).toString();
    expect(action.startsWith(`${PUBLIC}/survey?t=`)).toBe(true);

    const answered = await fetch(viaProxy(action), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=good' });
    expect(answered.status).toBe(303);
    const next = new URL(answered.headers.get('location') as string, action).toString();
    expect(next.startsWith(`${PUBLIC}/survey?t=`)).toBe(true);
    expect((await fetch(viaProxy(next))).status).toBe(200);

    const optOut = (csat.header('list-unsubscribe') ?? '').slice(1, -1);
    const optOutPage = await fetch(viaProxy(optOut));
    expect(optOutPage.status).toBe(200);
    const optOutAction = new URL(formAction(await optOutPage.text()), optOut).toString();
    expect(optOutAction).toBe(optOut);
    expect((await fetch(viaProxy(optOutAction), { method: 'POST' })).status).toBe(200);
  });
});
