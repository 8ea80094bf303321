import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { startDaemon } from '../support/daemon.js';

// What an operator installing Ventanilla meets before any mail: the version, and a start-up that fails says
// why in one line, with a non-zero exit code and no stack trace, instead of hanging or naming the wrong thing.

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-operator-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const oneLineError = (stderr: string) => {
  expect(stderr).not.toMatch(/\n\s+at /);
  return stderr.trim();
};

describe.skipIf(!cliBuilt)('the CLI at start-up, as an operator meets it', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    expect(result.stdout.trim()).toBe(version);
    expect(result.code).toBe(0);
  });

  it('`start` on an HTTP port already in use stops with a line naming HTTP_PORT, instead of running on', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const daemon = startDaemon({ ...env, HTTP_PORT: String(port), LOG_LEVEL: 'warn' });
    // 'close', not 'exit': its output read to the end (its last line is read below), not only the process gone.
    const exited = new Promise<number | null>((resolve) => daemon.child.once('close', (code) => resolve(code)));
    const timeout = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 15_000));
    try {
      expect(await Promise.race([exited, timeout])).toBe(1);
      const lastLine = daemon.log().trim().split('\n').at(-1) ?? '';
      expect(lastLine).toMatch(/HTTP_PORT/);
      expect(lastLine).toContain(String(port));
    } finally {
      await daemon.kill('SIGKILL');
      taken.close();
    }
  });

  it('`start` on an HTTP_HOST that is no address of this machine names HTTP_HOST, not HTTP_PORT', async () => {
    // 192.0.2.1: TEST-NET-1 (RFC 5737), never an address of this machine.
    const daemon = startDaemon({ ...env, HTTP_HOST: '192.0.2.1', LOG_LEVEL: 'warn' });
    const exited = new Promise<number | null>((resolve) => daemon.child.once('close', (code) => resolve(code)));
    try {
      expect(await exited).toBe(1);
      expect(daemon.log().trim().split('\n').at(-1)).toBe('ventanilla: CONFIG_INVALID: HTTP_HOST: 192.0.2.1 is no address of this machine: set HTTP_HOST to one of its addresses, or 0.0.0.0');
    } finally {
      await daemon.kill('SIGKILL');
    }
  });

  // Root writes anywhere: as root the CLI runs as nobody (65534), else as this user, in a folder it may not write.
  const asAnotherUser = process.getuid?.() === 0 ? { uid: 65534 } : {};

  it.each(['tickets list', 'migrate'])('`%s` with a DATA_DIR it may not write in names DATA_DIR, not secret.key or SQLite', async (command) => {
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly);
    chmodSync(dir, 0o755);
    chmodSync(readOnly, 0o555);
    const extras: Array<Record<string, string>> = [{}, { SECRET_KEY: 'operator-test-secret-0123456789' }];
    for (const extra of extras) {
      const result = await runCli(command.split(' '), { env: { ...env, ...extra, DATA_DIR: readOnly }, ...asAnotherUser });
      expect(result.code).toBe(1);
      expect(oneLineError(result.stderr)).toMatch(new RegExp(`^ventanilla: CONFIG_INVALID: DATA_DIR: cannot write in ${readOnly} \\(EACCES\\)`));
    }
  });

  // Node's recursive mkdir loops for ever where mkdir answers ENOENT under a parent that exists (/proc): the command
  // hung, silent, instead of saying it cannot make the folder.
  it.each([
    ['DATA_DIR', '/proc/ventanilla'],
    ['DATA_DIR', '/proc/ventanilla/data'],
    ['DATABASE_URL', 'file:/proc/ventanilla/ventanilla.db'],
  ])('`migrate` and `tickets list` with %s=%s that cannot be made stop at once, naming it and why', async (variable, value) => {
    const folder = value.replace(/^file:/, '').replace(/\/ventanilla\.db$/, '');
    // The folder mkdir failed on, when it is not the one asked for.
    const making = folder === '/proc/ventanilla' ? '' : ' making /proc/ventanilla';
    for (const command of ['migrate', 'tickets list']) {
      const result = await runCli(command.split(' '), { env: { ...env, [variable]: value }, timeoutMs: 10_000 });
      expect(result.code, `${command} still running after 10 s`).toBe(1);
      const reason = `${variable}: cannot write in ${folder} (ENOENT${making}): make it a folder this user`;
      expect(oneLineError(result.stderr)).toMatch(new RegExp(`^ventanilla: CONFIG_INVALID: ${reason.replace(/[()]/g, '\\$&')} \\(.+\\) may write in, or set ${variable} to one$`));
    }
  });

  it('reads .env in the working directory (one saved with a byte order mark too), the environment winning over it', async () => {
    // The .env's address would be refused: the command passes only if the environment's is the one read. Saved
    // by Windows' Notepad: a byte order mark first, CRLF line ends (the mark hid its first variable).
    writeFileSync(join(dir, '.env'), `\uFEFFDATA_DIR=${join(dir, 'from-dotenv')}\r\nSUPPORT_ADDRESS=not-an-address\r\n# a comment\r\n`);
    const result = await runCli(['migrate'], { env: { SUPPORT_ADDRESS: 'soporte@example.test' }, cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(dir, 'from-dotenv', 'ventanilla.db'))).toBe(true);
  });

  // In .env (Node's parser) a "#" ends an unquoted value wherever it stands: a password "Pa55#word" was read as
  // "Pa55", and the server's refusal was all the operator saw. A "#" after a space is a comment, as meant.
  it('warns of an unquoted .env value cut at a "#" that looks part of it, naming the variable, not the value', async () => {
    writeFileSync(join(dir, '.env'), `DATA_DIR=${join(dir, 'data')}\nSMTP_HOST=smtp.example.test\nSMTP_PASSWORD=Pa55#word\nSUPPORT_NAME=Soporte # the display name\nBULLETIN_NAME="Boletín #1"\n`);
    const result = await runCli(['tickets', 'list'], { env: {}, cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.trim().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(warnings).toEqual([expect.stringMatching(/^SMTP_PASSWORD in .*\.env: read up to its "#"/)]);
    expect(result.stderr).not.toContain('word');
  });

  // A login set without its server is warned about at each command, in the log (stderr): a script reading --json
  // on stdout must get the JSON alone, and the warning once, naming the variables, never their values.
  it('warns of IMAP and SMTP logins without their servers on stderr, once each, leaving --json stdout parseable', async () => {
    const result = await runCli(['tickets', 'list', '--json'], { env: { ...env, IMAP_USER: 'soporte@example.test', IMAP_PASSWORD: 's3cret-imap', SMTP_PASSWORD: 's3cret-smtp' } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
    const warnings = result.stderr.trim().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(warnings).toEqual([expect.stringMatching(/^IMAP_USER and IMAP_PASSWORD are set but IMAP_HOST is not/), expect.stringMatching(/^SMTP_PASSWORD is set but SMTP_HOST is not/)]);
    expect(result.stderr).not.toContain('s3cret');
  });

  // A .env kept from other users (mode 600, as credentials should be) read by the daemon's user: Node's
  // loadEnvFile said "ENOENT: no such file or directory, open '.env'" of a file that is there; a folder named
  // .env printed a TypeError and its stack.
  it('names a .env it cannot read, with its full path and why, instead of "no such file" or a stack trace', async () => {
    const dotenv = join(dir, '.env');
    writeFileSync(dotenv, `DATA_DIR=${join(dir, 'data')}\n`, { mode: 0o600 });
    chmodSync(dir, 0o755);
    if (asAnotherUser.uid === undefined) chmodSync(dotenv, 0o000);
    const unreadable = await runCli(['tickets', 'list'], { env: {}, cwd: dir, ...asAnotherUser });
    expect(unreadable.code).toBe(1);
    expect(oneLineError(unreadable.stderr)).toMatch(new RegExp(`^ventanilla: CONFIG_INVALID: \\.env: cannot read ${dotenv} \\(EACCES\\)`));

    rmSync(dotenv);
    mkdirSync(dotenv);
    const folder = await runCli(['tickets', 'list'], { env: {}, cwd: dir });
    expect(folder.code).toBe(1);
    expect(oneLineError(folder.stderr)).toMatch(new RegExp(`^ventanilla: CONFIG_INVALID: \\.env: cannot read ${dotenv} \\(EISDIR\\)`));
  });

  // DATABASE_URL naming the data folder (file:./data), or a file that is no SQLite database (another file named by
  // mistake, a damaged header): SQLite's "unable to open database file" or "file is not a database", with a stack.
  it.each(['a folder', 'a text file'])('a DATABASE_URL naming %s is refused in one line that names it', async (what) => {
    const target = join(dir, what === 'a folder' ? 'data' : 'notes.txt');
    if (what === 'a folder') mkdirSync(target, { recursive: true });
    else writeFileSync(target, 'not a database\n'.repeat(100));
    for (const command of ['migrate', 'tickets list']) {
      const result = await runCli(command.split(' '), { env: { ...env, DATABASE_URL: `file:${target}` } });
      expect(result.code).toBe(1);
      expect(oneLineError(result.stderr)).toMatch(new RegExp(`^ventanilla: CONFIG_INVALID: DATABASE_URL: ${target} is ${what === 'a folder' ? 'a folder' : 'not a SQLite database'}`));
    }
  });

  // SECRET_KEY set on an install that ran on its generated secret.key (moving the secrets to the environment, a
  // container): the links and Reply-To addresses of every mail sent before stop working, and nothing said so.
  it('warns when SECRET_KEY is not the key DATA_DIR/secret.key signed the mail sent before with', async () => {
    expect((await runCli(['migrate'], { env })).code).toBe(0);
    expect((await runCli(['scheduler', 'run-once'], { env })).code).toBe(0); // generates secret.key (a listing writes none)
    const file = join(dir, 'data', 'secret.key');
    const generated = readFileSync(file, 'utf8').trim();
    const other = await runCli(['tickets', 'list'], { env: { ...env, SECRET_KEY: 'a-new-secret-0123456789' } });
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toContain(`SECRET_KEY is not the key in ${file}`);
    expect(other.stderr).not.toContain(generated);
    expect(other.stderr).not.toContain('a-new-secret');
    const same = await runCli(['tickets', 'list'], { env: { ...env, SECRET_KEY: generated } });
    expect(same.stderr).toBe('');
  });

  // `sudo ventanilla migrate` before the first start: the database is root's, mode 600, in the daemon's own folder.
  // The daemon then stopped on SQLite's "unable to open database file" (or, for a file it may only read, "attempt
  // to write a readonly database") with a stack trace, naming neither the file nor whose it is.
  it.each(['tickets list', 'migrate', 'ingest -'])('`%s` on a database file this user may not write names the file and its owner, not SQLite', async (command) => {
    const data = join(dir, 'data');
    const migrated = await runCli(['migrate'], { env });
    expect(migrated.code, migrated.stderr).toBe(0);
    const database = join(data, 'ventanilla.db');
    chmodSync(dir, 0o755);
    if (asAnotherUser.uid === undefined) chmodSync(database, 0o400);
    else chmodSync(data, 0o777);
    const result = await runCli(command.split(' '), { env, ...asAnotherUser });
    if (command === 'ingest -') {
      expect(result.code).toBe(75);
      expect(result.stderr).toContain(`cannot read and write ${database}`);
      return;
    }
    // As root: root's file read by nobody. Else: this user's own file, made read-only, which a listing reads.
    if (asAnotherUser.uid === undefined && command === 'tickets list') return void expect(result.code, result.stderr).toBe(0);
    expect(result.code).toBe(1);
    const why = asAnotherUser.uid === undefined ? `it is this user's, made read-only\\): chmod u\\+rw ${database}$` : 'it belongs to uid 0\\): .*chown';
    const what = command === 'tickets list' ? 'read' : 'read and write';
    expect(oneLineError(result.stderr)).toMatch(new RegExp(`^ventanilla: CONFIG_INVALID: DATA_DIR: cannot ${what} ${database} \\(EACCES; ${why}`));
  });

  // A listing run while the database file was read-only made its -wal and -shm read-only too: the file made
  // writable again, every command still failed on "attempt to write a readonly database". (A listing opens the
  // database read-only, and reads it through a read-only -shm all the same.)
  it('names a read-only -shm file of its own user with the chmod that mends it', async () => {
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o777 });
    chmodSync(data, 0o777);
    chmodSync(dir, 0o755);
    expect((await runCli(['migrate'], { env, ...asAnotherUser })).code).toBe(0);
    const shm = join(data, 'ventanilla.db-shm');
    writeFileSync(shm, Buffer.alloc(32768));
    if (asAnotherUser.uid !== undefined) chownSync(shm, asAnotherUser.uid, asAnotherUser.uid);
    chmodSync(shm, 0o444);
    const listing = await runCli(['tickets', 'list'], { env, ...asAnotherUser });
    expect(listing.code, listing.stderr).toBe(0);
    const result = await runCli(['migrate'], { env, ...asAnotherUser });
    expect(result.code).toBe(1);
    expect(oneLineError(result.stderr)).toBe(`ventanilla: CONFIG_INVALID: DATA_DIR: cannot read and write ${shm} (EACCES; it is this user's, made read-only): chmod u+rw ${shm}`);
  });
});
