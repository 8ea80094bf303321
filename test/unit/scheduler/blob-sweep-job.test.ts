import { randomBytes } from 'node:crypto';
import { existsSync, utimesSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { gatewayJobs } from '../../../src/scheduler/jobs.js';
import { createTestApp, mail, type TestApp } from '../../support/app.js';

// The daemon sweeps the blob store each night (store/blob-sweep.ts) and logs each file it removed: a desk that
// receives big Outlook mails would otherwise lose disk month after month. `scheduler run-once` (a system cron's,
// a test's time travel, each minute) does not walk the store: such a desk runs `ventanilla blobs sweep` itself.

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
  await app.pipeline.ingest(mail(), { source: 'file', sourceRef: 'first' });
});
afterEach(() => app.dispose());

async function orphan(hours: number): Promise<string> {
  const { sha256 } = await app.blobs.put(randomBytes(2000));
  const then = new Date(Date.now() - hours * 60 * 60 * 1000);
  utimesSync(app.blobs.pathOf(sha256), then, then);
  return sha256;
}

describe('the nightly blob sweep', () => {
  it("runs in the daemon's jobs at night, removes what no row names, and logs each file", async () => {
    const job = gatewayJobs(app, { nightly: true }).find((j) => j.name === 'blob-sweep');
    expect(job?.cron).toBe('0 30 3 * * *');
    const [old, young] = [await orphan(30), await orphan(2)];
    const info = vi.spyOn(app.log, 'info');
    // A run-once --now years ahead changes nothing: files are judged by the wall clock.
    const result = await job!.run(new Date('2031-01-01T03:30:00Z'));
    expect(result).toEqual({ removed: 1, removedBytes: 2000, temporary: 0, temporaryBytes: 0, restored: 0 });
    expect([existsSync(app.blobs.pathOf(old)), existsSync(app.blobs.pathOf(young))]).toEqual([false, true]);
    expect(info).toHaveBeenCalledWith({ sha256: old, bytes: 2000 }, 'blob removed: no row names it');
  });

  it('is not among the jobs of `scheduler run-once`', () => {
    expect(gatewayJobs(app).map((j) => j.name)).not.toContain('blob-sweep');
  });
});
