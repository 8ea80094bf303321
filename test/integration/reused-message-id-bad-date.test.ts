import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from '../support/cli.js';

// A mail whose Date header cannot be read ("Lun, 19 Ene 2026": a Spanish mailer's day and month names) arrives
// twice, with other trace fields (delivered to two of our addresses, piped and fetched). mailparser gives such a
// Date the instant it parses the mail, so each copy had another one: compared by its content under its recorded
// Message-ID (stages/reused-message-id.ts), the second copy was taken for another mail: a second ticket, a second
// acknowledgement.

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-bad-date-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const written = [
  'From: Ana Gil <ana@cliente.mx>',
  'To: soporte@example.test, ventas@example.test',
  'Subject: No puedo timbrar la factura 88',
  'Date: Lun, 19 Ene 2026 10:00:00 -0600',
  'Message-ID: <factura-88@cliente.mx>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'El PAC responde CFDI40102.',
  '',
].join('\n');

const copyTo = (address: string) => [`Delivered-To: ${address}`, `Received: from mx.cliente.mx by mx.example.test for <${address}>;`, '\tMon, 23 Nov 2026 10:00:02 -0600', written].join('\n');

describe.skipIf(!cliBuilt)('a mail with an unreadable Date delivered twice', () => {
  it('is one ticket: the second copy is a duplicate', async () => {
    const ingest = async (raw: string) => {
      const result = await runCli(['ingest', '-', '--json'], { env, input: raw });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { outcome: string; ticket: number | null };
    };
    expect(await ingest(copyTo('soporte@example.test'))).toMatchObject({ outcome: 'created', ticket: 1000 });
    expect(await ingest(copyTo('ventas@example.test'))).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    const tickets = JSON.parse((await runCli(['tickets', 'list', '--json'], { env })).stdout) as Array<{ number: number }>;
    expect(tickets.map((t) => t.number)).toEqual([1000]);
  }, 30_000);
});
