import { existsSync, unlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../../src/scheduler/runner.js';
import { gatewayJobs } from '../../../src/scheduler/jobs.js';
import { loadConfig } from '../../../src/config.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { ageDesk, deskWithOneMail, nameBlob, oldBlob } from '../../support/old-blobs.js';

// The daemon sweeps the blob store each night (store/blob-sweep.ts) and logs each file it removed: a desk that
// receives big Outlook mails would otherwise lose disk month after month. `scheduler run-once` (a system cron's,
// a test's time travel, each minute) does not walk the store: such a desk runs `ventanilla blobs sweep` itself.

let app: TestApp;
let messageId: number;
beforeEach(async () => ({ app, messageId } = await deskWithOneMail()));
afterEach(() => app.dispose());

const orphan = async (hours: number) => (await oldBlob(app, hours, 2000)).sha256;

/** An old blob a customer's attachment row names: a desk's store is mostly those. */
async function named(): Promise<string> {
  const blob = await oldBlob(app, 30, 2000);
  await nameBlob(app, messageId, blob);
  return blob.sha256;
}

describe('the nightly blob sweep', () => {
  it("runs in the daemon's jobs at night, removes what no row names, and logs each file", async () => {
    const job = gatewayJobs(app, { nightly: true }).find((j) => j.name === 'blob-sweep');
    expect(job?.cron).toBe('0 30 3 * * *');
    const [old, young, kept] = [await orphan(30), await orphan(2), await named()];
    const info = vi.spyOn(app.log, 'info');
    // A run-once --now years ahead changes nothing: files are judged by the wall clock.
    const result = await job!.run(new Date('2031-01-01T03:30:00Z'));
    expect(result).toEqual({ removed: 1, removedBytes: 2000, temporary: 0, temporaryBytes: 0, restored: 0 });
    expect([old, young, kept].map((sha256) => existsSync(app.blobs.pathOf(sha256)))).toEqual([false, true, true]);
    expect(info).toHaveBeenCalledWith({ sha256: old, bytes: 2000 }, 'blob removed: no row names it');
  });

  it("removes nothing when the files the database expects are not in the store (the wrong database), logs why with the counts, and fails", async () => {
    // Files its rows name, a day and more old, that are not here: another desk's database would name such.
    const elsewhere = [await named(), await named()];
    await ageDesk(app, 30);
    for (const sha256 of elsewhere) unlinkSync(app.blobs.pathOf(sha256));
    const olds = [await orphan(30), await orphan(30)];
    const job = gatewayJobs(app, { nightly: true }).find((j) => j.name === 'blob-sweep')!;
    const error = vi.spyOn(app.log, 'error');
    const [run] = await new Scheduler([job], app).runOnce(new Date());
    expect(run).toMatchObject({ job: 'blob-sweep', ran: false, reason: 'failed', error: { code: 'SWEEP_REFUSED' } });
    expect(olds.map((sha256) => existsSync(app.blobs.pathOf(sha256)))).toEqual([true, true]);
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ code: 'SWEEP_REFUSED', old: 2, referenced: 0, unreferenced: 2, expected: 2, missing: 2 }), expect.stringMatching(/^blob sweep refused: 2 of the 2 files this database expects/));
  });

  it('is not among the jobs of `scheduler run-once`', () => {
    expect(gatewayJobs(app).map((j) => j.name)).not.toContain('blob-sweep');
  });

  it("is not among the daemon's jobs with BLOB_SWEEP=off (writers on several hosts share DATA_DIR), and BLOB_SWEEP is off or nightly", async () => {
    expect(gatewayJobs(app, { nightly: true }).map((j) => j.name)).toContain('blob-sweep');
    const off = await createTestApp({ BLOB_SWEEP: 'off' });
    try {
      expect(gatewayJobs(off, { nightly: true }).map((j) => j.name)).not.toContain('blob-sweep');
    } finally {
      await off.dispose();
    }
    expect(() => loadConfig({ BLOB_SWEEP: 'weekly' }, { dotenv: false })).toThrow(/BLOB_SWEEP: expected off or nightly \(got "weekly"\)/);
  });
});
