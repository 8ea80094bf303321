import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { BIG_MAIL_BYTES } from '../../src/ingest/pipeline.js';
import { readAttachment } from '../../src/store/attachment-contents.js';
import { SURVEYS_OFF } from '../support/app.js';
import { cliBuilt, runCli } from '../support/cli.js';
import { mailWithAttachments } from '../support/multipart-mail.js';
import { tnefStream } from '../support/tnef-stream.js';

// A desk that receives big Outlook mails: each one's winmail.dat (above 1 MiB, in a mail above 4 MiB) is written to
// the blob store as the mail streams in, read back for the files in it, and then named by nothing: a copy of every
// such mail's files, on disk for good. `ventanilla blobs sweep` removes it once a day old, and nothing else: the raw
// mail, the files the ticket shows, an agent's attachment read back byte for byte afterwards.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-sweep-'));
  env = { DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', SECRET_KEY: 'cli-test-secret-0123456789' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Sets every file under `folder` two days back, as a sweep finds them after a weekend. */
function ageAll(folder: string): void {
  const then = new Date(Date.now() - 48 * 60 * 60 * 1000);
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) utimesSync(join(entry.parentPath, entry.name), then, then);
  }
}

describe.skipIf(!cliBuilt)('ventanilla blobs sweep', () => {
  it("removes a big winmail.dat's copy once its files are taken, and keeps every file a ticket or the outbox names", async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3.5 * 1024 * 1024)]);
    const note = Buffer.from('Nota: el saldo no cuadra.\n');
    const winmail = tnefStream([{ title: 'ESTADO~1.PDF', longName: 'Estado de cuenta.pdf', content: pdf }, { title: 'NOTA.TXT', content: note }]);
    const raw = mailWithAttachments('sweep-outlook', [{ name: 'winmail.dat', content: winmail, type: 'application/ms-tnef' }]);
    expect(raw.length).toBeGreaterThan(BIG_MAIL_BYTES);
    const ingested = await runCli(['ingest', '-', '--json'], { env, input: raw });
    expect(ingested.code, ingested.stderr).toBe(0);
    expect(JSON.parse(ingested.stdout)).toMatchObject({ outcome: 'created', ticket: 1000 });
    // An agent's answer with a file of their own: named by their message and by the outbox mail.
    const contract = randomBytes(300 * 1024);
    writeFileSync(join(dir, 'contrato.pdf'), contract);
    const replied = await runCli(['tickets', 'reply', '1000', '--body-file', '-', '--attach', join(dir, 'contrato.pdf')], { env, input: 'Le envío el contrato.' });
    expect(replied.code, replied.stderr).toBe(0);
    const blobs = join(env.DATA_DIR!, 'blobs');
    const fileOf = (sha256: string) => join(blobs, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    expect([raw, winmail, pdf, contract].map((b) => existsSync(fileOf(sha(b))))).toEqual([true, true, true, true]);
    // A writer killed mid-mail a while ago left its temporary file.
    mkdirSync(join(blobs, 'tmp'), { recursive: true });
    writeFileSync(join(blobs, 'tmp', '31337-0-1.tmp'), Buffer.alloc(4096));
    ageAll(blobs);

    // Said in words: what would go, and nothing goes.
    const dry = await runCli(['blobs', 'sweep', '--dry-run'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    const mib = (winmail.length / (1024 * 1024)).toFixed(1);
    expect(dry.stdout).toBe(`would remove 1 unreferenced blob file (${winmail.length} bytes, ${mib} MiB) and 1 temporary file (4096 bytes); kept 3 that rows name, 0 younger than a day\n`);
    expect(existsSync(fileOf(sha(winmail)))).toBe(true);

    const swept = await runCli(['blobs', 'sweep', '--json'], { env });
    expect(swept.code, swept.stderr).toBe(0);
    expect(JSON.parse(swept.stdout)).toEqual({ dryRun: false, removed: { files: 1, bytes: winmail.length }, temporary: { files: 1, bytes: 4096 }, referenced: 3, young: 0, restored: 0, refusal: null });
    expect(existsSync(fileOf(sha(winmail)))).toBe(false);
    expect(readdirSync(join(blobs, 'tmp'))).toEqual([]);

    // The raw mail as it came, and every file of the ticket as the agent gets it, byte for byte.
    const rawMail = await runCli(['raw-mail', sha(raw)], { env });
    expect(rawMail.code, rawMail.stderr).toBe(0);
    expect(sha(Buffer.from(rawMail.stdout, 'utf8'))).toBe(sha(raw));
    const shown = JSON.parse((await runCli(['tickets', 'show', '1000', '--json'], { env })).stdout) as { messages: Array<{ attachments: Array<{ filename: string; sha256: string }> }> };
    const files = shown.messages.flatMap((m) => m.attachments);
    expect(files.map((f) => f.filename).sort()).toEqual(['NOTA.TXT', 'contrato.pdf', 'Estado de cuenta.pdf'].sort());
    const config = loadConfig({ ...env, ...SURVEYS_OFF }, { dotenv: false });
    const app = await createApp({ config, log: pino({ level: 'silent' }), readOnly: true });
    try {
      const read = await Promise.all(files.map(async (f) => [f.filename, sha((await readAttachment(app.db, app.blobs, f.sha256)) ?? Buffer.alloc(0))]));
      expect(Object.fromEntries(read)).toEqual({ 'Estado de cuenta.pdf': sha(pdf), 'NOTA.TXT': sha(note), 'contrato.pdf': sha(contract) });
    } finally {
      await app.close();
    }
  });

  it("refuses to sweep this desk's store with another desk's database, says so with --dry-run, and sweeps with --force", async () => {
    for (const id of ['guard-1', 'guard-2']) {
      const ingested = await runCli(['ingest', '-'], { env, input: mailWithAttachments(id, [{ name: 'respaldo.zip', content: randomBytes(200 * 1024) }]) });
      expect(ingested.code, ingested.stderr).toBe(0);
    }
    // The other desk's database, with one mail of its own (its raw mail, streamed in, in its own store).
    const other = { ...env, DATABASE_URL: `file:${join(dir, 'other.db')}` };
    expect((await runCli(['ingest', '-'], { env: { ...other, DATA_DIR: join(dir, 'other') }, input: mailWithAttachments('other-desk', []) })).code).toBe(0);
    const blobs = join(env.DATA_DIR!, 'blobs');
    ageAll(blobs);
    const count = () => readdirSync(blobs, { withFileTypes: true, recursive: true }).filter((e) => e.isFile() && /^[0-9a-f]{64}$/.test(e.name)).length;
    expect(count()).toBe(4);

    const refused = await runCli(['blobs', 'sweep'], { env: other });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^ventanilla: SWEEP_REFUSED: this database records 1 mail, expects no file in \S+ and names none of its 4 blob files older than a day.*DATA_DIR.*DATABASE_URL.*--force.*Nothing was removed\.\n$/);
    expect(count()).toBe(4);

    const dry = await runCli(['blobs', 'sweep', '--dry-run', '--json'], { env: other });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, removed: { files: 4 }, referenced: 0, refusal: expect.stringMatching(/^this database records 1 mail/) });
    const dryText = await runCli(['blobs', 'sweep', '--dry-run'], { env: other });
    expect(dryText.stdout).toMatch(/^would remove 4 unreferenced blob files .*\nwithout --force, a sweep refuses: this database records 1 mail/);

    const forced = await runCli(['blobs', 'sweep', '--force', '--json'], { env: other });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ dryRun: false, removed: { files: 4 }, referenced: 0 });
    expect(count()).toBe(0);
  });
});
