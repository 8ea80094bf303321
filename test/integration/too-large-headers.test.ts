import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from '../support/cli.js';

// A mail above MAX_MESSAGE_BYTES is not parsed: its ticket and the notice to its sender come from a quick read of
// its header block. That read took the Subject as written: agents saw "=?utf-8?Q?Factura_n=C3=BAmero_90?=" in
// `tickets list`, a legacy client's raw Latin-1 accents came out garbled, and the customer was mailed both back.
// The From line's display name was dropped (the notice said "Hola:"), and an address written as the display name
// ("jefe@cliente.mx" <ana@cliente.mx>) was taken for the sender's. Now both are read as the full parse reads them.

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-too-large-headers-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789', MAX_MESSAGE_BYTES: '3000' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A mail over the limit with these header lines (strings are UTF-8, Buffers go in as their bytes). */
const bigMail = (from: string | Buffer, subject: string | Buffer) =>
  Buffer.concat([
    Buffer.from('From: '), Buffer.from(from), Buffer.from('\r\nTo: soporte@example.test\r\nSubject: '), Buffer.from(subject),
    Buffer.from('\r\nMessage-ID: <grande-1@cliente.mx>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'),
    Buffer.from('Les mando el XML de la factura.\r\n'.repeat(200)),
  ]);

const cli = async (args: string[]) => {
  const result = await runCli(args, { env });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
};
const ingest = async (raw: Buffer) => {
  const result = await runCli(['ingest', '-', '--json'], { env, input: raw });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { outcome: string; ticket: number | null };
};
type Shown = { subject: string; requester: string; messages: Array<{ direction: string; from: string; fromName: string | null; subject?: string }> };
const show = async () => JSON.parse(await cli(['tickets', 'show', '1000', '--json'])) as Shown;
const listedSubject = async () => (JSON.parse(await cli(['tickets', 'list', '--json'])) as Array<{ subject: string }>)[0]?.subject;

/** The notice mailed to the sender (the file outbox, once the scheduler ran): its raw header block and its parse. */
const notice = async () => {
  await cli(['scheduler', 'run-once']);
  const outbox = join(env.DATA_DIR as string, 'outbox');
  const files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
  expect(files).toHaveLength(1);
  const raw = readFileSync(join(outbox, files[0] as string));
  const text = raw.toString('latin1');
  const header = text.slice(0, text.search(/\r?\n\r?\n/));
  return { header, parsed: await simpleParser(raw) };
};
/** A header block as it must go out: 7-bit, each line a header or a folded continuation of one. */
const wellFormed = (header: string) => {
  expect(header).toMatch(/^[\x20-\x7e\r\n\t]*$/);
  for (const line of header.split(/\r?\n/)) expect(line).toMatch(/^([A-Za-z0-9-]+: |[ \t])/);
};

describe.skipIf(!cliBuilt)('a mail too large to parse: its subject and sender as the full parse reads them', () => {
  it('encoded words (Q and B, two charsets, folded, whitespace between words gone): the ticket, `tickets list` and the notice', async () => {
    const subject = '=?utf-8?Q?Factura_n=C3=BAmero_90?=\r\n =?utf-8?Q?_con_el_XML?= =?iso-8859-1?B?KGFkaekp?=';
    expect(await ingest(bigMail('Ana Gil <ana@cliente.mx>', subject))).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    const expected = 'Factura número 90 con el XML(adié)';
    expect(await listedSubject()).toBe(expected);
    expect(await cli(['tickets', 'list'])).toContain(expected);
    expect((await show()).subject).toBe(expected);

    const { header, parsed } = await notice();
    wellFormed(header);
    expect(parsed.subject).toBe(`[#1000] Su correo no pudo procesarse por su tamaño: ${expected}`);
    expect(parsed.text).toContain(`Hola, Ana Gil:`);
    expect(parsed.text).toContain(`Recibimos su correo «${expected}»`);
    expect(parsed.html).toContain('Recibimos su correo «Factura número 90 con el XML(adié)»');
  }, 60_000);

  it("a legacy client's raw 8-bit subject and display name (Latin-1, or UTF-8): repaired as the full parse repairs them", async () => {
    const latin1 = (s: string) => Buffer.from(s, 'latin1');
    expect(await ingest(bigMail(latin1('Jos\xe9 Mu\xf1oz <jose@cliente.mx>'), latin1('Cotizaci\xf3n a\xf1o 2026')))).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    expect(await listedSubject()).toBe('Cotización año 2026');
    const shown = await show();
    expect(shown.messages.find((m) => m.direction === 'in')).toMatchObject({ from: 'jose@cliente.mx', fromName: 'José Muñoz' });
    const { header, parsed } = await notice();
    wellFormed(header);
    expect(parsed.subject).toBe('[#1000] Su correo no pudo procesarse por su tamaño: Cotización año 2026');
    expect(parsed.text).toContain('Hola, José Muñoz:');
    expect(parsed.to).toMatchObject({ value: [{ address: 'jose@cliente.mx' }] });
  }, 60_000);

  it('raw UTF-8 and an encoded display name', async () => {
    expect(await ingest(bigMail('=?utf-8?Q?Mar=C3=ADa?= =?utf-8?Q?_Pe=C3=B1a?= <maria@cliente.mx>', 'Facturación de diciembre'))).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    expect(await listedSubject()).toBe('Facturación de diciembre');
    expect((await show()).messages.find((m) => m.direction === 'in')).toMatchObject({ fromName: 'María Peña' });
    expect((await notice()).parsed.text).toContain('Hola, María Peña:');
  }, 60_000);

  it('an address written as the display name is not the sender: the ticket and the notice go to the address in <>', async () => {
    expect(await ingest(bigMail('"jefe@cliente.mx" <ana@cliente.mx>', 'Factura 90'))).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    expect((await show()).requester).toBe('ana@cliente.mx');
    expect((await notice()).parsed.to).toMatchObject({ value: [{ address: 'ana@cliente.mx' }] });
  }, 60_000);

  it('CR, LF and control characters inside the encoded words become spaces: no header of their own in the notice', async () => {
    const subject = '=?utf-8?Q?Factura_90=0D=0ABcc:_otro@evil.test=0D=0A=0D=0Ahola=07=1B[31m?=';
    expect(await ingest(bigMail('Ana Gil <ana@cliente.mx>', subject))).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    const expected = 'Factura 90 Bcc: otro@evil.test hola [31m';
    expect(await listedSubject()).toBe(expected);
    const { header, parsed } = await notice();
    wellFormed(header);
    expect(header).not.toMatch(/^bcc:/im);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.subject).toBe(`[#1000] Su correo no pudo procesarse por su tamaño: ${expected}`);
    expect(parsed.text).toContain(`Recibimos su correo «${expected}»`);
  }, 60_000);
});
