import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from '../support/cli.js';

// A mail above MAX_MESSAGE_BYTES is not parsed: it opens a ticket that tells support and its sender (too_large).
// Under the Message-ID of another mail already recorded, it was dropped as a duplicate, and its sender heard nothing.
// It is judged by what its sender wrote (the fields they write and the body's bytes, as for a mail without
// Message-ID: written-content.ts), logged with it: another mail is recorded as itself, under mid:<id>#<hash>; a copy,
// delivered to another of our addresses, is a duplicate. Through `ventanilla ingest -`.

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-reused-too-large-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789', MAX_MESSAGE_BYTES: '2000' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const written = (m: { date: string; subject: string; body: string }) =>
  ['From: Ana Gil <ana@cliente.mx>', 'To: soporte@example.test, ventas@example.test', `Subject: ${m.subject}`, `Date: ${m.date}`, 'Message-ID: <plantilla@cliente.mx>', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', m.body, ''].join('\n');
const copyTo = (address: string, raw: string) => [`Delivered-To: ${address}`, `Received: from mx.cliente.mx by mx.example.test for <${address}>;`, '\tTue, 24 Nov 2026 10:00:02 -0600', raw].join('\n');

const small = written({ date: 'Tue, 24 Nov 2026 09:00:00 -0600', subject: 'Factura 88', body: 'No puedo timbrar la factura 88.' });
const big = written({ date: 'Tue, 24 Nov 2026 10:00:00 -0600', subject: 'Factura 90 con el XML', body: `El XML de la factura 90:\n${'<cfdi:Concepto Importe="100.00"/>\n'.repeat(100)}` });
const otherBig = written({ date: 'Wed, 25 Nov 2026 10:00:00 -0600', subject: 'Factura 91 con el XML', body: `El XML de la factura 91:\n${'<cfdi:Concepto Importe="200.00"/>\n'.repeat(100)}` });

const ingest = async (raw: string) => {
  const result = await runCli(['ingest', '-', '--json'], { env, input: raw });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { outcome: string; ticket: number | null; detail: string | null };
};
const ticketNumbers = async () => (JSON.parse((await runCli(['tickets', 'list', '--json'], { env })).stdout) as Array<{ number: number }>).map((t) => t.number).sort();
const inboundDetails = async () => (JSON.parse((await runCli(['inbound', '--json'], { env })).stdout) as Array<{ outcome: string; detail: string | null }>).reverse();

describe.skipIf(!cliBuilt)('a mail too large to parse under the Message-ID of another mail', () => {
  it('after a mail with a ticket: it opens a ticket of its own; a copy of either is a duplicate', async () => {
    expect(await ingest(copyTo('soporte@example.test', small))).toMatchObject({ outcome: 'created', ticket: 1000 });
    expect(await ingest(copyTo('soporte@example.test', big))).toMatchObject({ outcome: 'too_large', ticket: 1001 });
    expect(await ingest(copyTo('ventas@example.test', big))).toMatchObject({ outcome: 'duplicate', ticket: 1001 });
    expect(await ingest(copyTo('ventas@example.test', small))).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    expect(await ticketNumbers()).toEqual([1000, 1001]);
    expect((await inboundDetails())[1]?.detail).toMatch(/Message-ID <plantilla@cliente\.mx> reused: another mail had it \(#1000\)/);
  }, 60_000);

  it('after another mail too large: a ticket each; the same mail piped and fetched is one', async () => {
    expect(await ingest(copyTo('soporte@example.test', big))).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    expect(await ingest(copyTo('ventas@example.test', big))).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    expect(await ingest(copyTo('soporte@example.test', otherBig))).toMatchObject({ outcome: 'too_large', ticket: 1001 });
    expect(await ingest(otherBig.replace(/\n/g, '\r\n'))).toMatchObject({ outcome: 'duplicate', ticket: 1001 });
    // A mail under the ID that can be parsed is not the big one either (a ticket's message: stages/reused-message-id.ts).
    expect(await ingest(small)).toMatchObject({ outcome: 'created', ticket: 1002 });
    expect(await ticketNumbers()).toEqual([1000, 1001, 1002]);
  }, 60_000);

  it('after a mail too large logged before its row kept the hash: a duplicate, as it was', async () => {
    expect(await ingest(big)).toMatchObject({ outcome: 'too_large', ticket: 1000 });
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'));
    expect(db.prepare('UPDATE "InboundLog" SET "contentFingerprint" = NULL WHERE "contentFingerprint" IS NOT NULL').run().changes).toBe(1);
    db.close();
    expect(await ingest(otherBig)).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    expect(await ticketNumbers()).toEqual([1000]);
  }, 60_000);
});
