import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from '../support/cli.js';

// A reporting user, or a read-only snapshot of DATA_DIR (a backup, a mount): the commands that only read work
// on a DATA_DIR and a database this user may read but not write. They open the database read-only, migrate
// nothing and generate no key; the commands that write stop with one line naming DATA_DIR.

// Root writes anywhere: as root the CLI runs as nobody (65534), else as this user.
const asAnotherUser = process.getuid?.() === 0 ? { uid: 65534 } : {};

const MAIL = 'From: Ana <ana@cliente.mx>\r\nTo: soporte@example.test\r\nSubject: No puedo facturar\r\nMessage-ID: <ro-1@cliente.mx>\r\nDate: Mon, 23 Nov 2026 10:00:00 -0600\r\n\r\nEl portal no carga.\r\n';

let dir: string;
let data: string;
let env: Record<string, string>;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-read-only-'));
  data = join(dir, 'data');
  env = { DATA_DIR: data, SUPPORT_ADDRESS: 'soporte@example.test' };
  const ingested = await runCli(['ingest', '-'], { env, input: MAIL });
  expect(ingested.code, ingested.stderr).toBe(0);
  rmSync(join(data, 'secret.key')); // no key to read: a reading command must not generate one
  chmodSync(dir, 0o755);
});
afterEach(() => {
  chmodSync(data, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

/** DATA_DIR as a read-only snapshot: every file readable by anyone, nothing writable by anyone but root. */
function makeReadOnly(): void {
  for (const name of readdirSync(data, { recursive: true }) as string[]) chmodSync(join(data, name), 0o444);
  for (const sub of ['blobs', 'outbox']) if (existsSync(join(data, sub))) chmodSync(join(data, sub), 0o555);
  chmodSync(data, 0o555);
}

const READING = [
  ['tickets list', /^#1000\topen|^#1000\tnew/m],
  ['tickets show 1000', /^#1000 No puedo facturar$/m],
  ['outbox list', /mails/],
  ['inbound', /created/],
  ['quarantine', /.*/],
  ['contacts list', /ana@cliente\.mx/],
  ['organisations list', /.*/],
  ['survey report', /.*/],
  ['subscribers list', /0 subscribers/],
  ['suppressions list', /0 addresses/],
  ['bulletin list', /0 bulletins/],
] as const;

describe.skipIf(!cliBuilt)('reading commands on a DATA_DIR this user may not write', () => {
  it('work while the daemon has the database open (its -wal and -shm files beside it), and write nothing', async () => {
    // The daemon's connection, as the daemon keeps it: its -wal and -shm files exist while it runs.
    const daemon = new Database(join(data, 'ventanilla.db'));
    daemon.prepare('SELECT count(*) FROM "Ticket"').get();
    try {
      makeReadOnly();
      const before = readdirSync(data).sort();
      for (const [command, expected] of READING) {
        const result = await runCli(command.split(' '), { env, ...asAnotherUser });
        expect(result.code, `${command}: ${result.stderr}`).toBe(0);
        expect(result.stdout, command).toMatch(expected);
      }
      expect(readdirSync(data).sort()).toEqual(before);
      expect(existsSync(join(data, 'secret.key'))).toBe(false);
    } finally {
      daemon.close();
    }
  });

  it('commands that write still stop with one line naming DATA_DIR', async () => {
    makeReadOnly();
    for (const command of ['tickets set 1000 --status pending', 'migrate', 'contacts authorise bea@cliente.mx']) {
      const result = await runCli(command.split(' '), { env, ...asAnotherUser });
      expect(result.code, command).toBe(1);
      expect(result.stderr.trim(), command).toMatch(new RegExp(`^ventanilla: CONFIG_INVALID: DATA_DIR: cannot write in ${data} \\(EACCES\\)[^\\n]*$`));
    }
  });

  it('a snapshot closed cleanly (no -shm file) that SQLite cannot read here is refused in one line saying why and what to do', async () => {
    makeReadOnly();
    const result = await runCli(['tickets', 'list'], { env, ...asAnotherUser });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr.trim()).toMatch(new RegExp(`^ventanilla: CONFIG_INVALID: cannot read ${join(data, 'ventanilla.db')} here: SQLite reads .*-shm[^\\n]*$`));
  });
});
