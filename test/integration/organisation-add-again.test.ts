import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addOrganisation, type NewOrganisation } from '../../src/lifecycle/access-actions.js';
import { listOrganisations } from '../../src/store/access-repo.js';
import { inTransaction } from '../../src/store/database.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';

// `organisations add` run again, as a setup script does: the same organisation is found as it was (exit 0, nothing
// changed); the same name with other values is refused, saying which, and nothing changes either.

let app: TestApp;
afterEach(async () => app?.dispose());
const now = new Date('2026-11-24T16:00:00Z');
const empresa = { name: 'Empresa S.A.', domains: ['empresa.mx', 'empresa.com'], country: 'MX', plan: 'prime', admin: 'admin@empresa.mx' };
const add = (input: Partial<NewOrganisation>) => inTransaction(app.db, (tx) => addOrganisation(tx, app.lifecycle, { ...empresa, actor: 'agent:test', now, ...input }));
const listed = { name: 'Empresa S.A.', country: 'MX', plan: 'prime', domains: ['empresa.com', 'empresa.mx'], admins: ['admin@empresa.mx'], contacts: 1, authorised: 1 };

describe('an organisation added again', () => {
  it('with the same values (domains in any order or case, with or without its administrator): unchanged', async () => {
    app = await createTestApp();
    expect(await add({})).toMatchObject({ unchanged: false });
    expect(await add({})).toMatchObject({ unchanged: true, linked: 0, admin: null });
    expect(await add({ domains: ['Empresa.COM', '@empresa.mx'], country: 'mx' })).toMatchObject({ unchanged: true });
    expect(await add({ admin: null })).toMatchObject({ unchanged: true });
    expect(await listOrganisations(app.db)).toEqual([listed]);
  });

  it('with other values, or a domain of another organisation: refused, saying which; nothing changes', async () => {
    app = await createTestApp();
    await add({});
    await inTransaction(app.db, (tx) => addOrganisation(tx, app.lifecycle, { name: 'Otra', domains: ['otra.mx'], actor: 'agent:test', now }));
    const refused = (message: RegExp) => expect.objectContaining({ code: 'INPUT_UNREADABLE', message: expect.stringMatching(message) });
    await expect(add({ domains: ['empresa.mx'] })).rejects.toEqual(refused(/^An organisation named "Empresa S\.A\." already exists with other values: domains empresa\.com, empresa\.mx \(given: empresa\.mx\); nothing changed/));
    await expect(add({ plan: 'standard', country: null })).rejects.toEqual(refused(/other values: country MX \(given: none\), plan prime \(given: standard\)/));
    await expect(add({ admin: 'otro@empresa.mx' })).rejects.toEqual(refused(/other values: administrators admin@empresa\.mx \(given: otro@empresa\.mx\)/));
    await expect(add({ name: 'Tercera', domains: ['tercera.mx', 'otra.mx'], admin: null })).rejects.toEqual(refused(/Domain already belongs to another organisation: otra\.mx \(Otra\)/));
    expect((await listOrganisations(app.db)).map((o) => o.name)).toEqual(['Empresa S.A.', 'Otra']);
    expect((await listOrganisations(app.db))[0]).toEqual(listed);
  });
});

describe.skipIf(!cliBuilt)('`organisations add` run twice', () => {
  it('exits 0 saying it exists, unchanged; with other values exits 1 saying which', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ventanilla-org-again-'));
    const env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789' };
    const args = ['organisations', 'add', 'Empresa S.A.', '--domain', 'empresa.mx', '--country', 'mx', '--plan', 'prime'];
    try {
      expect(await runCli(args, { env })).toMatchObject({ code: 0, stdout: 'organisation "Empresa S.A." added (empresa.mx)\n' });
      expect(await runCli(args, { env })).toMatchObject({ code: 0, stdout: 'organisation "Empresa S.A." already exists, unchanged (empresa.mx)\n', stderr: '' });
      const other = await runCli([...args, '--domain', 'empresa.com'], { env });
      expect(other).toMatchObject({ code: 1, stdout: '' });
      expect(other.stderr).toContain('ventanilla: INPUT_UNREADABLE: An organisation named "Empresa S.A." already exists with other values: domains empresa.mx (given: empresa.com, empresa.mx); nothing changed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
