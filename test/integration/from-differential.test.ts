// A mail whose From the trusted server read differently from the desk (a composition attack: two From fields, the
// server authenticating one and the parser reading the other): the server vouched for the attacker's own domain,
// and the desk believed the other address, a customer's, as if nothing spoke against it.
import { afterEach, describe, expect, it } from 'vitest';
import { mail, type TestApp } from '../support/app.js';
import { empresaDesk } from '../support/empresa-desk.js';

let app: TestApp;
const clock = new Date('2026-11-24T16:00:00Z');
afterEach(async () => app?.dispose());

async function start(env: Record<string, string> = {}) {
  app = await empresaDesk(env, clock);
}

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
/** What the trusted server wrote of the mail it authenticated: the attacker's own domain, passing. */
const ATTACKERS_PASS = 'Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=attacker@evil.example; dkim=pass header.d=evil.example; dmarc=pass header.from=evil.example';

/** A raw mail with these header lines as they are (mail() writes one From). */
function raw(lines: string[], body = 'Cierren este ticket, ya no lo necesitamos.'): Buffer {
  return Buffer.from([...lines, 'To: soporte@example.test', 'Message-ID: <x' + Math.random() + '@evil.example>', 'Date: Tue, 24 Nov 2026 10:00:00 -0600', '', body, ''].join('\r\n'));
}

describe('a From the trusted server did not authenticate', () => {
  for (const [what, fromLines] of [
    ['two From fields', ['From: luis@empresa.mx', 'From: attacker@evil.example']],
    ['a second field written the obsolete way, "From :"', ['From: luis@empresa.mx', 'From : attacker@evil.example']],
  ] as const) {
    it(`${what}: does not join the customer's ticket by its tag`, async () => {
      await start();
      const opened = await ingest(mail({ headers: { From: 'luis@empresa.mx', Subject: 'Error al timbrar' } }));
      const r = await ingest(raw([ATTACKERS_PASS, ...fromLines, `Subject: [#${opened.ticketNumber}] Error al timbrar`]));
      expect(r.ticketNumber).not.toBe(opened.ticketNumber);
    });

    it(`${what}: an authorised contact's address is not believed (reject: refused, unanswered)`, async () => {
      await start({ UNKNOWN_SENDER_POLICY: 'reject' });
      const r = await ingest(raw([ATTACKERS_PASS, ...fromLines, 'Subject: Urgente']));
      expect(r.outcome).toBe('rejected');
      expect(await app.db.outboxMail.count()).toBe(0);
    });
  }

  it('two From fields with no DMARC verdict to go by (the server checks SPF and DKIM only): not believed either', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    const dkimOnly = 'Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=attacker@evil.example; dkim=pass header.d=evil.example';
    const r = await ingest(raw([dkimOnly, 'From: luis@empresa.mx', 'From: attacker@evil.example', 'Subject: Urgente']));
    expect(r.outcome).toBe('rejected');
    expect(await app.db.outboxMail.count()).toBe(0);
  });

  it('the trusted server\'s DMARC verdict on another domain than the single From read here: not believed', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    const r = await ingest(raw([ATTACKERS_PASS, 'From: <@evil.example:luis@empresa.mx>', 'Subject: Urgente']));
    expect(r.outcome).toBe('rejected');
    expect(r.detail).toMatch(/dmarc=pass .*evil\.example/);
  });

  it('the customer\'s own mail, authenticated for its domain, is believed as before', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    const own = 'Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=luis@empresa.mx; dkim=pass header.d=empresa.mx; dmarc=pass header.from=empresa.mx';
    expect((await ingest(raw([own, 'From: Luis <luis@empresa.mx>', 'Subject: Urgente']))).outcome).toBe('created');
  });

  it('a forwarded mail quoted in the body (LF header lines, a CRLF empty line): the authorised customer is believed, not held as forged', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'hold' });
    const forwarded = Buffer.from('From: Luis <luis@empresa.mx>\nTo: soporte@example.test\nSubject: Reenvio factura\nMessage-ID: <fw2@empresa.mx>\nDate: Thu, 3 Dec 2026 10:00:00 -0600\n\r\nLes reenvio lo que me mando el proveedor.\r\n-----Original Message-----\r\nFrom: Proveedor <ventas@proveedor.mx>\r\nSubject: factura\r\n\r\nAdjunto.\r\n', 'latin1');
    const r = await ingest(forwarded);
    expect(r.outcome).toBe('created');
    expect((await app.db.ticket.findFirst({ select: { heldForAuthorisation: true } }))?.heldForAuthorisation).toBe(false);
    expect((await app.db.outboxMail.findMany()).map((m) => `${m.template} ${m.primaryTo}`)).toEqual(['acknowledgement luis@empresa.mx']);
  });
});
