import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from '../support/cli.js';

// A mail whose Date header has no zone ("Mon, 19 Jan 2026 10:00:00") was dated in the zone of the process that read
// it: the daemon on a UTC server and an operator's `ventanilla ingest` in another zone gave one mail two dates, and
// the second copy was taken for another mail under the same Message-ID (a second ticket). It is read on the desk's
// clock (BUSINESS_TIMEZONE), whichever server reads it.

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-zoneless-date-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const written = [
  'From: Ana Gil <ana@cliente.mx>',
  'To: soporte@example.test, ventas@example.test',
  'Subject: No puedo timbrar la factura 88',
  'Date: Mon, 19 Jan 2026 10:00:00',
  'Message-ID: <factura-88-sin-zona@cliente.mx>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'El PAC responde CFDI40102.',
  '',
].join('\n');
const copyTo = (address: string) => [`Delivered-To: ${address}`, written].join('\n');

const ingestIn = async (zone: string, raw: string, extra: Record<string, string> = {}) => {
  const result = await runCli(['ingest', '-', '--json'], { env: { ...env, ...extra, TZ: zone }, input: raw });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { outcome: string; ticket: number | null };
};
const messageDates = async () => {
  const shown = await runCli(['tickets', 'show', '1000', '--json'], { env: { ...env, TZ: 'UTC' } });
  expect(shown.code, shown.stderr).toBe(0);
  return (JSON.parse(shown.stdout) as { messages: Array<{ date: string | null }> }).messages.map((m) => m.date);
};

describe.skipIf(!cliBuilt)('a mail whose Date header has no time zone', () => {
  it('is dated on the desk clock on any server: read in UTC and in Tokyo, one ticket, one date', async () => {
    expect(await ingestIn('UTC', copyTo('soporte@example.test'))).toMatchObject({ outcome: 'created', ticket: 1000 });
    expect(await ingestIn('Asia/Tokyo', copyTo('ventas@example.test'))).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    // 10:00 in Mexico City (UTC-6 in January), the default BUSINESS_TIMEZONE.
    expect((await messageDates())[0]).toBe('2026-01-19T16:00:00.000Z');
  }, 30_000);

  it('follows BUSINESS_TIMEZONE', async () => {
    expect(await ingestIn('Asia/Tokyo', written, { BUSINESS_TIMEZONE: 'Europe/Madrid' })).toMatchObject({ outcome: 'created', ticket: 1000 });
    expect((await messageDates())[0]).toBe('2026-01-19T09:00:00.000Z');
  }, 30_000);
});
