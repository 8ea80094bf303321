import { existsSync, readdirSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { acquireLease, holderIsDead, newHolderId } from '../../../src/scheduler/lease.js';
import { sweepLiveFolder, tokenAlive } from '../../../src/scheduler/liveness.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { lockHeld, lockingProcess } from '../../support/live-lock.js';

// The lock files beside the database (`.live/<token>.lock`, scheduler/liveness.ts) removed or replaced by hand, or
// by a script that cleans temporary-looking folders: the time rule decides about a live holder whose file is gone,
// and the holder makes its file again at its next lease renewal. What dead or exited processes leave is swept.

const tokenOf = (holder: string) => holder.split('/')[1] as string;

describe('the lock file of a live process', () => {
  let app: TestApp;
  let live: string;
  beforeAll(async () => {
    app = await createTestApp();
    newHolderId(app.db);
    live = join(realpathSync(app.dataDir), '.live');
  });
  afterAll(() => app.dispose());

  it("deleted: another process's holder is not taken for dead; its lease is waited out (the time rule)", async () => {
    const other = await lockingProcess(live, 'aaaa00000001');
    try {
      rmSync(join(live, 'aaaa00000001.lock'));
      const holder = 'drain:another-host:1:zz9zz9/aaaa00000001';
      expect(holderIsDead(app.db, holder)).toBe(false);
      const until = Date.now() + 60_000;
      await app.db.jobLease.create({ data: { name: 'renewed', holder, leasedUntil: new Date(until) } });
      expect(await acquireLease(app.db, 'renewed', newHolderId(app.db), 60_000)).toBe(false);
      expect(await acquireLease(app.db, 'renewed', newHolderId(app.db), 60_000, new Date(until + 1))).toBe(true);
    } finally {
      await other.kill();
    }
  });

  it('deleted: this process makes its own again at its next lease renewal, locked, and says so', async () => {
    const warn = vi.fn();
    const holder = newHolderId(app.db, 'imap:', { warn } as unknown as Logger);
    const file = join(live, `${tokenOf(holder)}.lock`);
    expect(await acquireLease(app.db, 'mailbox', holder, 60_000)).toBe(true);
    rmSync(file);
    expect(await acquireLease(app.db, 'mailbox', holder, 60_000)).toBe(true);
    expect(existsSync(file)).toBe(true);
    expect(lockHeld(file)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]).toEqual([{ file, was: 'deleted' }, expect.stringMatching(/lock file .*deleted or replaced.*made again/)]);
    // Kept from then on: no more warnings.
    expect(await acquireLease(app.db, 'mailbox', holder, 60_000)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('replaced by another file: this process puts its own back at its next lease renewal, and says so', async () => {
    const warn = vi.fn();
    const holder = newHolderId(app.db, 'imap:', { warn } as unknown as Logger);
    const file = join(live, `${tokenOf(holder)}.lock`);
    rmSync(file);
    writeFileSync(file, '');
    const foreign = statSync(file).ino;
    expect(lockHeld(file)).toBe(false);
    expect(await acquireLease(app.db, 'replaced', holder, 60_000)).toBe(true);
    expect(statSync(file).ino).not.toBe(foreign);
    expect(lockHeld(file)).toBe(true);
    expect(warn.mock.calls).toEqual([[{ file, was: 'replaced' }, expect.stringMatching(/made again/)]]);
  });

  it('the whole folder deleted: made again with the file', async () => {
    const holder = newHolderId(app.db);
    rmSync(live, { recursive: true });
    expect(await acquireLease(app.db, 'folder', holder, 60_000)).toBe(true);
    expect(lockHeld(join(live, `${tokenOf(holder)}.lock`))).toBe(true);
  });
});

describe('what dead and exited processes leave beside the database', () => {
  it('a clean exit leaves no lock file, but a marker: its holders are dead at once for the others', async () => {
    const other = await createTestApp();
    const token = tokenOf(newHolderId(other.db));
    const folder = join(realpathSync(other.dataDir), '.live');
    expect(readdirSync(folder)).toEqual([`${token}.lock`]);
    await other.close();
    expect(readdirSync(folder)).toEqual([`${token}.dead`]);
    expect(tokenAlive(other.config.databasePath, token)).toBe(false);
    rmSync(other.dataDir, { recursive: true, force: true });
  });

  it('are swept after an hour: markers, and the lock files of processes nobody found dead; live ones stay', async () => {
    const app = await createTestApp();
    try {
      const own = `${tokenOf(newHolderId(app.db))}.lock`;
      const folder = join(realpathSync(app.dataDir), '.live');
      const other = await lockingProcess(folder, 'bbbb00000004');
      const past = (ms: number) => new Date(Date.now() - ms);
      for (const name of ['bbbb00000001.dead', 'bbbb00000002.dead', 'bbbb00000003.lock']) writeFileSync(join(folder, name), '');
      for (const name of ['bbbb00000001.dead', 'bbbb00000003.lock', 'bbbb00000004.lock', own]) utimesSync(join(folder, name), past(2 * 3_600_000), past(2 * 3_600_000));
      utimesSync(join(folder, 'bbbb00000002.dead'), past(50 * 60_000), past(50 * 60_000));
      try {
        sweepLiveFolder(app.config.databasePath);
        // The one never found dead is found so now: marked, and swept an hour later.
        expect(readdirSync(folder).sort()).toEqual(['bbbb00000002.dead', 'bbbb00000003.dead', 'bbbb00000004.lock', own].sort());
        expect(tokenAlive(app.config.databasePath, 'bbbb00000003')).toBe(false);
        expect(tokenAlive(app.config.databasePath, 'bbbb00000004')).toBe(true);
        sweepLiveFolder(app.config.databasePath, Date.now() + 3_600_000);
        expect(readdirSync(folder).sort()).toEqual(['bbbb00000004.lock', own].sort());
      } finally {
        await other.kill();
      }
    } finally {
      await app.dispose();
    }
  });
});
