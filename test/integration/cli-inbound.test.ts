import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// What an operator asks after mail came in: what became of each mail (`inbound`), and which ones wait in the
// quarantine and why (`quarantine`), with the SHA-256 that `raw-mail` takes, without opening the database.

let dir: string;
let env: Record<string, string>;
const noSender = Buffer.from('To: soporte@example.test\r\nSubject: sin remitente\r\nMessage-ID: <nosender@x.example>\r\n\r\nhola\r\n');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-inbound-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789' };
  if (!cliBuilt) return;
  expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { Subject: 'Factura rechazada', 'Message-ID': '<a1@cliente.mx>' } }) })).code).toBe(0);
  expect((await runCli(['ingest', '-'], { env, input: noSender })).code).toBe(0);
  expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { Subject: 'Factura rechazada', 'Message-ID': '<a1@cliente.mx>' } }) })).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!cliBuilt)('ventanilla inbound and quarantine', () => {
  it('`inbound` lists what became of each mail, newest first; --outcome filters', async () => {
    const r = await runCli(['inbound', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((row) => row.outcome)).toEqual(['duplicate', 'quarantined', 'created']);
    expect(rows[2]).toMatchObject({ source: 'stdin', from: 'ana@cliente.mx', subject: 'Factura rechazada', ticket: 1000, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const created = await runCli(['inbound', '--outcome', 'created'], { env });
    expect(created.stdout).toMatch(/created\s+#1000\s+ana@cliente\.mx\s+Factura rechazada/);
    expect(created.stdout).not.toMatch(/duplicate|quarantined/);
    expect((await runCli(['inbound', '--outcome', 'nope'], { env })).stderr).toMatch(/--outcome: .*created/);
  });

  it('`quarantine` lists the mails waiting for `replay`, with the reason and the SHA-256 `raw-mail` takes', async () => {
    const r = await runCli(['quarantine', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const [entry, ...rest] = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(rest).toEqual([]);
    const sha256 = createHash('sha256').update(noSender).digest('hex');
    expect(entry).toMatchObject({ source: 'stdin', subject: 'sin remitente', errorCode: expect.any(String), error: expect.stringMatching(/sender|From/i), sha256 });
    const plain = await runCli(['quarantine'], { env });
    expect(plain.stdout).toContain(sha256);
    expect(plain.stdout).toMatch(/1 mail waits? in the quarantine/);
    expect((await runCli(['raw-mail', sha256], { env })).stdout).toBe(noSender.toString());
  });
});
