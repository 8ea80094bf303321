import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// A command to the bulletin address leaves no ticket, only its inbound log row and what it did (a confirmation
// queued once per key). Edited and sent again under the first one's Message-ID ("SUSCRIBIR MX", then "SUSCRIBIR MX
// AR"), it was taken for the first: no confirmation for the countries added. The log row keeps the command's content
// fingerprint (stages/reused-message-id.ts): the edited command is handled on its own, a copy of either is a duplicate.

let app: TestApp;
let seq = 0;
const NOW = new Date('2026-12-01T16:00:00Z');

beforeEach(async () => {
  app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test', PUBLIC_URL: 'https://soporte.example.test' }, () => NOW);
});
afterEach(async () => app.dispose());

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: `t${++seq}` });
const command = (subject: string) =>
  mail({ headers: { From: 'Lucía <lucia@empresa.com.ar>', To: 'boletin@example.test', Subject: subject, 'Message-ID': '<comando-boletin@empresa.com.ar>', Date: 'Tue, 01 Dec 2026 09:00:00 -0600' } });
const confirmations = () => app.db.outboxMail.count({ where: { template: 'bulletin_confirm', primaryTo: 'lucia@empresa.com.ar' } });

describe('a command to the bulletin address edited and sent again under its Message-ID', () => {
  it('gets a confirmation of its own; a copy of either gets none', async () => {
    expect(await ingest(command('SUSCRIBIR MX'))).toMatchObject({ outcome: 'bulletin_command', detail: 'subscribe MX: confirmation link sent' });
    const edited = await ingest(command('SUSCRIBIR MX AR'));
    expect(edited).toMatchObject({ outcome: 'bulletin_command', detail: expect.stringMatching(/^subscribe AR MX: confirmation link sent; Message-ID <comando-boletin@empresa\.com\.ar> reused/) });
    expect(await confirmations()).toBe(2);
    expect(await app.db.subscriber.findUniqueOrThrow({ where: { email: 'lucia@empresa.com.ar' } })).toMatchObject({ status: 'pending', countries: expect.stringMatching(/AR.*MX|MX.*AR/) });
    expect(await ingest(command('SUSCRIBIR MX AR'))).toMatchObject({ outcome: 'duplicate', ticketNumber: null });
    expect(await ingest(command('SUSCRIBIR MX'))).toMatchObject({ outcome: 'duplicate', ticketNumber: null });
    expect(await confirmations()).toBe(2);
  });
});
