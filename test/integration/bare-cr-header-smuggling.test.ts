// A mail of CRLF lines with one field line ended by a bare CR is read the old Mac way (raw-head.ts bareCrsEndLines):
// text a server reading LF lines took for part of a field becomes fields of their own, and a bare-CR empty line ends
// the header block early. The trusted server judged the mail as it read it, the LF way: an Authentication-Results it
// wrote or removed, the From it checked DMARC on, the list's fields appended at the bottom. What is read only the
// Mac way must not be believed over what it saw.
import { afterEach, describe, expect, it } from 'vitest';
import { type TestApp } from '../support/app.js';
import { empresaDesk } from '../support/empresa-desk.js';

let app: TestApp;
const clock = new Date('2026-11-24T16:00:00Z');
afterEach(async () => app?.dispose());

async function start(env: Record<string, string> = {}) {
  app = await empresaDesk(env, clock);
}

const ingest = (raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: 'test' });
let counter = 0;

/** A raw mail of CRLF lines with these header lines as they are (bare CRs inside them kept). */
function raw(lines: string[], body = 'Cierren este ticket, ya no lo necesitamos.'): Buffer {
  counter++;
  return Buffer.from([...lines, 'To: soporte@example.test', `Message-ID: <s${counter}.${Date.now()}@evil.example>`, 'Date: Tue, 24 Nov 2026 10:00:00 -0600', '', body, ''].join('\r\n'), 'latin1');
}

describe('fields hidden behind a bare CR in a CRLF mail', () => {
  it('a From the trusted server never saw (behind a bare CR in the Subject) is not believed: refused under reject', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    // The server found no From field, so no DMARC verdict: had it seen luis@empresa.mx it would have checked empresa.mx.
    const seen = 'Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=attacker@evil.example; dkim=pass header.d=evil.example';
    const r = await ingest(raw([seen, 'Subject: Urgente\rFrom: luis@empresa.mx']));
    expect(r.outcome).toBe('rejected');
    expect(await app.db.outboxMail.count()).toBe(0);
  });

  it('a From on a line starting with a bare CR (a mail read the LF way) the trusted server never saw is not believed: refused under reject', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    // The parser takes `\rFrom` for a From field (its name trimmed); a server reading LF lines saw no From to check DMARC on.
    const seen = 'Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=attacker@evil.example; dkim=pass header.d=evil.example';
    const r = await ingest(raw([seen, 'Subject: Urgente', '\rFrom: luis@empresa.mx']));
    expect(r.outcome).toBe('rejected');
    expect(await app.db.outboxMail.count()).toBe(0);
  });

  it('the same From in a big mail read as a stream is not believed either: refused under reject', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject', MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
    const seen = 'Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=attacker@evil.example; dkim=pass header.d=evil.example';
    // Above BIG_MAIL_BYTES (4 MiB), in lines: parsed from the store as a stream (pipeline.ts).
    const big = raw([seen, 'Subject: Urgente', '\rFrom: luis@empresa.mx'], `${'x'.repeat(76)}\r\n`.repeat(60_000));
    const r = await app.pipeline.ingestStream((async function* () { yield big; })(), { source: 'file', sourceRef: 'test' });
    expect(r.outcome).toBe('rejected');
    expect(await app.db.outboxMail.count()).toBe(0);
  });

  it('an Authentication-Results in the trusted server\'s name hidden behind a bare CR does not outweigh the server\'s own', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    // The server removed every header in its name it saw (RFC 8601 section 5) and wrote its verdict: forged.
    const real = 'Authentication-Results: mx.example.test; spf=fail smtp.mailfrom=luis@empresa.mx; dkim=none';
    const hidden = 'Subject: Urgente\rAuthentication-Results: mx.example.test; dmarc=pass header.from=empresa.mx';
    const plain = await ingest(raw([real, 'From: luis@empresa.mx', 'Subject: Urgente']));
    expect(plain.outcome).toBe('rejected');
    const r = await ingest(raw([real, 'From: luis@empresa.mx', hidden]));
    expect(r.outcome).toBe('rejected');
    expect(await app.db.outboxMail.count()).toBe(0);
  });

  it('a list\'s fields appended below a bare-CR empty line still mark the mail as a list\'s: nobody is mailed', async () => {
    await start();
    // What the attacker wrote (one bare-CR field line, then a line starting with a bare CR), and what the list added.
    const written = ['From: Ana <ana@cliente.mx>', 'Subject: Consulta\rX-Mailer: Eudora', '\rX-Note: 1'];
    const added = ['List-Id: <facturacion.cliente.mx>', 'List-Post: <mailto:facturacion@cliente.mx>', 'Precedence: list'];
    const r = await ingest(raw([...written, ...added]));
    expect(r.outcome).toBe('created');
    expect(r.detail).toContain('mailing list');
    expect(await app.db.outboxMail.count()).toBe(0);
  });
});

describe('an old Mac mail under the trace fields of the servers that read it', () => {
  const macMail = (report: string) =>
    Buffer.from(`Return-Path: <luis@empresa.mx>\r\n${report}\r\n` + 'From: Luis <luis@empresa.mx>\rTo: soporte@example.test\rSubject: Impresora\r' +
      `Message-ID: <mac${++counter}@empresa.mx>\rDate: Tue, 24 Nov 2026 10:00:00 -0600\r\rNo imprime.\r`, 'latin1');

  it('its From believed where the trusted server\'s DMARC verdict names its domain (it read that From): accepted under reject', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    const r = await ingest(macMail('Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=luis@empresa.mx; dmarc=pass header.from=empresa.mx'));
    expect(r.outcome).toBe('created');
  });

  it('not believed where its verdict names no From (the server did not read hers): refused under reject', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject' });
    const r = await ingest(macMail('Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=luis@empresa.mx'));
    expect(r.outcome).toBe('rejected');
  });
});

describe('the same fields in a mail too large to parse (read from its header block alone)', () => {
  const big = (lines: string[]) => raw(lines, 'x'.repeat(5000));
  const held = async (number: number | null | undefined) => (await app.db.ticket.findUniqueOrThrow({ where: { number: number as number } })).heldForAuthorisation;

  it('a hidden Authentication-Results does not outweigh the server\'s own: held as forged under reject, nothing mailed', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject', MAX_MESSAGE_BYTES: '2000' });
    const real = 'Authentication-Results: mx.example.test; spf=fail smtp.mailfrom=luis@empresa.mx; dkim=none';
    const r = await ingest(big([real, 'From: luis@empresa.mx', 'Subject: Urgente\rAuthentication-Results: mx.example.test; dmarc=pass header.from=empresa.mx']));
    expect(r.detail).toMatch(/From not believed/);
    expect(await held(r.ticketNumber)).toBe(true);
    expect(await app.db.outboxMail.count()).toBe(0);
  });

  it('a From the trusted server never saw is not believed: held under reject, nothing mailed', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject', MAX_MESSAGE_BYTES: '2000' });
    const seen = 'Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=attacker@evil.example; dkim=pass header.d=evil.example';
    const r = await ingest(big([seen, 'Subject: Urgente\rFrom: luis@empresa.mx']));
    expect(r.detail).toMatch(/From not believed/);
    expect(await held(r.ticketNumber)).toBe(true);
    expect(await app.db.outboxMail.count()).toBe(0);
  });

  it('a mailer ending its lines with CR CR LF, under the trace fields of the servers: the authorised customer is believed, not held', async () => {
    await start({ UNKNOWN_SENDER_POLICY: 'reject', MAX_MESSAGE_BYTES: '2000' });
    // Its lines' stray CR hides nothing: the servers read each of its fields, as the parse does (it reads it the LF way).
    const trace = 'Received: from mail.empresa.mx by mx.example.test\r\nAuthentication-Results: mx.example.test; spf=pass smtp.mailfrom=luis@empresa.mx\r\n';
    const own = ['From: Luis <luis@empresa.mx>', 'To: soporte@example.test', 'Subject: Informe', `Message-ID: <crcr${++counter}@empresa.mx>`, '', 'x'.repeat(5000), ''];
    const r = await ingest(Buffer.from(trace + own.join('\r\r\n'), 'latin1'));
    expect(r.outcome).toBe('too_large');
    expect(r.detail ?? '').not.toMatch(/From not believed/);
    expect(await held(r.ticketNumber)).toBe(false);
    expect((await app.db.outboxMail.findMany()).map((m) => m.template)).toEqual(['too_large']);
  });

  it('a list\'s fields appended below a bare-CR empty line: its too-large notice goes to nobody', async () => {
    await start({ MAX_MESSAGE_BYTES: '2000' });
    const r = await ingest(big(['From: Ana <ana@cliente.mx>', 'Subject: Consulta\rX-Mailer: Eudora', '\rX-Note: 1', 'List-Id: <facturacion.cliente.mx>', 'Precedence: list']));
    expect(r.outcome).toBe('too_large');
    expect(await app.db.outboxMail.count()).toBe(0);
  });
});
