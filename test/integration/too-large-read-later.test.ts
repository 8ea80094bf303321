import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replyToTicket } from '../../src/lifecycle/agent-actions.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// A mail above MAX_MESSAGE_BYTES is kept raw and opens a ticket that says so; its sender is told how to send it. The
// administrator who then raises MAX_MESSAGE_BYTES has it read: the kept copy written out (`raw-mail`) and ingested,
// or another copy of it (the one delivered to another of our addresses, a Maildir's). Its text and attachments were
// lost as a 'duplicate' of the ticket's note (the same bytes), or opened a second ticket with a second mail to the
// customer (another copy). Now they land on the message of the ticket it opened, once: no new ticket, no mail, the
// ticket's status as it was. It is that mail when its key (Message-ID, or what its sender wrote) is the too-large
// mail's and its bytes are, or what its sender wrote is (the hash kept on the too-large mail's log row).

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-too-large-read-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789', SUPPORT_ALIASES: 'ventas@example.test' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const LIMITED = { MAX_MESSAGE_BYTES: '3000' };

type Mail = { messageId?: string | null; subject?: string; text?: string; xmlBytes?: number; to?: string; cc?: string | null };
const written = (m: Mail = {}) => {
  const xml = `<cfdi:Comprobante Total="1160.00">\n${'<cfdi:Concepto Importe="100.00"/>\n'.repeat(Math.ceil((m.xmlBytes ?? 4000) / 34))}</cfdi:Comprobante>\n`;
  const id = m.messageId === undefined ? 'factura-90@cliente.mx' : m.messageId;
  return [
    'From: Ana Gil <ana@cliente.mx>', `To: ${m.to ?? 'soporte@example.test, ventas@example.test'}`, ...(m.cc === null ? [] : [`Cc: ${m.cc ?? 'Luis Paz <luis@cliente.mx>'}`]), `Subject: ${m.subject ?? 'Factura 90 con el XML'}`,
    'Date: Tue, 24 Nov 2026 10:00:00 -0600', ...(id ? [`Message-ID: <${id}>`] : []), 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
    '--b1', 'Content-Type: text/plain; charset=utf-8', '', m.text ?? 'No puedo timbrar la factura 90; les mando el XML.', '',
    '--b1', 'Content-Type: text/xml; name="factura-90.xml"', 'Content-Disposition: attachment; filename="factura-90.xml"', 'Content-Transfer-Encoding: base64', '',
    Buffer.from(xml).toString('base64').replace(/.{76}/g, '$&\n'), '--b1--', '',
  ].join('\n');
};
const copyTo = (address: string, raw: string) => [`Delivered-To: ${address}`, `Received: from mx.cliente.mx by mx.example.test for <${address}>;`, '\tTue, 24 Nov 2026 10:00:02 -0600', raw].join('\n');

const ingest = async (raw: string, limits: Record<string, string> = {}) => {
  const result = await runCli(['ingest', '-', '--json'], { env: { ...env, ...limits }, input: raw });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { outcome: string; ticket: number | null; detail: string | null };
};
const json = async <T>(args: string[]) => {
  const result = await runCli([...args, '--json'], { env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
};
const ticketNumbers = async () => (await json<Array<{ number: number }>>(['tickets', 'list'])).map((t) => t.number).sort();
type Shown = { status: string; ccs: string[]; messages: Array<{ direction: string; from: string; fromName: string | null; text: string; cc: string[]; attachments: Array<{ filename: string; size: number }> }>; events: Array<{ type: string; detail: string | null }> };
const show = (n: number) => json<Shown>(['tickets', 'show', String(n)]);
/** The mails written to the customer (the file outbox, once the scheduler ran). */
const mailsOut = async () => {
  expect((await runCli(['scheduler', 'run-once'], { env: { ...env, ...LIMITED } })).code).toBe(0);
  const outbox = join(env.DATA_DIR as string, 'outbox');
  return readdirSync(outbox).filter((f) => f.endsWith('.eml')).length;
};
const tooLargeSha = async () => (await json<Array<{ sha256: string }>>(['inbound', '--outcome', 'too_large']))[0]?.sha256 as string;

describe.skipIf(!cliBuilt)('a mail too large to parse, read once MAX_MESSAGE_BYTES is raised', () => {
  it('its kept copy written out and ingested: its text and attachment land on its ticket, no mail to the customer; again, a duplicate', async () => {
    const big = copyTo('soporte@example.test', written());
    expect(await ingest(big, LIMITED)).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    expect(await mailsOut()).toBe(1);
    const before = await show(1000);

    const file = join(dir, 'factura-90.eml');
    const raw = await runCli(['raw-mail', await tooLargeSha()], { env });
    writeFileSync(file, raw.stdout);
    expect(await json(['ingest', file])).toMatchObject({ outcome: 'too_large_read', ticket: 1000 });
    expect(await json(['ingest', file])).toMatchObject({ outcome: 'duplicate', ticket: 1000 });

    expect(await ticketNumbers()).toEqual([1000]);
    const after = await show(1000);
    const inbound = after.messages.filter((m) => m.direction === 'in');
    expect(inbound).toHaveLength(1);
    expect(inbound[0]).toMatchObject({ from: 'ana@cliente.mx', fromName: 'Ana Gil', cc: ['luis@cliente.mx'], attachments: [expect.objectContaining({ filename: 'factura-90.xml' })] });
    expect(inbound[0]?.text).toContain('No puedo timbrar la factura 90');
    expect(after.status).toBe(before.status);
    // Her colleague in Cc takes part, as in any ticket her mail opens.
    expect(after.ccs).toEqual(['luis@cliente.mx']);
    expect(after.events.map((e) => e.type)).toEqual([...before.events.map((e) => e.type), 'too_large_read']);
    expect(after.events.at(-1)?.detail).toMatch(/^the mail kept raw as [0-9a-f]{64} was read \(MAX_MESSAGE_BYTES 26214400\): its text and 1 attachment are on its message$/);
    expect(await mailsOut()).toBe(1);
  }, 60_000);

  it('another copy of it (delivered to another of our addresses): the same; every copy after it is a duplicate', async () => {
    expect(await ingest(copyTo('soporte@example.test', written()), LIMITED)).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    expect(await ingest(copyTo('ventas@example.test', written()))).toMatchObject({ outcome: 'too_large_read', ticket: 1000 });
    expect(await ingest(copyTo('soporte@example.test', written()))).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    expect(await ingest(written().replace(/\n/g, '\r\n'))).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    // The limit lowered again: still the same mail.
    expect(await ingest(copyTo('ventas@example.test', written()), LIMITED)).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    expect(await ticketNumbers()).toEqual([1000]);
    expect((await show(1000)).messages.filter((m) => m.direction === 'in').map((m) => m.attachments.length)).toEqual([1]);
    expect(await mailsOut()).toBe(1);
  }, 60_000);

  it('a mail without Message-ID is known by what its sender wrote', async () => {
    const bare = written({ messageId: null });
    expect(await ingest(copyTo('soporte@example.test', bare), LIMITED)).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    expect(await ingest(copyTo('ventas@example.test', bare))).toMatchObject({ outcome: 'too_large_read', ticket: 1000 });
    expect(await ingest(bare)).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    expect((await show(1000)).messages.find((m) => m.direction === 'in')?.text).toContain('No puedo timbrar la factura 90');
    expect(await mailsOut()).toBe(1);
  }, 60_000);

  it('another mail under its Message-ID is not it: a ticket of its own, and the too-large ticket still gets its content', async () => {
    expect(await ingest(written(), LIMITED)).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    const other = written({ subject: 'Factura 91 con el XML', text: 'Y la factura 91 tampoco.' });
    expect(await ingest(other)).toMatchObject({ outcome: 'created', ticket: 1001, detail: expect.stringMatching(/Message-ID <factura-90@cliente\.mx> reused/) });
    expect(await ingest(copyTo('ventas@example.test', written()))).toMatchObject({ outcome: 'too_large_read', ticket: 1000 });
    expect((await show(1000)).messages.find((m) => m.direction === 'in')?.text).toContain('factura 90');
    expect((await show(1001)).messages.find((m) => m.direction === 'in')?.text).toContain('factura 91');
  }, 60_000);

  it('a mail too large under the Message-ID of a mail with a ticket: read later, its content lands on its own ticket', async () => {
    const small = written({ subject: 'Factura 88', text: 'No puedo timbrar la factura 88.', xmlBytes: 100 });
    expect(await ingest(small, LIMITED)).toMatchObject({ outcome: 'created', ticket: 1000 });
    expect(await ingest(written(), LIMITED)).toMatchObject({ outcome: 'too_large', ticket: 1001 });
    expect(await ingest(copyTo('ventas@example.test', written()))).toMatchObject({ outcome: 'too_large_read', ticket: 1001 });
    expect(await ingest(written())).toMatchObject({ outcome: 'duplicate', ticket: 1001 });
    expect(await ticketNumbers()).toEqual([1000, 1001]);
    expect((await show(1001)).messages.find((m) => m.direction === 'in')?.text).toContain('factura 90');
    expect((await show(1000)).messages.filter((m) => m.direction === 'in').map((m) => m.text)).toEqual([expect.stringContaining('factura 88')]);
  }, 60_000);

  it('a mail too large logged before its row kept the hash: another copy is told by its kept raw copy', async () => {
    expect(await ingest(copyTo('soporte@example.test', written()), LIMITED)).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'));
    expect(db.prepare('UPDATE "InboundLog" SET "contentFingerprint" = NULL WHERE "contentFingerprint" IS NOT NULL').run().changes).toBe(1);
    db.close();
    expect(await ingest(written({ subject: 'Factura 91 con el XML', text: 'Y la factura 91 tampoco.' }))).toMatchObject({ outcome: 'created', ticket: 1001 });
    expect(await ingest(copyTo('ventas@example.test', written()))).toMatchObject({ outcome: 'too_large_read', ticket: 1000 });
    expect(await ingest(copyTo('soporte@example.test', written()))).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    expect(await ticketNumbers()).toEqual([1000, 1001]);
  }, 60_000);

  it('its subject, decoded when too large (too-large-headers.test.ts), reads the same once the parser reads it', async () => {
    const accented = written({ subject: '=?utf-8?Q?Factura_n=C3=BAmero_90_con_el_XML?=' });
    expect(await ingest(accented, LIMITED)).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    expect((await json<Array<{ subject: string }>>(['tickets', 'list']))[0]?.subject).toBe('Factura número 90 con el XML');
    expect(await ingest(copyTo('ventas@example.test', accented))).toMatchObject({ outcome: 'too_large_read', ticket: 1000 });
    expect((await json<Array<{ subject: string }>>(['tickets', 'list']))[0]?.subject).toBe('Factura número 90 con el XML');
  }, 60_000);

  it('a big mail, streamed from the blob store: its attachment too', async () => {
    const huge = written({ xmlBytes: 5 * 1024 * 1024 });
    expect(await ingest(copyTo('soporte@example.test', huge), { MAX_MESSAGE_BYTES: String(5 * 1024 * 1024) })).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    expect(await ingest(copyTo('ventas@example.test', huge))).toMatchObject({ outcome: 'too_large_read', ticket: 1000 });
    const [message] = (await show(1000)).messages.filter((m) => m.direction === 'in');
    expect(message?.attachments).toEqual([expect.objectContaining({ filename: 'factura-90.xml', size: expect.any(Number) })]);
    expect(message?.attachments[0]?.size).toBeGreaterThan(5 * 1024 * 1024);
  }, 90_000);
});

describe('a mail too large to parse, fetched again in an IMAP batch once MAX_MESSAGE_BYTES is raised', () => {
  it('its content lands on its ticket (the preparation worker\'s path); the batch\'s second copy is a duplicate', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'ventanilla-too-large-batch-'));
    try {
      const limited = await createTestApp({ DATA_DIR: shared, ...LIMITED });
      expect(await limited.pipeline.ingest(Buffer.from(written()), { source: 'imap' })).toMatchObject({ outcome: 'too_large', ticketNumber: 1000 });
      await limited.close();
      const raised = await createTestApp({ DATA_DIR: shared });
      try {
        const copy = Buffer.from(copyTo('ventas@example.test', written()));
        const results = await raised.pipeline.ingestMany([copy, copy].map((raw) => ({ raw, source: { source: 'imap' as const } })));
        expect(results.map((r) => [r.outcome, r.ticketNumber])).toEqual([['too_large_read', 1000], ['duplicate', 1000]]);
        const message = await raised.db.message.findFirstOrThrow({ where: { direction: 'in' }, include: { attachments: true } });
        expect(message.text).toContain('No puedo timbrar la factura 90');
        expect(message.attachments.map((a) => a.filename)).toEqual(['factura-90.xml']);
        expect(await raised.db.outboxMail.count()).toBe(1);
      } finally {
        await raised.close();
      }
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('to a vendor alone, the desk in Bcc: once read, the vendor is no CC and gets no mail, and an event says why', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'ventanilla-too-large-bcc-'));
    try {
      // Ana writes to her vendor and copies the desk in secret: no desk address in To or Cc.
      const toVendor = copyTo('soporte@example.test', written({ to: 'Proveedor <ventas@proveedor.mx>', cc: null }));
      const limited = await createTestApp({ DATA_DIR: shared, ...LIMITED });
      expect(await limited.pipeline.ingest(Buffer.from(toVendor), { source: 'imap' })).toMatchObject({ outcome: 'too_large', ticketNumber: 1000 });
      await limited.close();
      const raised = await createTestApp({ DATA_DIR: shared });
      try {
        const [read] = await raised.pipeline.ingestMany([{ raw: Buffer.from(toVendor), source: { source: 'imap' as const } }]);
        expect(read).toMatchObject({ outcome: 'too_large_read', ticketNumber: 1000 });
        const ticket = await showTicket(raised.db, 1000);
        expect(ticket?.ccs).toEqual([]);
        // The mail is kept as it came, and the ticket says why its To was not copied.
        expect(ticket?.messages.find((m) => m.direction === 'in')).toMatchObject({ to: ['ventas@proveedor.mx'], cc: [] });
        expect(ticket?.events.find((e) => e.type === 'ccs_withheld')?.detail).toMatch(/neither To nor Cc.*: ventas@proveedor\.mx$/);
        // An agent's answer goes to Ana alone, as the notice of the too-large mail did.
        await replyToTicket(raised, { number: 1000, body: 'Recibimos el XML de la factura 90.', actor: 'agent:maria', now: new Date() });
        const mails = await raised.db.outboxMail.findMany({ orderBy: { id: 'asc' } });
        expect(mails.map((m) => [m.template, [...JSON.parse(m.toList), ...JSON.parse(m.ccList)]])).toEqual([
          ['too_large', ['ana@cliente.mx']],
          ['answer', ['ana@cliente.mx']],
        ]);
      } finally {
        await raised.close();
      }
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });
});
