import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, VentanillaError } from '../../../src/errors.js';
import { sweepBlobs } from '../../../src/store/blob-sweep.js';
import { connectionOf } from '../../../src/store/database.js';
import { createTestApp, mail, type TestApp } from '../../support/app.js';
import { mailWithAttachments } from '../../support/multipart-mail.js';
import { ageDesk, sameDesk } from '../../support/old-blobs.js';

// The sweep removes what the database it is given does not name: given the wrong one (another desk's DATABASE_URL,
// a DATA_DIR mounted from elsewhere), that is every old file of the store. So it refuses when the files that database
// expects in the store are mostly not there, or when it expects none, names none and records next to no mail
// (store/blob-sweep-guard.ts). A desk's own leftovers, however many, are no reason: mail refused before any message
// was written leaves its big attachments named by nothing.

const apps: Array<{ close?: () => Promise<void>; dispose?: () => Promise<void> }> = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await (app.dispose ?? app.close)!();
});
async function desk(env: Record<string, string> = {}): Promise<TestApp> {
  const app = await createTestApp(env);
  apps.push(app);
  return app;
}

let sent = 0;
/** A customer's mail with a PDF of `kib` KiB (above 128 KiB: a blob file), or none. */
const withPdf = (kib: number, from?: string) => mailWithAttachments(`guard-${++sent}`, kib > 0 ? [{ name: 'factura.pdf', content: randomBytes(kib * 1024), type: 'application/pdf' }] : [], from);
const ingest = (app: { pipeline: TestApp['pipeline'] }, raw: Buffer) => app.pipeline.ingest(raw, { source: 'file', sourceRef: `m${sent}` });
const blobFiles = (app: TestApp) => readdirSync(app.blobs.root, { recursive: true, encoding: 'utf8' }).filter((p) => /^[0-9a-f]{64}$/.test(p.slice(-64)) && !p.startsWith('tmp')).map((p) => join(app.blobs.root, p));
const refusal = (run: Promise<unknown>) => run.then(() => null, (error: unknown) => error as VentanillaError);

/** A desk's normal tickets: `n` mails, the first `big` of them with a 200 KiB PDF (a blob file each). */
async function tickets(app: TestApp, n: number, big: number): Promise<void> {
  for (let i = 0; i < n; i++) expect((await ingest(app, withPdf(i < big ? 200 : 0))).outcome).toBe('created');
}

/** Spam refused by UNKNOWN_SENDER_POLICY=reject, each with a 200 KB PDF stored while the mail was analysed. */
async function rejectedSpam(app: TestApp, n: number): Promise<void> {
  const strict = await sameDesk(app, { UNKNOWN_SENDER_POLICY: 'reject' });
  try {
    for (let i = 0; i < n; i++) expect((await ingest(strict, withPdf(200, 'Oferta <promo@spam.test>'))).outcome).toBe('rejected');
  } finally {
    await strict.close();
  }
}

describe('blobs sweep, against the wrong database', () => {
  it("sweeps a desk's leftovers of rejected spam with big attachments, however many of its old files they are", async () => {
    const app = await desk();
    await tickets(app, 3, 1);
    await rejectedSpam(app, 3);
    await ageDesk(app);
    expect(blobFiles(app)).toHaveLength(4);
    const report = await sweepBlobs(app);
    expect(report).toMatchObject({ removed: { files: 3 }, referenced: 1, refusal: null });
    expect(blobFiles(app)).toHaveLength(1);
  });

  it('sweeps them on a desk whose mails are all small (it expects no file) once it has recorded ten mails', async () => {
    const app = await desk();
    await tickets(app, 7, 0);
    await rejectedSpam(app, 3);
    await ageDesk(app);
    expect(await sweepBlobs(app)).toMatchObject({ removed: { files: 3 }, referenced: 0, refusal: null });
  });

  it("refuses desk A's store swept with desk B's database, whose mails' big attachments are not in it", async () => {
    const a = await desk();
    const b = await desk();
    await tickets(a, 4, 4);
    await tickets(b, 3, 2);
    await Promise.all([ageDesk(a), ageDesk(b)]);
    const files = blobFiles(a);
    const error = await refusal(sweepBlobs({ ...a, db: b.db }));
    expect(error).toBeInstanceOf(VentanillaError);
    expect(error?.code).toBe(ErrorCode.SWEEP_REFUSED);
    expect(error?.message).toMatch(/^2 of the 2 files this database expects in \S+ .*are not there.*4 of the 4 blob files older than a day .*named by no row.*DATA_DIR.*DATABASE_URL.*--force.*Nothing was removed\.$/);
    expect(error?.details).toMatchObject({ old: 4, referenced: 0, unreferenced: 4, expected: 2, missing: 2 });
    expect(files.every((f) => existsSync(f))).toBe(true);
  });

  it("refuses desk A's store swept with desk B's database whose mails streamed in (stdin: their raw mails are files)", async () => {
    const a = await desk();
    const b = await desk();
    await tickets(a, 3, 1);
    for (let i = 0; i < 12; i++) await b.pipeline.ingestStream(Readable.from([mail()]), { source: 'stdin' });
    await Promise.all([ageDesk(a), ageDesk(b)]);
    const error = await refusal(sweepBlobs({ ...a, db: b.db }));
    expect(error?.message).toMatch(/^12 of the 12 files this database expects/);
    // Its own store has them all: swept there, nothing to object to.
    expect((await sweepBlobs(b)).refusal).toBeNull();
  });

  it("refuses desk A's store with a near-empty database (one small mail), and sweeps it with --force", async () => {
    const a = await desk();
    const b = await desk();
    await tickets(a, 3, 3);
    await ingest(b, mail());
    await ageDesk(a);
    const error = await refusal(sweepBlobs({ ...a, db: b.db }));
    expect(error?.code).toBe(ErrorCode.SWEEP_REFUSED);
    expect(error?.message).toMatch(/^this database records 1 mail, expects no file in \S+ and names none of its 3 blob files older than a day.*--force.*Nothing was removed\.$/);
    expect(blobFiles(a)).toHaveLength(3);
    const dry = await sweepBlobs({ ...a, db: b.db }, { dryRun: true });
    expect(dry).toMatchObject({ removed: { files: 3 }, refusal: expect.stringMatching(/^this database records 1 mail/) });
    expect(dry.refusal).not.toMatch(/Nothing was removed/);
    const forced = await sweepBlobs({ ...a, db: b.db }, { force: true });
    expect(forced).toMatchObject({ removed: { files: 3 }, refusal: expect.stringMatching(/^this database records 1 mail/) });
  });

  it('sweeps with a restored older backup of the same desk: the files it expects are all there', async () => {
    const app = await desk();
    await tickets(app, 2, 2);
    await ageDesk(app, 96);
    const backup = join(app.dataDir, 'backup.db');
    connectionOf(app.db).exec(`VACUUM INTO '${backup}'`);
    // Since the backup: more mail, each with its file, more of the store than the backup names.
    await tickets(app, 3, 3);
    await ageDesk(app);
    const restored = await createTestApp({ DATABASE_URL: `file:${backup}` });
    apps.push(restored);
    const report = await sweepBlobs({ ...app, db: restored.db });
    // README: restore the database and the blobs together; the files of the mails since are named by nothing here.
    expect(report).toMatchObject({ removed: { files: 3 }, referenced: 2, refusal: null });
  });

  it('says nothing when nothing old would go', async () => {
    const app = await desk();
    await tickets(app, 1, 1);
    expect((await sweepBlobs(app, { dryRun: true })).refusal).toBeNull();
    await ageDesk(app);
    expect((await sweepBlobs(app)).refusal).toBeNull();
  });
});
