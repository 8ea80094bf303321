// A second From field hidden behind a bare CR: "From: luis@...\r\n\rFrom: attacker@...". The From count took the
// `\n\r` for the empty line ending the header block and saw one From; mailparser ends the block only at an empty
// LF or CRLF line, so it read both fields (and the Subject after them) as headers and reported the first. The mail
// passed as the authorised customer's, whichever From the receiving server had authenticated. The header end is
// now the parser's: the mail has two From fields and is believed from no one, on the normal and too-large paths.
import { afterEach, describe, expect, it } from 'vitest';
import { addOrganisation, authoriseContact } from '../../src/lifecycle/access-actions.js';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { chunks } from '../support/chunks.js';

let app: TestApp;
const clock = new Date('2026-11-24T16:00:00Z');
afterEach(async () => app?.dispose());

async function start(env: Record<string, string> = {}) {
  app = await createTestApp({ TRUSTED_AUTHSERV_IDS: 'mx.example.test', UNKNOWN_SENDER_POLICY: 'hold', ...env }, () => clock);
  await inTransaction(app.db, (tx) =>
    addOrganisation(tx, app.lifecycle, { name: 'Empresa S.A. de C.V.', domains: ['empresa.mx'], country: 'MX', admin: 'admin@empresa.mx', actor: 'agent:test', now: clock }),
  );
  await inTransaction(app.db, (tx) => authoriseContact(tx, app.lifecycle, { email: 'luis@empresa.mx', actor: 'agent:test', now: clock }));
}

// What the server saw: the attacker's own domain, passing (no DMARC verdict naming a From domain to compare).
const SERVER = { 'Authentication-Results': 'mx.example.test; spf=pass smtp.mailfrom=attacker@evil.example; dkim=pass header.d=evil.example' };
const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
const templates = async () => (await app.db.outboxMail.findMany({ orderBy: { id: 'asc' } })).map((m) => `${m.template} ${m.primaryTo}`);
const ticketOf = (number: number | null) =>
  app.db.ticket.findUniqueOrThrow({ where: { number: number as number }, select: { heldForAuthorisation: true, firstResponseDueAt: true, events: { select: { type: true, detail: true } } } });

describe('a second From field behind a bare CR is seen as the parser sees it', () => {
  for (const [what, from] of [
    ['CRLF then a bare CR', 'luis@empresa.mx\r\n\rFrom: attacker@evil.example'],
    ['a bare CR, the field in lower case', 'luis@empresa.mx\r\n\rfrom:attacker@evil.example'],
  ] as const) {
    it(`${what}: the mail is believed from no one, held, nobody mailed`, async () => {
      await start();
      const r = await ingest(mail({ headers: { From: from, Subject: 'Cambio de cuenta bancaria', ...SERVER }, body: 'Favor de depositar a la cuenta nueva.' }));
      expect(r.outcome).toBe('created');
      const ticket = await ticketOf(r.ticketNumber);
      expect(ticket.heldForAuthorisation).toBe(true);
      expect(ticket.firstResponseDueAt).toBeNull();
      expect(ticket.events.find((e) => e.type === 'held_for_authorisation')?.detail).toMatch(/not released by an authorisation/);
      expect(await templates()).toEqual([]);
    });
  }

  it('a mail too large to parse: its peek sees both fields too (held as forged, no notice)', async () => {
    await start({ MAX_MESSAGE_BYTES: '2000' });
    const r = await ingest(mail({ headers: { From: 'luis@empresa.mx\r\n\rFrom: attacker@evil.example', Subject: 'Factura', ...SERVER }, body: 'x'.repeat(5000) }));
    expect(r.outcome).toBe('too_large');
    expect(r.detail).toMatch(/2 From addresses/);
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(true);
    expect(await templates()).toEqual([]);
  });

  it('the authorised customer\'s own mail, LF header lines and a CRLF empty line, a quoted From: in its body, is believed', async () => {
    await start();
    const raw = Buffer.from(
      'From: luis@empresa.mx\nTo: soporte@example.test\nSubject: Reenvio\nMessage-ID: <fw-1@empresa.mx>\n\r\nVer abajo\r\n-----Original Message-----\r\nFrom: Pepe <pepe@otra.mx>\r\n',
      'latin1',
    );
    const r = await ingest(raw);
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(false);
    expect(await templates()).toEqual(['acknowledgement luis@empresa.mx']);
  });
});

// Review: mailparser names a field by what is before its colon, trimmed as JavaScript trims (a vertical tab, a form
// feed, a no-break space, a line break before a folded colon); the count read only "From" at a line's start. And an
// old Mac mail is read with its bare CRs made line ends, where "\r\n\r" is the empty line: a body of bare-CR lines
// hid the second field of "From: a\r\n\rFrom: b" from the count again (the parser read one From, a server may read
// two). The count now reads the block both ways, each field named as mailparser names it.
describe('a second From field the count did not read as one (review: screening)', () => {
  const withBytes = (raw: Buffer, from: string, to: string) => Buffer.from(raw.toString('latin1').replace(from, to), 'latin1');
  for (const [what, from] of [
    ['a vertical tab before the name', 'luis@empresa.mx\r\n\x0bFrom: attacker@evil.example'],
    ['a form feed before the name', 'luis@empresa.mx\r\n\x0cFrom: attacker@evil.example'],
    ['a no-break space before the colon', 'luis@empresa.mx\r\nFrom@NBSP@: attacker@evil.example'],
    ['the colon folded onto the next line', 'luis@empresa.mx\r\nFrom\r\n : attacker@evil.example'],
    ['a bare CR before the colon', 'luis@empresa.mx\r\nFrom\r: attacker@evil.example'],
  ] as const) {
    it(`${what}: the parser reads two From fields, so the mail is believed from no one, held, nobody mailed`, async () => {
      await start();
      const raw = withBytes(mail({ headers: { From: from, Subject: 'Cambio de cuenta bancaria', ...SERVER }, body: 'Favor de depositar a la cuenta nueva.' }), '@NBSP@', '\xa0');
      const r = await ingest(raw);
      expect(r.outcome).toBe('created');
      const ticket = await ticketOf(r.ticketNumber);
      expect(ticket.heldForAuthorisation).toBe(true);
      expect(ticket.firstResponseDueAt).toBeNull();
      expect(await templates()).toEqual([]);
    });
  }

  it('a body of bare-CR lines (the mail read as an old Mac one): the field after "\\r\\n\\r" still counts, held', async () => {
    await start();
    const body = 'Favor de depositar a la cuenta nueva.\r'.repeat(60);
    const r = await ingest(mail({ headers: { From: 'luis@empresa.mx\r\n\rFrom: attacker@evil.example', Subject: 'Cambio de cuenta bancaria', ...SERVER }, body }));
    expect(r.outcome).toBe('created');
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(true);
    expect(await templates()).toEqual([]);
  });

  it('the same too large to parse, its first 64 KiB mostly bare-CR lines: the peek counts both fields, held as forged', async () => {
    await start({ MAX_MESSAGE_BYTES: '2000' });
    const r = await ingest(mail({ headers: { From: 'luis@empresa.mx\r\n\rFrom: attacker@evil.example', Subject: 'Factura', ...SERVER }, body: 'x\r'.repeat(5000) }));
    expect(r.outcome).toBe('too_large');
    expect(r.detail).toMatch(/2 From addresses/);
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(true);
    expect(await templates()).toEqual([]);
  });

  it("an old Mac mail forwarding another (its quoted From: in the body) is still the customer's, acknowledged", async () => {
    await start();
    const raw = Buffer.from(
      'From: luis@empresa.mx\rTo: soporte@example.test\rSubject: Reenvio\rMessage-ID: <mac-1@empresa.mx>\r\rVer abajo\r-----Original Message-----\rFrom: Pepe <pepe@otra.mx>\r',
      'latin1',
    );
    const r = await ingest(raw);
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(false);
    expect(await templates()).toEqual(['acknowledgement luis@empresa.mx']);
  });
});

// Review: the count reads only the bytes read (a too-large mail's peek and a big mail's parse: its first MiB, the
// peek 64 KiB before). A header block that does not end within them may hide a second From after them: a forged mail
// whose header block was padded past them passed as the first From's, authorised, and got the too_large notice.
// Such a mail is now believed from no one, as one with two From fields is.
describe('a header block that does not end within the bytes read (review: a From hidden past the peek)', () => {
  const padded = (second: string) => `luis@empresa.mx\r\nX-Relleno: ${'x'.repeat(1100 * 1024)}${second}`;
  const stream = (raw: Buffer) => app.pipeline.ingestStream(chunks(raw, 65536), { source: 'file', sourceRef: 'stream' });
  for (const [way, take] of [['in memory', ingest], ['streamed', stream]] as const) {
    it(`too large, ${way}: a second From past the peek's MiB is not taken for the first's, held as forged, nobody mailed`, async () => {
      await start({ MAX_MESSAGE_BYTES: '2000' });
      const r = await take(mail({ headers: { From: padded('\r\nFrom: attacker@evil.example'), Subject: 'Cambio de cuenta bancaria', ...SERVER }, body: 'x'.repeat(5000) }));
      expect(r.outcome).toBe('too_large');
      expect(r.detail).toMatch(/header block does not end within its first MiB/);
      expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(true);
      expect(await templates()).toEqual([]);
    });
  }

  it('too large, the same header block with one From: believed from no one either (what follows the peek is unknown)', async () => {
    await start({ MAX_MESSAGE_BYTES: '2000' });
    const r = await ingest(mail({ headers: { From: padded(''), Subject: 'Factura', ...SERVER }, body: 'x'.repeat(5000) }));
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(true);
    expect(await templates()).toEqual([]);
  });

  it('too large, a second From after 70 KiB of header, within the peek: counted, held as forged, nobody mailed', async () => {
    await start({ MAX_MESSAGE_BYTES: '2000' });
    const from = `luis@empresa.mx\r\nX-Relleno: ${'x'.repeat(70 * 1024)}\r\nFrom: attacker@evil.example`;
    const r = await ingest(mail({ headers: { From: from, Subject: 'Cambio de cuenta bancaria', ...SERVER }, body: 'x'.repeat(5000) }));
    expect(r.detail).toMatch(/2 From addresses/);
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(true);
    expect(await templates()).toEqual([]);
  });

  it('too large, a header block that ends within the peek: the authorised customer\'s, told it is too large', async () => {
    await start({ MAX_MESSAGE_BYTES: '2000' });
    const r = await ingest(mail({ headers: { From: 'luis@empresa.mx', Subject: 'Factura', ...SERVER }, body: 'x'.repeat(70 * 1024) }));
    expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(false);
    expect(await templates()).toEqual(['too_large luis@empresa.mx']);
  });
});

// Review (parsing2): the peek's header block must end as the peek reads it. An old Mac mail (every line ended by a
// bare CR, no LF at all) has no LF-read empty line anywhere: every too-large one counted UNENDED and an authorised
// customer's was held as forged, no notice. And a legitimate header block can pass 64 KiB (a years-old thread's
// References, a hundred Received and ARC/DKIM sets: Postfix takes 100 KiB of header, Exchange Online 256 KiB): the
// peek reads a too-large mail's first MiB, as a big mail's parse does.
describe('a too-large mail whose header block ends as it is read (review: an old Mac mail, a long header block)', () => {
  const CUSTOMER = { 'Authentication-Results': 'mx.example.test; spf=pass smtp.mailfrom=luis@empresa.mx; dkim=pass header.d=empresa.mx; dmarc=pass header.from=empresa.mx' };
  const stream = (raw: Buffer) => app.pipeline.ingestStream(chunks(raw, 65536), { source: 'file', sourceRef: 'stream' });
  const oldMac = (raw: Buffer) => Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\r'), 'latin1');
  const references = Array.from({ length: 1500 }, (_, i) => `<hilo-${i}.1700000000@correo.empresa.mx>`).join('\r\n ');
  const received = Array.from({ length: 100 }, (_, i) => `from relay${i}.empresa.mx (relay${i}.empresa.mx [10.0.0.${i}]) by mx.example.test with ESMTPS id A${i}; Mon, 23 Nov 2026 10:00:00 -0600`);
  for (const [way, take] of [['in memory', ingest], ['streamed', stream]] as const) {
    it(`${way}: an old Mac mail (bare-CR line ends) of the authorised customer is believed, told it is too large`, async () => {
      await start({ MAX_MESSAGE_BYTES: '2000' });
      const r = await take(oldMac(mail({ headers: { From: 'luis@empresa.mx', Subject: 'Factura', ...CUSTOMER }, body: 'Adjunto la factura.\n'.repeat(5000) })));
      expect(r.outcome).toBe('too_large');
      expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(false);
      expect(await templates()).toEqual(['too_large luis@empresa.mx']);
    });

    it(`${way}: a header block of ~80 KiB (a long thread's References, 100 Received) of the authorised customer is believed`, async () => {
      await start({ MAX_MESSAGE_BYTES: '2000' });
      const raw = mail({ headers: { Received: received.join('\r\nReceived: '), From: 'luis@empresa.mx', Subject: 'Re: Factura', References: references, ...CUSTOMER }, body: 'x'.repeat(5000) });
      expect(raw.indexOf('\r\n\r\n')).toBeGreaterThan(64 * 1024);
      const r = await take(raw);
      expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(false);
      expect(await templates()).toEqual(['too_large luis@empresa.mx']);
    });

    it(`${way}: an old Mac mail whose header block does not end within the peek is still believed from no one`, async () => {
      await start({ MAX_MESSAGE_BYTES: '2000' });
      const padding = 'x'.repeat(1100 * 1024);
      const r = await take(oldMac(mail({ headers: { From: 'luis@empresa.mx', 'X-Relleno': padding, Subject: 'Factura', ...CUSTOMER }, body: 'x'.repeat(5000) })));
      expect(r.detail).toMatch(/header block does not end within its first MiB/);
      expect((await ticketOf(r.ticketNumber)).heldForAuthorisation).toBe(true);
      expect(await templates()).toEqual([]);
    });
  }
});

// Review (parsing2): what the desk sees of such a mail. The log said "within the bytes read" (which bytes?), and an
// agent answering the held ticket of an authorised customer was told to authorise that customer (`ventanilla contacts
// authorise`), authorised already: no authorisation releases a ticket held as forged, the desk went round in circles.
describe('a too-large mail whose header block does not end within its first MiB, as the desk sees it', () => {
  it('the log names the first MiB, not an authorised sender "not authorised"; an answer on its held ticket is refused saying why, not "authorise him"', async () => {
    await start({ MAX_MESSAGE_BYTES: '2000' });
    const CUSTOMER = { 'Authentication-Results': 'mx.example.test; dkim=pass header.d=empresa.mx; dmarc=pass header.from=empresa.mx' };
    const r = await ingest(mail({ headers: { From: 'luis@empresa.mx', 'X-Relleno': 'x'.repeat(1100 * 1024), Subject: 'Factura', ...CUSTOMER }, body: 'x'.repeat(5000) }));
    const { detail } = await app.db.inboundLog.findFirstOrThrow({ select: { detail: true } });
    expect(detail).toMatch(/not answered: From not believed \(hold\): the From address failed authentication \(its header block does not end within its first MiB/);
    expect(detail).not.toMatch(/sender not authorised/);
    const answer = replyToTicket(app, { number: r.ticketNumber as number, body: 'Recibimos su factura.', actor: 'agent:maria', now: clock });
    await expect(answer).rejects.toThrow(/its From address was not believed .*no authorisation of luis@empresa.mx releases it/);
    await expect(answer).rejects.not.toThrow(/contacts authorise/);
  });
});
