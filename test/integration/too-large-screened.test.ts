// A mail above MAX_MESSAGE_BYTES is not parsed: its ticket and its notice came from its From line alone. So it was
// never screened as every other new mail is: under UNKNOWN_SENDER_POLICY=reject or hold anyone opened a ticket (its
// SLA running) by sending 25 MB, and the notice went to whatever From it carried, forged, marked spam or a robot's.
// Now such a ticket is held for authorisation, as a new mail's is, and the notice goes only to a sender believed.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { addOrganisation, authoriseContact } from '../../src/lifecycle/access-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

let app: TestApp;
const clock = new Date('2026-11-24T16:00:00Z');
afterEach(async () => app?.dispose());

async function start(env: Record<string, string> = {}) {
  app = await createTestApp({ MAX_MESSAGE_BYTES: '2000', TRUSTED_AUTHSERV_IDS: 'mx.example.test', ...env }, () => clock);
  await inTransaction(app.db, (tx) =>
    addOrganisation(tx, app.lifecycle, { name: 'Empresa S.A. de C.V.', domains: ['empresa.mx'], country: 'MX', admin: 'admin@empresa.mx', actor: 'agent:test', now: clock }),
  );
  await inTransaction(app.db, (tx) => authoriseContact(tx, app.lifecycle, { email: 'luis@empresa.mx', actor: 'agent:test', now: clock }));
}

const big = (headers: Record<string, string>) => mail({ headers: { Subject: 'Factura con anexos', ...headers }, body: 'x'.repeat(5000) });
const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const templates = async () => (await app.db.outboxMail.findMany({ orderBy: { id: 'asc' } })).map((m) => `${m.template} ${m.primaryTo}`);
const held = (number: number | null) => app.db.ticket.findUniqueOrThrow({ where: { number: number as number }, select: { heldForAuthorisation: true, firstResponseDueAt: true } });
const FORGED = { 'Authentication-Results': 'mx.example.test; spf=fail smtp.mailfrom=empresa.mx; dkim=none; dmarc=fail (p=reject) header.from=empresa.mx' };

describe('a mail too large to parse is screened as a new mail is', () => {
  it('held, it is read later on its held ticket once the limit is raised, as any too-large mail', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    const raw = big({ From: 'x@desconocido.com' });
    const first = await ingest(raw);
    const dataDir = app.config.dataDir;
    await app.close();
    app = await createTestApp({ MAX_MESSAGE_BYTES: '20000', UNKNOWN_SENDER_POLICY: 'reject', DATA_DIR: dataDir }, () => clock);
    try {
      const again = await ingest(raw);
      expect(again).toMatchObject({ outcome: 'too_large_read', ticketNumber: first.ticketNumber });
      expect(await templates()).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  for (const policy of ['reject', 'hold']) {
    it(`${policy}: a sender not authorised gets a ticket held for authorisation and is not answered; an authorised one as before`, async () => {
      await start({ UNKNOWN_SENDER_POLICY: policy });
      const stranger = await ingest(big({ From: 'x@desconocido.com' }));
      expect(stranger.outcome).toBe('too_large');
      expect(stranger.detail).toMatch(/sender not authorised \(\w+\): held for authorisation, no answer$/);
      expect(await held(stranger.ticketNumber)).toEqual({ heldForAuthorisation: true, firstResponseDueAt: null });
      const luis = await ingest(big({ From: 'luis@empresa.mx' }));
      expect(luis).toMatchObject({ outcome: 'too_large' });
      expect(luis.ticketNumber).not.toBeNull();
      expect(await templates()).toEqual(['too_large luis@empresa.mx']);
    });
  }

  it('a forged authorised sender is not believed (reject): no ticket, nothing mailed to the innocent address', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    const r = await ingest(big({ From: 'luis@empresa.mx', ...FORGED }));
    expect(r.detail).toMatch(/the From address failed authentication \(dmarc=fail/);
    expect((await held(r.ticketNumber)).heldForAuthorisation).toBe(true);
    // A second From field (from-fields.ts) is a second sender: believed from no one.
    const two = await ingest(big({ From: 'luis@empresa.mx\r\nFrom: attacker@evil.example' }));
    expect((await held(two.ticketNumber)).heldForAuthorisation).toBe(true);
    expect(await templates()).toEqual([]);
    // Neither is released by authorising the address it names.
    expect(await app.db.ticketEvent.count({ where: { type: 'held_for_authorisation', detail: { contains: 'not released by an authorisation' } } })).toBe(2);
  });

  it('accept: the ticket is opened, but a forged, spam or machine-written mail gets no notice', async () => {
    await start();
    const marks: Array<Record<string, string>> = [FORGED, { 'X-Spam-Flag': 'YES' }, { 'Auto-Submitted': 'auto-replied' }, { From: 'mailer-daemon@relay.example' }];
    for (const headers of marks) {
      const r = await ingest(big({ From: 'luis@empresa.mx', ...headers }));
      expect(r.ticketNumber, JSON.stringify(headers)).not.toBeNull();
    }
    expect(await templates()).toEqual([]);
  });

  it('released on authorisation, the sender is sent the too_large notice (asking to send it smaller), not an acknowledgement', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const r = await ingest(big({ From: 'ana@desconocido.com' }));
    expect(await templates()).toEqual([]);
    await inTransaction(app.db, (tx) => authoriseContact(tx, app.lifecycle, { email: 'ana@desconocido.com', actor: 'agent:test', now: clock }));
    expect((await held(r.ticketNumber)).heldForAuthorisation).toBe(false);
    expect(await templates()).toEqual(['too_large ana@desconocido.com']);
  });

  it('released, one marked spam or written by a machine gets no mail at all', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    await ingest(big({ From: 'ana@desconocido.com', 'X-Spam-Flag': 'YES' }));
    await ingest(big({ From: 'ana@desconocido.com', 'Auto-Submitted': 'auto-generated', Subject: 'Reporte diario' }));
    await inTransaction(app.db, (tx) => authoriseContact(tx, app.lifecycle, { email: 'ana@desconocido.com', actor: 'agent:test', now: clock }));
    expect(await app.db.ticket.count({ where: { heldForAuthorisation: true } })).toBe(0);
    expect(await templates()).toEqual([]);
  });

  it('a Cc\'d colleague\'s too-large reply to our acknowledgement is not held as a new mail: on the ticket, the too_large notice in its thread', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const first = await ingest(mail({ headers: { From: 'luis@empresa.mx', Cc: 'pepe@otra.mx', Subject: 'Factura 12' }, body: 'hola' }));
    const ack = (await app.db.outboxMail.findFirstOrThrow()).messageId;
    const r = await ingest(big({ From: 'pepe@otra.mx', 'In-Reply-To': `<${ack}>`, Subject: `Re: Factura 12 [#${first.ticketNumber}]` }));
    expect(r.ticketNumber).toBe(first.ticketNumber);
    expect((await held(r.ticketNumber)).heldForAuthorisation).toBe(false);
    // In the ticket's thread, to its sender alone: Luis sent nothing too large (too-large-reply.test.ts).
    const notice = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'too_large' } });
    expect({ to: JSON.parse(notice.toList), cc: JSON.parse(notice.ccList) }).toEqual({ to: ['pepe@otra.mx'], cc: [] });
    expect(notice.subject).toContain(`[#${first.ticketNumber}]`);
  });

  it('a forged too-large mail naming a ticket is held as any forged mail, not taken for a continuation', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const first = await ingest(mail({ headers: { From: 'luis@empresa.mx', Subject: 'Factura 12' }, body: 'hola' }));
    const ack = (await app.db.outboxMail.findFirstOrThrow()).messageId;
    const r = await ingest(big({ From: 'luis@empresa.mx', 'In-Reply-To': `<${ack}>`, Subject: `Re: Factura 12 [#${first.ticketNumber}]`, ...FORGED }));
    expect((await held(r.ticketNumber)).heldForAuthorisation).toBe(true);
    expect(await templates()).toEqual([`acknowledgement luis@empresa.mx`]);
  });

  it('a stranger\'s subject tag alone is no continuation: still held', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const first = await ingest(mail({ headers: { From: 'luis@empresa.mx', Subject: 'Factura 12' }, body: 'hola' }));
    const r = await ingest(big({ From: 'x@desconocido.com', Subject: `Re: Factura 12 [#${first.ticketNumber}]` }));
    expect((await held(r.ticketNumber)).heldForAuthorisation).toBe(true);
  });
});
