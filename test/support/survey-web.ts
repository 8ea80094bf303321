import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import '../../src/http/routes.js';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { createTestApp, mail, type TestApp } from './app.js';
import { freePort } from './ports.js';
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from './smtp.js';

// An app with surveys on and its public HTTP server in this process, on a loopback port that PUBLIC_URL
// names, so the links in the survey mails lead to it as they would lead a customer to the real one.

export interface SurveyWeb {
  app: TestApp;
  server: FastifyInstance;
  baseUrl: string;
  dispose(): Promise<void>;
}

export async function startSurveyWeb(smtp: SmtpPeer, env: Record<string, string> = {}, now?: () => Date): Promise<SurveyWeb> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const app = await createTestApp({ ...smtp.env(), SUPPORT_NAME: 'Soporte Ventanilla', CSAT_ENABLED: 'true', NPS_ENABLED: 'true', PUBLIC_URL: baseUrl, ...env }, now);
  const server = await buildServer(app);
  await server.listen({ port, host: '127.0.0.1' });
  return {
    app,
    server,
    baseUrl,
    dispose: async () => {
      await server.close();
      await app.dispose();
    },
  };
}

/**
 * For a test file: one SMTP peer for all its tests, and the app each test starts, disposed after it (the mail
 * the peer received is forgotten then). Call it at the top level of the file.
 */
export function surveyWebPerTest(): { smtp: () => SmtpPeer; start: (env?: Record<string, string>, now?: () => Date) => Promise<SurveyWeb> } {
  let smtp: SmtpPeer | undefined;
  let web: SurveyWeb | undefined;
  const peer = (): SmtpPeer => {
    if (!smtp) throw new Error('the SMTP peer starts in beforeAll');
    return smtp;
  };
  beforeAll(async () => {
    smtp = await startSmtpPeer();
  });
  afterAll(async () => smtp?.stop());
  afterEach(async () => {
    await web?.dispose();
    web = undefined;
    peer().received.length = 0;
    peer().failWith = null;
  });
  return { smtp: peer, start: async (env = {}, now) => (web = await startSurveyWeb(peer(), env, now)) };
}

export const surveyMailOf = (mails: ReceivedMail[], kind: 'csat' | 'nps'): ReceivedMail | undefined => mails.find((m) => m.header('x-ventanilla-survey') === kind);

/** The one-click links of a survey mail's text part, by answer ("good", "5", "9"). */
export function surveyLinks(mail: ReceivedMail): Map<string, string> {
  const links = new Map<string, string>();
  for (const match of (mail.parsed.text ?? '').matchAll(/(https?:\/\/\S+\/survey\?t=[\w.-]+&a=(\w+))/g)) links.set(match[2] as string, match[1] as string);
  return links;
}

/** Follows a link as a browser does (the answer's redirect included); returns the final status and page. */
export async function follow(url: string, init: RequestInit = {}): Promise<{ status: number; html: string; headers: Headers; url: string }> {
  const response = await fetch(url, { redirect: 'follow', ...init });
  return { status: response.status, html: await response.text(), headers: response.headers, url: response.url };
}

/** What Handlebars escapes (attributes, text areas), read back as a browser does. */
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#x3D;': '=', '&#x60;': '`' };
const unescapeHtml = (text: string): string => text.replace(/&(?:amp|lt|gt|quot|#x27|#x3D|#x60);/g, (e) => ENTITIES[e] as string);

/** Every survey link of a mail, in its text and its HTML part, as a link scanner collects them. */
function everySurveyLink(mail: ReceivedMail): string[] {
  const text = [...(mail.parsed.text ?? '').matchAll(/https?:\/\/\S+\/survey\?\S+/g)].map((m) => m[0]);
  const html = [...(typeof mail.parsed.html === 'string' ? mail.parsed.html : '').matchAll(/href="(https?:\/\/[^"]+\/survey\?[^"]+)"/g)].map((m) => unescapeHtml(m[1] as string));
  return [...new Set([...text, ...html])];
}

/**
 * Fetches every survey link of a mail as the link scanners of mail providers do (Defender Safe Links,
 * Mimecast, Proofpoint...): a HEAD, then a GET following redirects, before the person reads the mail.
 */
export async function scanMail(mail: ReceivedMail): Promise<Array<{ url: string; status: number }>> {
  const pages = [];
  for (const url of everySurveyLink(mail)) {
    await fetch(url, { method: 'HEAD', redirect: 'follow' });
    pages.push({ url, status: (await follow(url, { headers: { 'user-agent': 'Mozilla/5.0 (link scanner)' } })).status });
  }
  return pages;
}

/**
 * Presses the button of a survey page's form as a browser does: the answer checked on the page and the
 * comment in its box are sent to the form's action, unless `change` says otherwise; redirects followed.
 */
export async function sendForm(page: { html: string; url: string }, change: { answer?: string; comment?: string } = {}): Promise<Awaited<ReturnType<typeof follow>>> {
  const action = /<form method="post" action="([^"]*)">/.exec(page.html)?.[1];
  if (action === undefined) throw new Error('the page has no form');
  const checked = /name="answer" value="([^"]*)" checked/.exec(page.html)?.[1];
  const comment = /<textarea[^>]*>([^<]*)<\/textarea>/.exec(page.html)?.[1] ?? '';
  const fields = { ...(checked === undefined ? {} : { answer: checked }), comment: unescapeHtml(comment), ...change };
  const body = new URLSearchParams(fields as Record<string, string>).toString();
  return follow(new URL(unescapeHtml(action), page.url).toString(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}

/**
 * A customer writes, an agent answers with the solution, and the mails go out: the ticket's number and the CSAT
 * mail the customer received.
 */
export async function solvedTicketWithSurvey(web: SurveyWeb, smtp: SmtpPeer, now: Date, from = 'Ana Pérez <ana@cliente.mx>'): Promise<{ number: number; csat: ReceivedMail }> {
  const r = await web.app.pipeline.ingest(mail({ headers: { From: from } }), { source: 'file' });
  const number = r.ticketNumber as number;
  await replyToTicket(web.app, { number, body: 'Cargue el nuevo CSD y vuelva a timbrar.', status: 'solved', actor: 'agent:maria', now });
  const before = smtp.received.length;
  await web.app.drainer().drain();
  const csat = surveyMailOf((await smtp.waitFor(before + 3)).slice(before), 'csat'); // acknowledgement, solved notice, CSAT
  if (!csat) throw new Error('no CSAT mail was delivered');
  return { number, csat };
}
