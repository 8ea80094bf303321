import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import '../../src/http/routes.js';
import { createTestApp, type TestApp } from './app.js';
import { freePort } from './ports.js';
import type { ReceivedMail, SmtpPeer } from './smtp.js';

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
