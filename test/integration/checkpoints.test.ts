import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { holdCheckpoints, inTransaction, releaseCheckpoints } from '../../src/store/database.js';
import { keepRawMail } from '../../src/store/raw-mails.js';
import { createTestApp, type TestApp } from '../support/app.js';

// While the daemon records a backlog, checkpoints wait (holdCheckpoints): the WAL grows past its usual 64 MiB
// instead of being copied back in the middle of the backlog; once released, the next commits copy it back and
// cut the file back to 64 MiB. Every commit stays readable throughout.

const MiB = 1024 * 1024;
let app: TestApp | undefined;
afterEach(async () => {
  await app?.dispose();
  app = undefined;
});

const walBytes = (a: TestApp) => statSync(join(a.dataDir, 'ventanilla.db-wal')).size;

/** `count` commits of one 1 MiB raw mail each; returns the WAL file's largest size along the way. */
async function commitMebibytes(a: TestApp, count: number): Promise<number> {
  let largest = 0;
  for (let i = 0; i < count; i++) {
    const content = randomBytes(MiB);
    await inTransaction(a.db, async (tx) => keepRawMail(tx, `${i}`.padStart(8, '0') + randomBytes(28).toString('hex'), content, new Date()));
    largest = Math.max(largest, walBytes(a));
  }
  return largest;
}

describe('checkpoints during a backlog', () => {
  it('copy the WAL back every 64 MiB as a rule', async () => {
    app = await createTestApp();
    expect(await commitMebibytes(app, 90)).toBeLessThan(67 * MiB);
    expect(await app.db.rawMail.count()).toBe(90);
  });

  it('wait while held, and run again once released, cutting the WAL file back to 64 MiB', async () => {
    app = await createTestApp();
    holdCheckpoints(app.db);
    expect(await commitMebibytes(app, 90)).toBeGreaterThan(90 * MiB);
    expect(await app.db.rawMail.count()).toBe(90);
    releaseCheckpoints(app.db);
    // The first commit after the release checkpoints; the next starts the WAL over, within the size limit.
    await commitMebibytes(app, 2);
    expect(walBytes(app)).toBeLessThanOrEqual(65 * MiB);
    expect(await app.db.rawMail.count()).toBe(92);
  });
});
