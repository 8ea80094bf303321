import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mail } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// A listing's filter given a value it cannot have (a typo, another command's word) is refused in one line naming
// the values it takes: an empty listing with exit 0 told the operator there was nobody of that kind. And what a
// listing says of a held ticket.

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-filters-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!cliBuilt)('listing filters', () => {
  it('`subscribers list --status` takes active, pending or unsubscribed, and refuses anything else', async () => {
    expect(await runCli(['subscribers', 'add', 'ana@example.test', '--country', 'MX'], { env })).toMatchObject({ code: 0 });
    const active = await runCli(['subscribers', 'list', '--status', 'active'], { env });
    expect(active.stdout).toMatch(/^ana@example\.test\tactive/m);
    const typo = await runCli(['subscribers', 'list', '--status', 'unsubscribe'], { env });
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe('');
    expect(typo.stderr.trim()).toBe('ventanilla: INPUT_UNREADABLE: --status must be one of active, pending, unsubscribed (got "unsubscribe")');
  });

  // CONFIG_INVALID sent the operator to their environment and .env for a word typed on the command line.
  it('a bad --status of `tickets list` or --now of `scheduler run-once` is called bad input, not a bad configuration', async () => {
    const status = await runCli(['tickets', 'list', '--status', 'opened'], { env });
    expect({ code: status.code, stderr: status.stderr.trim() }).toEqual({ code: 1, stderr: 'ventanilla: INPUT_UNREADABLE: --status must be one of new, open, pending, on_hold, solved, closed (got "opened")' });
    const now = await runCli(['scheduler', 'run-once', '--now', 'tomorrow'], { env });
    expect({ code: now.code, stderr: now.stderr.trim() }).toEqual({ code: 1, stderr: 'ventanilla: INPUT_UNREADABLE: --now must be an ISO 8601 time, e.g. 2026-12-01T10:00:00-06:00 (got "tomorrow")' });
  });
});

// Review (parsing2): `tickets list` marked every held ticket "[held: sender not authorised]", also one held because
// its From was not believed (two From fields, a header block not ended within its first MiB), whose sender may be
// an authorised customer: the desk was sent to authorise someone authorised, which releases nothing. Such a ticket
// now reads "[held: From not believed]", and the JSON says so (`heldFromNotBelieved`).
describe.skipIf(!cliBuilt)('tickets list, a held ticket', () => {
  it('held as not believed reads "[held: From not believed]"; held for authorisation as before', async () => {
    const hold = { ...env, TRUSTED_AUTHSERV_IDS: 'mx.example.test', UNKNOWN_SENDER_POLICY: 'hold' };
    expect((await runCli(['organisations', 'add', 'Empresa', '--domain', 'empresa.mx', '--admin', 'admin@empresa.mx'], { env: hold })).code).toBe(0);
    expect((await runCli(['contacts', 'authorise', 'luis@empresa.mx'], { env: hold })).code).toBe(0);
    const passed = { 'Authentication-Results': 'mx.example.test; dkim=pass header.d=empresa.mx; dmarc=pass header.from=empresa.mx' };
    const twoFroms = mail({ headers: { From: 'luis@empresa.mx\r\nFrom: otro@evil.example', Subject: 'Cambio de cuenta', ...passed } });
    expect((await runCli(['ingest', '-'], { env: hold, input: twoFroms })).code).toBe(0);
    const stranger = mail({ headers: { From: 'pepe@empresa.mx', Subject: 'Consulta', 'Authentication-Results': 'mx.example.test; dkim=pass header.d=empresa.mx' } });
    expect((await runCli(['ingest', '-'], { env: hold, input: stranger })).code).toBe(0);
    const list = await runCli(['tickets', 'list'], { env: hold });
    expect(list.stdout).toMatch(/^#1000\t.*luis@empresa\.mx\tCambio de cuenta \[held: From not believed\]$/m);
    expect(list.stdout).toMatch(/^#1001\t.*pepe@empresa\.mx\tConsulta \[held: sender not authorised\]$/m);
    const json = JSON.parse((await runCli(['tickets', 'list', '--json'], { env: hold })).stdout) as Array<{ number: number; held: boolean; heldFromNotBelieved: boolean }>;
    expect(json.map((t) => [t.number, t.held, t.heldFromNotBelieved]).sort()).toEqual([[1000, true, true], [1001, true, false]]);
  });
});
