import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import '../../src/http/routes.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// The pages of the links in bulletin mail when a link no longer works: what they tell the reader to do must fit
// the link they clicked (the confirmation of a subscription is not an unsubscribe link).

let app: TestApp;
let clock = new Date('2026-12-01T16:00:00Z');

beforeEach(async () => {
  clock = new Date('2026-12-01T16:00:00Z');
  app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test', BULLETIN_CONFIRM_DAYS: '7' }, () => clock);
});
afterEach(async () => app.dispose());

/** Asks for a subscription by mail; the path of the confirmation link mailed back. */
async function confirmationLink(from: string, subject: string): Promise<string> {
  await app.pipeline.ingest(mail({ headers: { From: from, To: 'boletin@example.test', Subject: subject } }), { source: 'file' });
  const confirmation = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'bulletin_confirm', primaryTo: from } });
  return /https:\/\/soporte\.example\.test(\/bulletins\/confirm\?t=[\w.-]+)/.exec(confirmation.text)?.[1] as string;
}

describe('a confirmation link past BULLETIN_CONFIRM_DAYS', () => {
  it('says how to ask again (SUSCRIBIR to the bulletin address), not how to unsubscribe, in the browser\'s language', async () => {
    const link = await confirmationLink('lucia@empresa.com.ar', 'SUSCRIBIR MX AR');
    clock = new Date(clock.getTime() + 8 * 86_400_000);
    const server = await buildServer(app);
    try {
      const es = await server.inject({ method: 'GET', url: link });
      expect(es.statusCode).toBe(400);
      expect(es.body).toContain('<h1>Enlace no válido</h1>');
      expect(es.body).toContain('Para suscribirse, escriba a boletin@example.test con la palabra SUSCRIBIR: le enviaremos un enlace nuevo.');
      expect(es.body).not.toMatch(/darse de baja|BAJA/);
      const pt = await server.inject({ method: 'POST', url: link, headers: { 'accept-language': 'pt-PT,pt;q=0.9' } });
      expect(pt.statusCode).toBe(400);
      expect(pt.body).toContain('Para se inscrever, escreva para boletin@example.test com a palavra SUBSCREVER: enviaremos uma ligação nova.');
      expect((await app.db.subscriber.findUniqueOrThrow({ where: { email: 'lucia@empresa.com.ar' } })).status).toBe('pending');
    } finally {
      await server.close();
    }
  });
});
