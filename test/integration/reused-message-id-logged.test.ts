import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from '../support/cli.js';

// A mail under a reused Message-ID whose first mail left no message on a ticket, only its inbound log row (refused
// by UNKNOWN_SENDER_POLICY, an administrator's command): the log row keeps what that mail said, so another mail
// under the ID is handled on its own, and only a copy of the first is a duplicate. Through `ventanilla ingest -`.

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-reused-logged-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789', UNKNOWN_SENDER_POLICY: 'reject' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const written = (m: { id: string; from: string; date: string; subject: string; body: string }) =>
  [`From: ${m.from}`, 'To: soporte@example.test', `Subject: ${m.subject}`, `Date: ${m.date}`, `Message-ID: <${m.id}>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', m.body, ''].join('\n');

const cli = async (args: string[], input?: string) => {
  const result = await runCli(args, { env, input });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
};
const form = { id: 'contacto@tienda.example', subject: 'Contacto desde el sitio' };
const stranger = written({ ...form, from: 'Extraño <x@desconocido.com>', date: 'Tue, 24 Nov 2026 09:00:00 -0600', body: 'Quisiera una demostración.' });
const customer = written({ ...form, from: 'Luis Paz <luis@cliente.mx>', date: 'Tue, 24 Nov 2026 10:30:00 -0600', body: 'No puedo timbrar la factura 88.' });
const ingest = async (raw: string) => JSON.parse(await cli(['ingest', '-', '--json'], raw)) as { outcome: string; ticket: number | null; detail: string | null };

describe.skipIf(!cliBuilt)('a different mail under the Message-ID of a mail that left only its log row', () => {
  it('a web form: the unknown sender refused, the authorised customer after them gets a ticket, a copy of either is a duplicate', async () => {
    await cli(['contacts', 'authorise', 'luis@cliente.mx']);

    expect(await ingest(stranger)).toMatchObject({ outcome: 'rejected', ticket: null });
    expect(await ingest(customer)).toMatchObject({ outcome: 'created', ticket: 1000, detail: expect.stringMatching(/Message-ID <contacto@tienda\.example> reused/) });
    expect(await ingest(stranger)).toMatchObject({ outcome: 'duplicate', ticket: null });
    expect(await ingest(customer)).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    const tickets = JSON.parse(await cli(['tickets', 'list', '--json'])) as Array<{ number: number }>;
    expect(tickets.map((t) => t.number)).toEqual([1000]);
  });

  it("an administrator's command mail edited and sent again under its ID: the second runs too, a copy of it does not", async () => {
    await cli(['organisations', 'add', 'Empresa', '--domain', 'empresa.mx', '--admin', 'admin@empresa.mx']);
    const command = { id: 'comando-1@empresa.mx', from: 'Admin <admin@empresa.mx>', date: 'Tue, 24 Nov 2026 11:00:00 -0600', subject: 'Altas' };
    const first = written({ ...command, body: 'AUTORIZAR ana@empresa.mx' });
    const edited = written({ ...command, body: 'AUTORIZAR ana@empresa.mx\nAUTORIZAR beto@empresa.mx' });

    expect(await ingest(first)).toMatchObject({ outcome: 'admin_command', detail: expect.stringMatching(/^authorised ana@empresa\.mx;/) });
    expect(await ingest(edited)).toMatchObject({ outcome: 'admin_command', detail: expect.stringMatching(/authorised ana@empresa\.mx \(no change\); authorised beto@empresa\.mx;/) });
    expect(await ingest(edited)).toMatchObject({ outcome: 'duplicate', ticket: null });
    expect(await ingest(first)).toMatchObject({ outcome: 'duplicate', ticket: null });
    const contacts = JSON.parse(await cli(['contacts', 'list', '--json'])) as Array<{ email: string; authorised: boolean }>;
    expect(contacts.filter((c) => c.authorised).map((c) => c.email).sort()).toEqual(['admin@empresa.mx', 'ana@empresa.mx', 'beto@empresa.mx']);
  });

  it('a refusal logged before fingerprints were kept: a mail under its ID is a duplicate, as it was', async () => {
    await cli(['contacts', 'authorise', 'luis@cliente.mx']);
    expect(await ingest(stranger)).toMatchObject({ outcome: 'rejected' });
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'));
    // Only the refusal carries one (a mail that makes a ticket is hashed for nothing): cleared, as an old row has none.
    expect(db.prepare('UPDATE "InboundLog" SET "contentFingerprint" = NULL WHERE "contentFingerprint" IS NOT NULL').run().changes).toBe(1);
    db.close();
    expect(await ingest(customer)).toMatchObject({ outcome: 'duplicate', ticket: null });
  });
});
