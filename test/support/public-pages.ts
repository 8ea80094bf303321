import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { confirmToken, unsubscribeToken } from '../../src/bulletins/links.js';
import { addSubscriber } from '../../src/bulletins/subscribers.js';
import { buildServer } from '../../src/http/server.js';
import '../../src/http/routes.js';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { optOutToken } from '../../src/surveys/links.js';
import { createTestApp, mail, type TestApp } from './app.js';
import { freePort } from './ports.js';

// Every page the gateway shows a customer, each at an address a GET opens (a link of a mail, or a broken one),
// on a real HTTP server on a loopback port: for what holds of all of them (the desk's name, HEAD, headers).

export const DESK_NAME = 'Mesa de Ayuda Contable';

export interface PublicPage {
  name: string;
  path: string;
  /** The status a GET gets. */
  status: number;
  /** An HTML page (else /health's JSON). */
  html: boolean;
}

export interface PublicPages {
  app: TestApp;
  server: FastifyInstance;
  base: string;
  pages: PublicPage[];
  /** What a GET or a HEAD must never change: the tickets, surveys, opt-outs, subscribers and mail queued. */
  state(): Promise<string>;
  dispose(): Promise<void>;
}

const ARTICLE = '---\nlang: es\nkeywords: CFDI, timbrado\n---\n# Cómo timbrar una factura\n\nAbra el portal y pulse **Timbrar**.\n';

/** The path of the first link to `path` in the text of the last mail queued with `template`. */
async function linkIn(app: TestApp, template: string, path: string): Promise<string> {
  const row = await app.db.outboxMail.findFirstOrThrow({ where: { template }, orderBy: { id: 'desc' } });
  const found = new RegExp(`https?://[^/\\s]+(${path.replace(/[?/]/g, '\\$&')}\\?t=[\\w.-]+(?:&a=\\w+)?)`).exec(row.text);
  if (!found) throw new Error(`no ${path} link in the ${template} mail:\n${row.text}`);
  return found[1] as string;
}

/** `articles`: more knowledge-base files (name: Markdown) beside the one every run has. */
export async function startPublicPages(env: Record<string, string> = {}, articles: Record<string, string> = {}): Promise<PublicPages> {
  const kbDir = mkdtempSync(join(tmpdir(), 'ventanilla-pages-kb-'));
  writeFileSync(join(kbDir, 'timbrar.md'), ARTICLE);
  for (const [name, text] of Object.entries(articles)) writeFileSync(join(kbDir, name), text);
  const app = await createTestApp({ SUPPORT_NAME: DESK_NAME, CSAT_ENABLED: 'true', KNOWLEDGE_BASE_DIR: kbDir, BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test', ...env });
  const now = app.now();

  // A ticket whose acknowledgement suggests the article (and the link that closes it), then one solved (its CSAT survey).
  await app.pipeline.ingest(mail({ headers: { Subject: 'No puedo timbrar' }, body: 'El timbrado del CFDI falla.' }), { source: 'file' });
  const solvedLink = await linkIn(app, 'acknowledgement', '/kb/solved');
  const solved = await app.pipeline.ingest(mail({ headers: { From: 'Joana <joana@contabil.pt>', Subject: 'Fatura' } }), { source: 'file' });
  await replyToTicket(app, { number: solved.ticketNumber as number, body: 'Resolvido.', status: 'solved', actor: 'agent:maria', now });
  const answerLink = await linkIn(app, 'csat_survey', '/survey');
  const optOutLink = await linkIn(app, 'csat_survey', '/survey/opt-out');

  await addSubscriber(app.db, { email: 'lucia@empresa.com.ar', countries: 'AR' }, now);
  const subscriber = await app.db.subscriber.findUniqueOrThrow({ where: { email: 'lucia@empresa.com.ar' } });
  const contact = await app.db.contact.findUniqueOrThrow({ where: { email: 'ana@cliente.mx' } });
  const later = new Date(now.getTime() + 86_400_000);

  const pages: PublicPage[] = [
    { name: 'survey answer link', path: answerLink, status: 200, html: true },
    { name: 'survey page', path: answerLink.replace(/&a=\w+$/, ''), status: 200, html: true },
    { name: 'survey link broken', path: '/survey?t=broken', status: 400, html: true },
    { name: 'survey opt-out', path: optOutLink, status: 200, html: true },
    { name: 'survey opt-out of another contact', path: `/survey/opt-out?t=${optOutToken(app.config.secretKey, contact.id, now)}`, status: 200, html: true },
    { name: 'survey opt-out broken', path: '/survey/opt-out?t=broken', status: 400, html: true },
    { name: 'kb solved', path: solvedLink, status: 200, html: true },
    { name: 'kb solved broken', path: '/kb/solved?t=broken', status: 400, html: true },
    { name: 'kb article', path: '/kb/timbrar', status: 200, html: true },
    { name: 'kb article missing', path: '/kb/no-existe', status: 404, html: true },
    { name: 'bulletin unsubscribe', path: `/bulletins/unsubscribe?t=${unsubscribeToken(app.config.secretKey, { s: subscriber.id }, now)}`, status: 200, html: true },
    { name: 'bulletin unsubscribe broken', path: '/bulletins/unsubscribe?t=broken', status: 400, html: true },
    { name: 'bulletin confirm', path: `/bulletins/confirm?t=${confirmToken(app.config.secretKey, { s: subscriber.id, c: ',AR,MX,' }, later)}`, status: 200, html: true },
    { name: 'bulletin confirm broken', path: '/bulletins/confirm?t=broken', status: 400, html: true },
    { name: 'no page', path: '/nada', status: 404, html: true },
    { name: 'address not percent-encoding', path: '/survey/%zz', status: 400, html: true },
    { name: 'health', path: '/health', status: 200, html: false },
  ];

  const server = await buildServer(app);
  const port = await freePort();
  await server.listen({ port, host: '127.0.0.1' });
  const state = async () =>
    JSON.stringify([
      await app.db.ticket.findMany({ select: { id: true, status: true, updatedAt: true }, orderBy: { id: 'asc' } }),
      await app.db.surveyRequest.findMany({ select: { id: true, answeredAt: true, score: true, rating: true, comment: true }, orderBy: { id: 'asc' } }),
      await app.db.contact.findMany({ select: { id: true, surveysOptedOutAt: true }, orderBy: { id: 'asc' } }),
      await app.db.subscriber.findMany({ select: { id: true, status: true, countries: true }, orderBy: { id: 'asc' } }),
      await app.db.outboxMail.count(),
      await app.db.ticketEvent.count(),
      await app.db.surveyAnswer.count(),
    ]);
  return {
    app,
    server,
    base: `http://127.0.0.1:${port}`,
    pages,
    state,
    dispose: async () => {
      await server.close();
      await app.dispose();
      rmSync(kbDir, { recursive: true, force: true });
    },
  };
}
