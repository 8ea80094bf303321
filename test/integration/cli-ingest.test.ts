import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliBuilt, cliPath, runCli } from '../support/cli.js';
import { mail } from '../support/app.js';
import { mislabelledMail } from '../support/mislabelled-mail.js';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-cli-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789' };
});
afterEach(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

const attachmentMail = () =>
  Buffer.from(
    [
      'From: Ana <ana@cliente.mx>',
      'To: soporte@example.test',
      'Subject: =?UTF-8?Q?Factura_con_acentos_=C3=B1?=',
      'Message-ID: <att-1@cliente.mx>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Adjunto la factura, a=F1o 2026.',
      '--b1',
      'Content-Type: application/pdf; name="../../etc/factura.pdf"',
      'Content-Disposition: attachment; filename="../../etc/factura.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 fake').toString('base64'),
      '--b1--',
      '',
    ].join('\r\n'),
  );

describe.skipIf(!cliBuilt)('ventanilla ingest (MTA pipe, files, Maildir) and tickets', () => {
  it('`ingest -` exits 0 once stored, and the ticket shows decoded text and a safe attachment name', async () => {
    const r = await runCli(['ingest', '-', '--json'], { env, input: attachmentMail() });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'created', ticket: 1000 });
    const show = await runCli(['tickets', 'show', '1000', '--json'], { env });
    const ticket = JSON.parse(show.stdout);
    expect(ticket).toMatchObject({ number: 1000, subject: 'Factura con acentos ñ', status: 'new', requester: 'ana@cliente.mx', followUpOf: null });
    expect(ticket.messages[0].text).toContain('Adjunto la factura, año 2026.');
    expect(ticket.messages[0].attachments).toEqual([
      { filename: 'factura.pdf', contentType: 'application/pdf', size: 13, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), inline: false },
    ]);
  });

  it('`ingest -` of a mail above 4 MiB whose text is Latin-1 labelled UTF-8 shows its letters, as a small one does', async () => {
    const shown = async (id: string, size: number) => {
      const r = await runCli(['ingest', '-', '--json'], { env, input: mislabelledMail(id, { name: 'respaldo.zip', content: Buffer.alloc(size, 'respaldo ') }) });
      expect(r.code, r.stderr).toBe(0);
      const ticket = JSON.parse((await runCli(['tickets', 'show', String(JSON.parse(r.stdout).ticket), '--json'], { env })).stdout);
      const { text, fromName, attachments } = ticket.messages[0];
      return { subject: ticket.subject, text, fromName, attachments: attachments.map((a: { filename: string; size: number }) => [a.filename, a.size]) };
    };
    const expected = { subject: 'Facturación electrónica rechazada', text: 'Mañana envío la factura; el año pasado la recepción no falló.', fromName: 'José Muñoz' };
    expect(await shown('cli-small', 1000)).toEqual({ ...expected, attachments: [['respaldo.zip', 1000]] });
    expect(await shown('cli-big', 4 * 1024 * 1024)).toEqual({ ...expected, attachments: [['respaldo.zip', 4 * 1024 * 1024]] });
  });

  it('`ingest -` exits 75 (EX_TEMPFAIL) when it cannot store the mail, so the MTA retries', async () => {
    mkdirSync(env.DATA_DIR as string);
    writeFileSync(join(env.DATA_DIR as string, 'ventanilla.db'), 'this is not a database');
    const r = await runCli(['ingest', '-'], { env, input: mail() });
    expect(r.code).toBe(75);
    // The form of every other command's failure (README "Command line"), on one line for the MTA's log: it was
    // "ventanilla: temporary failure, the MTA should retry: ...", which a script reading `<CODE>` could not parse.
    expect(r.stderr).toMatch(/^ventanilla: CONFIG_INVALID: DATA_DIR: \S+ventanilla\.db is not a SQLite database .* \(nothing was stored: exit 75, the MTA keeps the mail and retries it\)\n$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('`ingest -` never exits 1 (a bounce to the customer, for Postfix): a wrong pipe command or no mail on stdin is 75', async () => {
    // A master.cf line copied with Postfix's usual `${recipient}` argument: every mail would bounce on exit 1.
    const extra = await runCli(['ingest', '-', 'soporte@example.test'], { env, input: mail() });
    expect({ code: extra.code, err: extra.stderr }).toMatchObject({ code: 75, err: expect.stringMatching(/^ventanilla: INPUT_UNREADABLE: `ingest -` reads one mail from stdin and takes no other paths\. \(nothing was stored: exit 75/) });
    // An option this version does not know (a pipe line written for another version): commander's exit 1 too. Its
    // line has the form of the pipe's other failures, on one line for the MTA's log (it was commander's own
    // "error: unknown option", then the command's whole help, a dozen lines in the mail log).
    const unknownOption = await runCli(['ingest', '-', '--recipient=soporte@example.test'], { env, input: mail() });
    expect({ code: unknownOption.code, out: unknownOption.stdout, err: unknownOption.stderr }).toEqual({
      code: 75,
      out: '',
      err: "ventanilla: INPUT_UNREADABLE: unknown option '--recipient=soporte@example.test': `ingest -` takes only --json; check the pipe command. (nothing was stored: exit 75, the MTA keeps the mail and retries it)\n",
    });
    // Nothing on stdin is no mail at all: not a 0-byte mail quarantined as one "without a sender".
    const empty = await runCli(['ingest', '-', '--json'], { env, input: '' });
    expect({ code: empty.code, out: empty.stdout, err: empty.stderr }).toMatchObject({ code: 75, out: '', err: expect.stringMatching(/no mail on stdin/) });
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM "InboundLog"').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('imports .eml files and Maildir folders, each mail once', async () => {
    const maildir = join(dir, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    const md1 = mail({ headers: { 'Message-ID': '<md1@x>' } });
    writeFileSync(join(maildir, 'new', '1.host'), md1);
    writeFileSync(join(maildir, 'cur', '2.host:2,S'), mail({ headers: { 'Message-ID': '<md2@x>', 'In-Reply-To': '<md1@x>' } }));
    writeFileSync(join(maildir, 'tmp', '3.host'), mail({ headers: { 'Message-ID': '<in-delivery@x>' } }));
    // The same mail saved as a file too (another mail under its Message-ID would be one of its own: reused-message-id.test.ts).
    writeFileSync(join(dir, 'single.eml'), md1);
    const r = await runCli(['ingest', maildir, join(dir, 'single.eml'), '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const outcomes = r.stdout.trim().split('\n').map((l) => JSON.parse(l).outcome);
    expect(outcomes).toEqual(['created', 'comment', 'duplicate']);
    const list = JSON.parse((await runCli(['tickets', 'list', '--json'], { env })).stdout);
    expect(list).toHaveLength(1);
    expect(Object.keys(list[0]).sort()).toEqual(['ccs', 'createdAt', 'escalationLevel', 'firstRespondedAt', 'firstResponseDueAt', 'followUpOf', 'held', 'heldFromNotBelieved', 'impact', 'number', 'priority', 'requester', 'resolutionDueAt', 'status', 'subject', 'updatedAt', 'urgency']);
  });

  // A folder copied from a Windows share or unzipped from a Windows archive names its files in Latin-1: read back
  // as UTF-8 the name was no longer the file's, and each mail was "skipped: it vanished before it was read", exit 0.
  it('imports a file whose name is not UTF-8 (Latin-1 from a Windows share), in a folder of such a name too', async () => {
    const folder = Buffer.from(join(dir, 'a\xf1o-2026'), 'latin1');
    mkdirSync(folder);
    writeFileSync(Buffer.concat([folder, Buffer.from('/factura-a\xf1o.eml', 'latin1')]), mail({ headers: { Subject: 'Factura del año', 'Message-ID': '<latin1-name@cliente.mx>' } }));
    const r = await runCli(['ingest', '--json', dir], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('vanished');
    const [line] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; outcome: string });
    expect(line).toMatchObject({ outcome: 'created', file: expect.stringContaining('factura-a') });
  });

  it('an oversize mail is kept raw with the outcome too_large, never dropped', async () => {
    const big = mail({ body: 'x'.repeat(5000) });
    const r = await runCli(['ingest', '-', '--json'], { env: { ...env, MAX_MESSAGE_BYTES: '1000' }, input: big });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).outcome).toBe('too_large');
    const again = await runCli(['ingest', '-', '--json'], { env: { ...env, MAX_MESSAGE_BYTES: '1000' }, input: big });
    expect(JSON.parse(again.stdout).outcome).toBe('duplicate');
  });

  it('the sender of an oversize mail reads its size and the limit in their language', async () => {
    const big = mail({ body: 'x'.repeat(1.5 * 1024 * 1024) });
    const limited = { ...env, MAX_MESSAGE_BYTES: String(1024 * 1024) };
    expect(JSON.parse((await runCli(['ingest', '-', '--json'], { env: limited, input: big })).stdout).outcome).toBe('too_large');
    expect((await runCli(['scheduler', 'run-once'], { env: limited })).code).toBe(0);
    const outbox = join(env.DATA_DIR as string, 'outbox');
    const [notice] = await Promise.all(readdirSync(outbox).filter((f) => f.endsWith('.eml')).map(async (f) => (await simpleParser(readFileSync(join(outbox, f)))).text ?? ''));
    // Was "su tamaño (1.5 MB (1.0 MB max.))": an English word, parentheses in parentheses. (Mexico writes 1.5.)
    expect(notice).toContain('su tamaño (1.5 MB; el límite es de 1 MB) supera');
  });

  it('an unprocessable mail is quarantined, and `replay` processes it once it can be', async () => {
    const noSender = mail({ headers: { From: null } });
    const r = await runCli(['ingest', '-', '--json'], { env, input: noSender });
    expect(JSON.parse(r.stdout).outcome).toBe('quarantined');
    // Still unprocessable: replay records it again rather than losing it.
    const replay = await runCli(['replay'], { env });
    expect(replay.stdout).toMatch(/quarantine 1: quarantined/);
    expect((await runCli(['replay'], { env })).stdout).toMatch(/quarantine 2: quarantined/);
  });

  it('`replay` goes on past a quarantined mail whose raw copy is gone, and names it', async () => {
    const lost = mail({ headers: { From: null, Subject: 'perdido' } });
    for (const raw of [lost, mail({ headers: { From: null } })]) expect((await runCli(['ingest', '-'], { env, input: raw })).code).toBe(0);
    const sha = createHash('sha256').update(lost).digest('hex');
    rmSync(join(env.DATA_DIR as string, 'blobs', sha.slice(0, 2), sha.slice(2, 4), sha));
    const replay = await runCli(['replay'], { env });
    expect(replay.stdout).toMatch(/quarantine 2: quarantined/);
    expect(replay.stderr).toContain(`quarantine 1: its raw copy ${sha} is not kept here any more; left in the quarantine`);
    expect(replay.code).toBe(1);
  });

  it('`replay` while another replay runs does nothing and says so (each would quarantine a failing mail again)', async () => {
    expect((await runCli(['ingest', '-'], { env, input: mail({ headers: { From: null } }) })).code).toBe(0);
    // Another replay, alive (this test's own process), holds the quarantine.
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'));
    try {
      db.prepare('INSERT INTO "JobLease" ("name", "holder", "leasedUntil") VALUES (?, ?, ?)').run('quarantine-replay', `${hostname()}:${process.pid}:abc123`, new Date(Date.now() + 600_000).toISOString());
    } finally {
      db.close();
    }
    const busy = await runCli(['replay'], { env });
    expect({ code: busy.code, err: busy.stderr }).toMatchObject({ code: 1, err: expect.stringMatching(/another `ventanilla replay` is running/) });
    const check = new Database(join(env.DATA_DIR as string, 'ventanilla.db'), { readonly: true });
    try {
      expect(check.prepare('SELECT count(*) AS n FROM "QuarantinedMail"').get()).toEqual({ n: 1 });
    } finally {
      check.close();
    }
  });

  it('replays a quarantined mail kept in the database (an imported file), the same bytes again', async () => {
    const file = join(dir, 'nosender.eml');
    writeFileSync(file, mail({ headers: { From: null } }));
    expect(JSON.parse((await runCli(['ingest', file, '--json'], { env })).stdout).outcome).toBe('quarantined');
    // Held in memory when it came in: kept with its outcome, not as a blob file (store/raw-mails.ts).
    expect(existsSync(join(env.DATA_DIR as string, 'blobs')) ? readdirSync(join(env.DATA_DIR as string, 'blobs')) : []).toEqual([]);
    const replay = await runCli(['replay'], { env });
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/quarantine 1: quarantined/);
    const db = new Database(join(env.DATA_DIR as string, 'ventanilla.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT "rawSha256" FROM "QuarantinedMail" ORDER BY "id"').all() as Array<{ rawSha256: string }>;
      expect(rows).toHaveLength(2);
      expect(rows[1]?.rawSha256).toBe(rows[0]?.rawSha256);
      expect(db.prepare('SELECT "content" FROM "RawMail"').all()).toEqual([{ content: readFileSync(file) }]);
      // `raw-mail` writes it out as it came in.
      const out = await runCli(['raw-mail', rows[0]?.rawSha256 as string], { env });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toBe(readFileSync(file, 'utf8'));
    } finally {
      db.close();
    }
  });

  it('`raw-mail` writes out a streamed mail kept as a blob file, and names a missing one clearly', async () => {
    const raw = mail({ headers: { Subject: 'Por la tubería' } });
    expect((await runCli(['ingest', '-'], { env, input: raw })).code).toBe(0);
    const sha256 = createHash('sha256').update(raw).digest('hex');
    const out = await runCli(['raw-mail', sha256], { env });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(raw.toString('utf8'));
    const missing = await runCli(['raw-mail', '0'.repeat(64)], { env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/NOT_FOUND: No raw mail 0{64} is kept here/);
    expect((await runCli(['raw-mail', 'abc'], { env })).stderr).toMatch(/is not a SHA-256/);
  });

  it('names a missing ticket and a bad status clearly', async () => {
    const missing = await runCli(['tickets', 'show', '4242'], { env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/TICKET_NOT_FOUND: Ticket #4242 does not exist/);
    const bad = await runCli(['tickets', 'list', '--status', 'abierto'], { env });
    expect(bad.stderr).toMatch(/--status must be one of new, open, pending, on_hold, solved, closed/);
  });

  it('refuses what an agent did not mean: a hex ticket number, --issue without on_hold, a reply that closes', async () => {
    const ingested = await runCli(['ingest', '-', '--json'], { env, input: mail({ headers: { Subject: 'Consulta' } }) });
    expect(JSON.parse(ingested.stdout)).toMatchObject({ file: '-', outcome: 'created', ticket: 1000 });
    writeFileSync(join(dir, 'answer.txt'), 'Respuesta.');
    const hex = await runCli(['tickets', 'show', '0x3e8'], { env });
    expect(hex.stderr).toMatch(/"0x3e8" is not a ticket number/);
    const issue = await runCli(['tickets', 'set', '1000', '--status', 'open', '--issue', 'BUG-2'], { env });
    expect({ code: issue.code, err: issue.stderr }).toMatchObject({ code: 1, err: expect.stringMatching(/--issue goes with --status on_hold/) });
    const closing = await runCli(['tickets', 'reply', '1000', '--body-file', join(dir, 'answer.txt'), '--status', 'closed'], { env });
    expect({ code: closing.code, err: closing.stderr.trim() }).toEqual({ code: 1, err: 'ventanilla: INPUT_UNREADABLE: --status must be one of pending, solved, on_hold, open (got "closed"): reply, then `ventanilla tickets set N --status closed`' });
    const retry = await runCli(['outbox', 'retry', 'abc'], { env });
    expect(retry.stderr).toBe('ventanilla: INPUT_UNREADABLE: "abc" is not an outbox id; see `ventanilla outbox list --failed`.\n');
  });

  it('names a missing file clearly, without a stack trace, exits 3 (what it names does not exist) and ingests none of the others', async () => {
    const r = await runCli(['ingest', join(dir, 'nowhere.eml')], { env });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 3, stdout: '', stderr: `ventanilla: NOT_FOUND: No file or folder at ${join(dir, 'nowhere.eml')}: nothing was ingested; check the path.\n` });
    // A typo among good paths: checked before any is ingested, so the command is simply run again once fixed.
    const good = join(dir, 'good.eml');
    writeFileSync(good, mail({ headers: { Subject: 'Before the typo' } }));
    const relative = await runCli(['ingest', good, 'nowhere.eml', 'neither/'], { env, cwd: dir });
    expect({ code: relative.code, stdout: relative.stdout }).toEqual({ code: 3, stdout: '' });
    // A relative path is named as given and as found from the folder the command ran in (cron's is not yours).
    expect(relative.stderr).toBe(`ventanilla: NOT_FOUND: No file or folder at nowhere.eml (${join(dir, 'nowhere.eml')}), neither/ (${join(dir, 'neither')}): nothing was ingested; check the paths.\n`);
    const listed = await runCli(['tickets', 'list', '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ subject: string }>).map((t) => t.subject)).not.toContain('Before the typo');
  });

  it('stops quietly, as a Unix tool does (status 141), when its reader goes away (`| head`)', async () => {
    const child = spawn(process.execPath, [cliPath, 'tickets', 'list'], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect({ code, stderr }).toEqual({ code: 141, stderr: '' });
  });

  it('refuses a bad configuration, naming the variable', async () => {
    const r = await runCli(['tickets', 'list'], { env: { ...env, MAX_MESSAGE_BYTES: 'lots' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MAX_MESSAGE_BYTES: expected a number/);
  });
});
