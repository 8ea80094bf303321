import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepBlobs, type SweepStep } from '../../../src/store/blob-sweep.js';
import { sha256Of } from '../../../src/store/blobs.js';
import { createTestApp, mail, type TestApp } from '../../support/app.js';

// `ventanilla blobs sweep` (store/blob-sweep.ts): the blob files no row references and older than a day go (the
// encoded copy of a big uuencoded or BinHex part once decoded, a big winmail.dat's once its files are taken, what a
// failed or killed transaction left), and nothing a row references, nor anything another process is about to
// reference, ever does.

const HOUR_MS = 60 * 60 * 1000;
/** Old files the desk's rows name, there before each test. */
const NAMED_ALREADY = 4;

let app: TestApp;
let ticketId: number;
let messageId: number;
beforeEach(async () => {
  app = await createTestApp();
  // A ticket and its message, for the rows that hang from them.
  const result = await app.pipeline.ingest(mail(), { source: 'file', sourceRef: 'first' });
  const ticket = await app.db.ticket.findUniqueOrThrow({ where: { number: result.ticketNumber as number }, include: { messages: true } });
  ticketId = ticket.id;
  messageId = ticket.messages[0]!.id;
  // A database of one mail that names none of the store's old files is taken for the wrong one (a near-empty
  // database beside an old store: blob-sweep-guard.test.ts), so each test starts with some files rows name.
  for (let i = 0; i < NAMED_ALREADY; i++) await references[0]![1]((await stored()).sha256);
});
afterEach(() => app.dispose());

/** Sets a file's times `hours` back. */
function age(path: string, hours: number): void {
  const then = new Date(Date.now() - hours * HOUR_MS);
  utimesSync(path, then, then);
}

/** Content stored as a blob `hours` old (two days by default: past the sweep's day of grace). */
async function stored(hours = 48, bytes = 1000): Promise<{ content: Buffer; sha256: string; path: string }> {
  const content = randomBytes(bytes);
  const { sha256 } = await app.blobs.put(content);
  age(app.blobs.pathOf(sha256), hours);
  return { content, sha256, path: app.blobs.pathOf(sha256) };
}

const kept = (blob: { content: Buffer; path: string }) => existsSync(blob.path) && readFileSync(blob.path).equals(blob.content);
/** Touched within the hour: the next sweep leaves it for a day. */
const young = (blob: { path: string }) => statSync(blob.path).mtimeMs > Date.now() - HOUR_MS;

/** Every row that may name a blob by its SHA-256 (prisma/schema.prisma), each made to name it alone. */
const references: Array<[string, (sha256: string) => Promise<unknown>]> = [
  ['an attachment of a message (a customer\'s, an agent\'s)', (sha256) => app.db.attachment.create({ data: { messageId, filename: 'informe.pdf', contentType: 'application/pdf', size: 1000, sha256 } })],
  ['a message\'s raw mail (streamed in: stdin, a big mail)', (sha256) => app.db.message.create({ data: { ticketId, direction: 'in', dedupKey: `raw:${sha256}`, fromAddress: 'ana@cliente.mx', subject: 'Otra', rawSha256: sha256 } })],
  ['the inbound log\'s raw mail (a mail too large kept raw, a duplicate, a refusal)', (sha256) => app.db.inboundLog.create({ data: { source: 'stdin', size: 1000, rawSha256: sha256, outcome: 'too_large' } })],
  ['a quarantined mail', (sha256) => app.db.quarantinedMail.create({ data: { rawSha256: sha256, size: 1000, source: 'stdin', errorCode: 'PIPELINE_FAILED', error: 'boom' } })],
  ['an outbox mail\'s attachment (an agent\'s answer still to send, or to send again)', (sha256) =>
    app.db.outboxMail.create({ data: { idempotencyKey: `reply:${sha256}`, ticketId, template: 'answer', fromAddress: 'soporte@example.test', toList: '["ana@cliente.mx"]', subject: 'Re', text: 'x', html: 'x', messageId: `<${sha256}@example.test>`, attachments: JSON.stringify([{ filename: 'informe.pdf', contentType: 'application/pdf', sha256 }]) } })],
  ['a notice owed during a backlog, with attachments', (sha256) =>
    app.db.deferredNotice.create({ data: { ticketId, idempotencyKey: `owed:${sha256}`, createdAt: new Date(), request: JSON.stringify({ ticketId, notice: 'answer', idempotencyKey: `owed:${sha256}`, autoSubmitted: null, now: new Date().toISOString(), attachments: [{ filename: 'informe.pdf', contentType: 'application/pdf', sha256, size: 1000 }] }) } })],
];

describe('blobs sweep', () => {
  for (const [kind, refer] of references) {
    it(`keeps an old blob named by ${kind}, and removes an old one nothing names`, async () => {
      const referenced = await stored();
      await refer(referenced.sha256);
      const orphan = await stored();
      const report = await sweepBlobs(app);
      expect(kept(referenced)).toBe(true);
      expect(existsSync(orphan.path)).toBe(false);
      expect(report).toMatchObject({ dryRun: false, removed: { files: 1, bytes: 1000 }, referenced: NAMED_ALREADY + 1 });
    });
  }

  it('keeps what is younger than a day (written before the commit that names it), and reports the bytes it removed', async () => {
    const young = await stored(23);
    const olds = [await stored(25, 3000), await stored(24 * 90, 5000)];
    const report = await sweepBlobs(app);
    expect(kept(young)).toBe(true);
    expect(olds.map((b) => existsSync(b.path))).toEqual([false, false]);
    expect(report).toEqual({ dryRun: false, removed: { files: 2, bytes: 8000 }, temporary: { files: 0, bytes: 0 }, referenced: NAMED_ALREADY, young: 1, restored: 0, refusal: null });
  });

  it('removes the temporary files of writers dead for a day, not those of a writer at work', async () => {
    const sha256 = sha256Of(Buffer.from('x'));
    const beside = `${app.blobs.pathOf(sha256)}.4242-0-7.tmp`; // put()'s, next to its target
    const streamed = join(app.blobs.root, 'tmp', '4242-0-8.tmp'); // putStream()'s
    const fresh = join(app.blobs.root, 'tmp', '4242-0-9.tmp');
    // Not the store's: an operator's note, a blob copied into the wrong folder (no reader would find it there).
    const foreign = [join(app.blobs.root, 'LEEME.txt'), join(app.blobs.root, 'ab', 'cd', sha256)];
    for (const [path, bytes] of [[beside, 100], [streamed, 200], [fresh, 400], [foreign[0]!, 10], [foreign[1]!, 10]] as const) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, Buffer.alloc(bytes));
    }
    for (const path of [beside, streamed, ...foreign]) age(path, 30);
    const report = await sweepBlobs(app);
    expect([beside, streamed, fresh, ...foreign].map((p) => existsSync(p))).toEqual([false, false, true, true, true]);
    expect(report.temporary).toEqual({ files: 2, bytes: 300 });
  });

  it('--dry-run removes nothing and says what it would remove', async () => {
    const referenced = await stored();
    await references[0]![1](referenced.sha256);
    const orphan = await stored(48, 2500);
    const temp = join(app.blobs.root, 'tmp', '4242-0-1.tmp');
    mkdirSync(dirname(temp), { recursive: true });
    writeFileSync(temp, Buffer.alloc(10));
    age(temp, 30);
    const report = await sweepBlobs(app, { dryRun: true });
    expect(report).toEqual({ dryRun: true, removed: { files: 1, bytes: 2500 }, temporary: { files: 1, bytes: 10 }, referenced: NAMED_ALREADY + 1, young: 0, restored: 0, refusal: null });
    expect([kept(referenced), kept(orphan), existsSync(temp)]).toEqual([true, true, true]);
    expect((await sweepBlobs(app)).removed).toEqual({ files: 1, bytes: 2500 });
  });

  it('--dry-run judges what a killed sweep left aside as it would once put back, and moves nothing', async () => {
    const [referenced, orphan] = [await stored(), await stored(48, 2500)];
    await references[0]![1](referenced.sha256);
    const leftovers = [referenced, orphan].map((blob) => `${blob.path}.99999999.sweep`);
    renameSync(referenced.path, leftovers[0]!);
    renameSync(orphan.path, leftovers[1]!);
    const report = await sweepBlobs(app, { dryRun: true });
    expect(report).toMatchObject({ restored: 2, removed: { files: 1, bytes: 2500 }, referenced: NAMED_ALREADY + 1 });
    expect(leftovers.map((p) => existsSync(p))).toEqual([true, true]);
    expect((await sweepBlobs(app)).removed).toEqual({ files: 1, bytes: 2500 });
  });

  it('refuses to remove anything when the database records no mail at all (DATABASE_URL not the one of this DATA_DIR)', async () => {
    const other = await createTestApp();
    try {
      const blob = await stored();
      await expect(sweepBlobs({ ...app, db: other.db })).rejects.toThrow(/this database records no mail, expects no file .*named by no row.*DATABASE_URL/);
      expect(kept(blob)).toBe(true);
    } finally {
      await other.dispose();
    }
  });
});

describe('blobs sweep, with other processes at work (the daemon, `ingest`, `tickets reply --attach`)', () => {
  /** The sweep, running `act` (what another process does) at one step of its work. */
  const sweepWith = (at: SweepStep, act: () => Promise<unknown>) => sweepBlobs(app, { between: async (step) => (step === at ? void (await act()) : undefined) });

  it('keeps a file stored again after the sweep listed it (its writer commits a reference a moment later)', async () => {
    const blob = await stored();
    const report = await sweepWith('listed', () => app.blobs.put(blob.content));
    expect(kept(blob)).toBe(true);
    expect(report.removed.files).toBe(0);
    await references[0]![1](blob.sha256);
    expect(kept(blob)).toBe(true);
  });

  it('keeps a file stored again while the sweep held it aside (the writer writes it anew)', async () => {
    const blob = await stored();
    await sweepWith('moved', async () => {
      expect(existsSync(blob.path)).toBe(false);
      await app.blobs.put(blob.content);
    });
    expect(kept(blob)).toBe(true);
  });

  it('puts back a file a row came to name after the sweep first looked (a reference moved from one row to another)', async () => {
    const blob = await stored();
    const report = await sweepWith('moved', () => references[4]![1](blob.sha256));
    expect(kept(blob)).toBe(true);
    expect(report.removed.files).toBe(0);
  });

  it('puts back what it held aside when the second look fails', async () => {
    const blob = await stored();
    const broken = sweepWith('moved', () => app.db.$executeRawUnsafe('ALTER TABLE "QuarantinedMail" RENAME TO "QuarantinedMailAway"'));
    await expect(broken).rejects.toThrow(/QuarantinedMail/);
    expect(kept(blob)).toBe(true);
    await app.db.$executeRawUnsafe('ALTER TABLE "QuarantinedMailAway" RENAME TO "QuarantinedMail"');
  });

  it('puts back a file a killed sweep left aside, then judges it as any other', async () => {
    const [referenced, orphan] = [await stored(), await stored()];
    await references[0]![1](referenced.sha256);
    // Process 99999999 does not run: the sweep that held them is dead.
    for (const blob of [referenced, orphan]) renameSync(blob.path, `${blob.path}.99999999.sweep`);
    const report = await sweepBlobs(app);
    expect(kept(referenced)).toBe(true);
    expect(existsSync(orphan.path)).toBe(false);
    expect(readdirSync(dirname(orphan.path))).toEqual([]);
    expect(report).toMatchObject({ restored: 2, removed: { files: 1, bytes: 1000 }, referenced: NAMED_ALREADY + 1 });
  });

  it('a killed sweep\'s leftover does not replace the copy a writer stored anew meanwhile (it names it soon)', async () => {
    const blob = await stored();
    renameSync(blob.path, `${blob.path}.99999999.sweep`);
    // The writer's touch finds nothing: it writes the file anew, young, and commits its reference in a moment.
    await app.blobs.put(blob.content);
    const report = await sweepBlobs(app);
    expect([kept(blob), young(blob)]).toEqual([true, true]);
    expect(readdirSync(dirname(blob.path))).toEqual([blob.sha256]);
    expect(report).toMatchObject({ restored: 1, removed: { files: 0 }, young: 1 });
    expect((await sweepBlobs(app)).removed.files).toBe(0);
    expect(kept(blob)).toBe(true);
  });

  it('a file stored anew while the sweep held it aside stays young when the sweep fails and puts back, and outlives the next sweep', async () => {
    const blob = await stored();
    const broken = sweepWith('moved', async () => {
      await app.blobs.put(blob.content);
      await app.db.$executeRawUnsafe('ALTER TABLE "QuarantinedMail" RENAME TO "QuarantinedMailAway"');
    });
    await expect(broken).rejects.toThrow(/QuarantinedMail/);
    await app.db.$executeRawUnsafe('ALTER TABLE "QuarantinedMailAway" RENAME TO "QuarantinedMail"');
    expect([kept(blob), young(blob)]).toEqual([true, true]);
    expect((await sweepBlobs(app)).removed.files).toBe(0);
    expect(kept(blob)).toBe(true);
    expect(readdirSync(dirname(blob.path))).toEqual([blob.sha256]);
  });

  it('leaves alone what another sweep at work holds aside', async () => {
    const [mine, theirs] = [await stored(), await stored()];
    // Another process, alive (the one that runs these tests), holds `theirs` aside: it may put it back any moment.
    const held = `${theirs.path}.${process.ppid}.sweep`;
    renameSync(theirs.path, held);
    let inner: Awaited<ReturnType<typeof sweepBlobs>> | undefined;
    // A second sweep of this process, run while the first holds `mine` aside.
    const outer = await sweepWith('moved', async () => (inner = await sweepBlobs(app)));
    expect(inner).toMatchObject({ restored: 0, removed: { files: 0 } });
    expect(outer).toMatchObject({ restored: 0, removed: { files: 1 } });
    expect([existsSync(mine.path), existsSync(held), existsSync(theirs.path)]).toEqual([false, true, false]);
  });

  it('two sweeps at once remove each file once and keep what is named', async () => {
    const referenced = await stored();
    await references[2]![1](referenced.sha256);
    const orphans = [await stored(), await stored(), await stored()];
    const reports = await Promise.all([sweepBlobs(app), sweepBlobs(app)]);
    expect(kept(referenced)).toBe(true);
    expect(orphans.map((b) => existsSync(b.path))).toEqual([false, false, false]);
    expect(reports[0]!.removed.files + reports[1]!.removed.files).toBe(3);
  });
});
