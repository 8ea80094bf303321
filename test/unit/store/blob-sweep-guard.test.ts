import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, VentanillaError } from '../../../src/errors.js';
import { sweepBlobs } from '../../../src/store/blob-sweep.js';
import { createTestApp, mail, type TestApp } from '../../support/app.js';
import { deskWithOneMail, nameBlob, oldBlob } from '../../support/old-blobs.js';

// The sweep removes what the database it is given does not name: given the wrong one (another desk's DATABASE_URL,
// a DATA_DIR mounted from elsewhere, a database restored alone), that is every old file of the store. So it refuses
// when it would remove a share of the old files that a desk's own garbage never reaches (store/blob-sweep-guard.ts).

let app: TestApp;
let messageId: number;
beforeEach(async () => ({ app, messageId } = await deskWithOneMail()));
afterEach(() => app.dispose());

/** A blob three days old; named by an attachment row of this desk's database when `named`. */
async function old(named: boolean): Promise<string> {
  const blob = await oldBlob(app, 72);
  if (named) await nameBlob(app, messageId, blob);
  return blob.sha256;
}

const many = async (n: number, named: boolean) => Promise.all(Array.from({ length: n }, () => old(named)));
const present = (shas: string[]) => shas.filter((sha256) => existsSync(app.blobs.pathOf(sha256))).length;
const refusal = (run: Promise<unknown>) => run.then(() => null, (error: unknown) => error);

describe('blobs sweep, against the wrong database', () => {
  it("refuses, and removes nothing, when swept with another desk's database (one mail, none of these files named)", async () => {
    const files = await many(50, true);
    const other = await createTestApp();
    try {
      await other.pipeline.ingest(mail(), { source: 'file', sourceRef: 'other desk' });
      const error = await refusal(sweepBlobs({ ...app, db: other.db }));
      expect(error).toBeInstanceOf(VentanillaError);
      expect((error as VentanillaError).code).toBe(ErrorCode.SWEEP_REFUSED);
      expect((error as Error).message).toMatch(/50 of the 50 blob files older than a day .*named by no row.*\(0 are\).*DATA_DIR.*DATABASE_URL.*--force.*Nothing was removed/);
      expect((error as VentanillaError).details).toEqual({ old: 50, referenced: 0, unreferenced: 50 });
      expect(present(files)).toBe(50);
    } finally {
      await other.dispose();
    }
  });

  it('refuses when more than half of the old files would go, and sweeps when half would', async () => {
    const named = await many(2, true);
    const orphans = await many(3, false);
    expect((await refusal(sweepBlobs(app)) as VentanillaError).details).toEqual({ old: 5, referenced: 2, unreferenced: 3 });
    expect(present(orphans)).toBe(3);
    named.push(await old(true));
    const report = await sweepBlobs(app);
    expect(report).toMatchObject({ removed: { files: 3 }, referenced: 3, refusal: null });
    expect([present(named), present(orphans)]).toEqual([3, 0]);
  });

  it('--force removes them all the same, and its report says what the guard said', async () => {
    const orphans = await many(4, false);
    const report = await sweepBlobs(app, { force: true });
    expect(report).toMatchObject({ removed: { files: 4 }, referenced: 0 });
    expect(report.refusal).toMatch(/4 of the 4 blob files/);
    expect(present(orphans)).toBe(0);
  });

  it('--dry-run says what the guard would say, and refuses nothing', async () => {
    const orphans = await many(3, false);
    await many(1, true);
    const report = await sweepBlobs(app, { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, removed: { files: 3 }, referenced: 1 });
    expect(report.refusal).toMatch(/3 of the 4 blob files older than a day .*\(1 is\).*DATABASE_URL/);
    expect(report.refusal).not.toMatch(/Nothing was removed/);
    expect(present(orphans)).toBe(3);
  });

  it('says nothing when nothing is old, or nothing old would go', async () => {
    await app.blobs.put(randomBytes(500));
    expect((await sweepBlobs(app, { dryRun: true })).refusal).toBeNull();
    await many(2, true);
    expect((await sweepBlobs(app)).refusal).toBeNull();
  });
});
