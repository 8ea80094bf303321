import { existsSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLease, holderIsDead, leaseLastRun, newHolderId, releaseLease } from '../../../src/scheduler/lease.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { lockingProcess } from '../../support/live-lock.js';

describe('holderIsDead', () => {
  let app: TestApp;
  let live: string;
  beforeAll(async () => {
    app = await createTestApp();
    newHolderId(app.db); // makes this process's lock, and the folder
    live = join(realpathSync(app.dataDir), '.live');
  });
  afterAll(() => app.dispose());

  it('takes a holder of this pid that this process did not make as an earlier, dead process (a restarted container)', () => {
    expect(holderIsDead(app.db, `${hostname()}:${process.pid}:zz9zz9`)).toBe(true);
    expect(holderIsDead(app.db, `drain:${hostname()}:${process.pid}:zz9zz9`)).toBe(true);
  });

  it('keeps the holders this process made alive, and those of other hosts', () => {
    expect(holderIsDead(app.db, newHolderId(app.db))).toBe(false);
    expect(holderIsDead(app.db, newHolderId(app.db, 'imap:'))).toBe(false);
    expect(holderIsDead(app.db, `another-host:${process.pid}:zz9zz9`)).toBe(false);
  });

  // Two containers with one host name on one volume both run the daemon as process 1; a killed container's
  // successor runs on another host name.
  it("keeps another live process's holder with this host name and pid alive, and takes it as dead at once once that process is killed, on any host name", async () => {
    const other = await lockingProcess(live, 'abcdef123456');
    const samePid = `${hostname()}:${process.pid}:zz9zz9/abcdef123456`;
    const elsewhere = `drain:another-host:1:zz9zz9/abcdef123456`;
    expect(holderIsDead(app.db, samePid)).toBe(false);
    expect(holderIsDead(app.db, elsewhere)).toBe(false);
    await app.db.jobLease.create({ data: { name: 'twin', holder: samePid, leasedUntil: new Date(Date.now() + 60_000) } });
    expect(await acquireLease(app.db, 'twin', newHolderId(app.db), 60_000)).toBe(false);

    await other.kill();
    expect(holderIsDead(app.db, elsewhere)).toBe(true);
    expect(existsSync(join(live, 'abcdef123456.lock'))).toBe(false);
    expect(holderIsDead(app.db, samePid)).toBe(true);
    expect(await acquireLease(app.db, 'twin', newHolderId(app.db), 60_000)).toBe(true);
  });
});

describe('releaseLease', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.dispose());

  // A mailbox's lease dates its last read (imap-outage.ts): a drain that failed gives the lease up undated. A
  // scheduler job's run dates it, failed or not (runner.ts).
  it('dates the last run, unless told the run did not happen; frees the lease either way', async () => {
    const holder = newHolderId(app.db);
    const at = (iso: string) => new Date(iso);
    expect(await acquireLease(app.db, 'job', holder, 60_000, at('2026-11-24T16:00:00Z'))).toBe(true);
    await releaseLease(app.db, 'job', holder, at('2026-11-24T16:00:00Z'), { wallNow: at('2026-11-24T16:01:00Z') });
    expect(leaseLastRun(app.db, 'job')).toEqual(at('2026-11-24T16:01:00Z'));
    expect(await acquireLease(app.db, 'job', holder, 60_000, at('2026-11-24T16:02:00Z'))).toBe(true);
    await releaseLease(app.db, 'job', holder, at('2026-11-24T16:02:00Z'), { ran: false, wallNow: at('2026-11-24T16:03:00Z') });
    expect(leaseLastRun(app.db, 'job')).toEqual(at('2026-11-24T16:01:00Z'));
    expect(await acquireLease(app.db, 'job', newHolderId(app.db), 60_000, at('2026-11-24T16:03:01Z'))).toBe(true);
  });
});
