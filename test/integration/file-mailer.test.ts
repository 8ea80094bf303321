import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { OutboxDrainer } from '../../src/outbound/drainer.js';
import { createMailer, type Mailer, type OutgoingMail } from '../../src/outbound/mailer.js';
import { sqlOf } from '../../src/store/sql.js';
import { createTestApp, mail as appMail } from '../support/app.js';

// Without SMTP_HOST, mail goes to DATA_DIR/outbox as .eml files. Each is written in a staging folder and renamed
// into the outbox only once the drainer recorded it as sent: a reader of the outbox never sees half a mail.

const root = mkdtempSync(join(tmpdir(), 'ventanilla-file-mailer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const quiet = { error: () => undefined, warn: () => undefined };

function mail(n: number): OutgoingMail {
  return {
    from: 'Soporte <soporte@example.com>', to: [`cliente${n}@example.org`], cc: [], subject: `[#${n}] Recibido`,
    text: `Hola ${n}.\n`, html: `<p>Hola ${n}.</p>`, messageId: `n${n}.abc@example.com`, headers: { 'Auto-Submitted': 'auto-replied' }, attachments: [],
  };
}

/** Every file under the folder, as paths relative to it. */
function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort();
}

describe('the file mailer', () => {
  it('writes each of many concurrent mails whole as one .eml in the outbox, and leaves nothing else', async () => {
    const dataDir = mkdtempSync(join(root, 'many-'));
    const mailer = createMailer({ smtp: undefined, dataDir }, quiet, { composeWorker: false });
    const outbox = join(dataDir, 'outbox');
    const count = 23;
    await Promise.all(Array.from({ length: count }, (_, n) => mailer.send(mail(n))));
    mailer.close();
    const files = filesUnder(outbox);
    expect(files).toHaveLength(count);
    expect(files.every((name) => /^\d+-n\d+\.abc@example\.com\.eml$/.test(name))).toBe(true);
    const ids = await Promise.all(files.map(async (name) => (await simpleParser(readFileSync(join(outbox, name)))).messageId));
    expect(ids.sort()).toEqual(Array.from({ length: count }, (_, n) => `<n${n}.abc@example.com>`).sort());
  });

  it('shows a mail in the outbox only after it was recorded as sent', async () => {
    const dataDir = mkdtempSync(join(root, 'confirm-'));
    const mailer = createMailer({ smtp: undefined, dataDir }, quiet, { composeWorker: false });
    const outbox = join(dataDir, 'outbox');
    let seenAtConfirm: string[] | null = null;
    await mailer.send(mail(1), {
      confirm: async () => {
        seenAtConfirm = filesUnder(outbox);
      },
    });
    mailer.close();
    // Written whole by then, but in a staging folder, under a name no outbox reader takes for a mail.
    expect(seenAtConfirm).toHaveLength(1);
    expect(seenAtConfirm![0]).toMatch(/^\.staging\/\d\/.*\.eml\.tmp$/);
    expect(filesUnder(outbox)).toEqual([expect.stringMatching(/^\d+-n1\.abc@example\.com\.eml$/)]);
  });

  it('leaves no file when the mail could not be recorded as sent (the outbox sends it again)', async () => {
    const dataDir = mkdtempSync(join(root, 'refused-'));
    const mailer = createMailer({ smtp: undefined, dataDir }, quiet, { composeWorker: false });
    const outbox = join(dataDir, 'outbox');
    await expect(
      mailer.send(mail(2), {
        confirm: async () => {
          throw new Error('database is locked');
        },
      }),
    ).rejects.toThrow('database is locked');
    mailer.close();
    expect(existsSync(outbox)).toBe(true);
    expect(filesUnder(outbox)).toEqual([]);
  });
});

/** The staged files made ten minutes old (older than a claim's lease), so that a drain finishes them; their names. */
function ageStaged(outbox: string): string[] {
  const staged = filesUnder(outbox).filter((f) => f.startsWith('.staging'));
  const old = new Date(Date.now() - 10 * 60_000);
  for (const f of staged) utimesSync(join(outbox, f), old, old);
  return staged;
}

function expectDeliveredOnce(outbox: string): void {
  const files = filesUnder(outbox);
  expect(files.filter((f) => f.startsWith('.staging')), 'left staged').toEqual([]);
  expect(files, 'the mail delivered once').toHaveLength(1);
}

// A process killed between recording a mail as sent and renaming its file into the outbox leaves the file staged.
// The next drain (of any process, once the file is older than a claim's lease) delivers it, and drops the staged
// file of a mail that was not recorded (it is sent again).
describe('the file mailer after a crash', () => {
  it('delivers a staged mail recorded as sent, drops one that was not, and leaves a recent one alone', async () => {
    const app = await createTestApp();
    try {
      const results = await app.pipeline.ingestMany([appMail(), appMail()].map((raw, i) => ({ raw, source: { source: 'file', sourceRef: `m${i}` } })));
      expect(results.map((r) => r.outcome)).toEqual(['created', 'created']);
      const sql = sqlOf(app.db);
      const [recorded, pending] = sql.all<{ id: number; messageId: string }>('SELECT "id", "messageId" FROM "OutboxMail" ORDER BY "id"');
      // The first one's record committed before the kill; the second one's did not.
      sql.run(`UPDATE "OutboxMail" SET "status" = 'sent', "sentAt" = ? WHERE "id" = ?`, new Date(), recorded!.id);
      const staging = join(app.dataDir, 'outbox', '.staging', '0');
      mkdirSync(staging, { recursive: true });
      const stage = (name: string, messageId: string, ageMs: number) => {
        const path = join(staging, name);
        writeFileSync(path, `From: soporte@example.test\nMessage-ID: <${messageId}>\nSubject: x\n\nHola.\n`);
        const at = new Date(Date.now() - ageMs);
        utimesSync(path, at, at);
      };
      stage('1000-a.eml.tmp', recorded!.messageId, 10 * 60_000);
      stage('1001-b.eml.tmp', pending!.messageId, 10 * 60_000);
      stage('1002-c.eml.tmp', 'in-flight@example.test', 1_000);
      expect(await app.drainer().drain()).toEqual({ sent: 1, retried: 0, failed: 0 });
      const files = filesUnder(join(app.dataDir, 'outbox'));
      expect(files.filter((f) => f.startsWith('.staging'))).toEqual(['.staging/0/1002-c.eml.tmp']);
      const delivered = files.filter((f) => !f.startsWith('.staging'));
      expect(delivered).toHaveLength(2);
      expect(delivered).toContain('1000-a.eml');
      const ids = await Promise.all(delivered.map(async (f) => (await simpleParser(readFileSync(join(app.dataDir, 'outbox', f)))).messageId));
      expect(ids.sort()).toEqual([`<${recorded!.messageId}>`, `<${pending!.messageId}>`].sort());
    } finally {
      await app.dispose();
    }
  });

  it('does not deliver beside its resend the file of a process killed before its record', async () => {
    const app = await createTestApp();
    try {
      await app.pipeline.ingestMany([{ raw: appMail(), source: { source: 'file', sourceRef: 'm0' } }]);
      const outbox = join(app.dataDir, 'outbox');
      const drainerWith = (mailer: Mailer) => new OutboxDrainer({ db: app.db, mailer, blobs: app.blobs, log: app.log }, { retryHours: 120 });
      // The killed process: it wrote the mail's file, staged, and never got to record it as sent.
      const fileMailer = createMailer({ smtp: undefined, dataDir: app.dataDir }, quiet, { composeWorker: false });
      let staged!: () => void;
      const atRecord = new Promise<void>((resolve) => (staged = resolve));
      const dying: Mailer = { ...fileMailer, send: (m) => fileMailer.send(m, { confirm: () => (staged(), new Promise(() => undefined)) }) };
      void drainerWith(dying).drain();
      await atRecord;
      // The restart takes the mail over once the dead claim's lease is over, and sends it.
      expect(await drainerWith(fileMailer).drain(() => new Date(Date.now() + 10 * 60_000))).toEqual({ sent: 1, retried: 0, failed: 0 });
      // Minutes later a drain finishes what the killed process left: its file is of a mail sent since, not by it.
      ageStaged(outbox);
      await drainerWith(fileMailer).drain();
      fileMailer.close();
      expectDeliveredOnce(outbox);
    } finally {
      await app.dispose();
    }
  });
});

describe('the file mailer after a crash, on a long domain', () => {
  it('delivers a mail recorded as sent whose Message-ID header is folded onto a second line', async () => {
    // A support domain this long makes nodemailer fold the Message-ID header ("Message-ID:\n <vt...@...>").
    const app = await createTestApp({ SUPPORT_ADDRESS: 'soporte@mesa-de-ayuda.contabilidad-electronica.com.mx' });
    try {
      await app.pipeline.ingestMany([{ raw: appMail({ headers: { To: 'soporte@mesa-de-ayuda.contabilidad-electronica.com.mx' } }), source: { source: 'file', sourceRef: 'long' } }]);
      const outbox = join(app.dataDir, 'outbox');
      const drainerWith = (mailer: Mailer) => new OutboxDrainer({ db: app.db, mailer, blobs: app.blobs, log: app.log }, { retryHours: 120 });
      const fileMailer = createMailer({ smtp: undefined, dataDir: app.dataDir }, quiet, { composeWorker: false });
      // The killed process: its record as sent committed, then it died before the rename into the outbox.
      let recorded!: () => void;
      const atRecord = new Promise<void>((resolve) => (recorded = resolve));
      const dying: Mailer = { ...fileMailer, send: (m, o) => fileMailer.send(m, { confirm: async () => (await o?.confirm?.(), recorded(), new Promise(() => undefined)) }) };
      void drainerWith(dying).drain();
      await atRecord;
      expect((await app.db.outboxMail.findFirstOrThrow()).status).toBe('sent');
      const [staged] = ageStaged(outbox);
      expect(readFileSync(join(outbox, staged!), 'latin1')).toMatch(/^Message-ID:\n </m);
      // The restart finds it: recorded as sent, so delivered, not dropped (nothing would ever send it again).
      expect(await drainerWith(fileMailer).drain()).toEqual({ sent: 0, retried: 0, failed: 0 });
      fileMailer.close();
      expectDeliveredOnce(outbox);
    } finally {
      await app.dispose();
    }
  });
});
