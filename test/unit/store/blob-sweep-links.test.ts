import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { sweepBlobs } from '../../../src/store/blob-sweep.js';
import type { TestApp } from '../../support/app.js';
import { deskWithOneMail, nameBlob, oldBlob } from '../../support/old-blobs.js';

// The sweep holds a candidate aside under another name while it looks at the references again, and puts it back with
// link() then unlink(): a rename would replace a file a writer wrote anew meanwhile (blob-files.ts putBackAside). A
// filesystem without hard links (SMB, some FUSE mounts, vfat) refuses link() with EPERM: the file stayed aside, and a
// blob a writer had just named was gone from its name. So the sweep first checks that link() works in the store, and
// what it cannot put back is logged with its path, never skipped in silence.

/** Which link() calls fail with EPERM, as on such a filesystem: by their source path. */
const linkFails = vi.hoisted(() => ({ when: null as ((from: string) => boolean) | null }));
/** The errors the next writes of a probe file fail with, one each (EEXIST: a name taken; EROFS: a read-only mount). */
const probeFails = vi.hoisted(() => ({ codes: [] as string[], names: [] as string[] }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const link: typeof fs.link = async (from, to) => {
    if (linkFails.when?.(String(from))) throw Object.assign(new Error(`EPERM: operation not permitted, link '${String(from)}' -> '${String(to)}'`), { code: 'EPERM', syscall: 'link' });
    return fs.link(from, to);
  };
  const writeFile = (async (path: string, ...rest: Parameters<typeof fs.writeFile> extends [unknown, ...infer R] ? R : never) => {
    if (String(path).includes('.link-probe.')) {
      probeFails.names.push(String(path));
      const code = probeFails.codes.shift();
      if (code) throw Object.assign(new Error(`${code}: open '${String(path)}'`), { code, syscall: 'open' });
    }
    return fs.writeFile(path, ...rest);
  }) as typeof fs.writeFile;
  return { ...fs, default: { ...fs, link, writeFile }, link, writeFile };
});

let app: TestApp;
let messageId: number;
beforeEach(async () => {
  ({ app, messageId } = await deskWithOneMail());
  // The desk's files rows name (a database of one mail naming none of the old files is taken for the wrong one).
  for (let i = 0; i < 3; i++) await name(await old());
});
afterEach(async () => {
  linkFails.when = null;
  probeFails.codes = [];
  probeFails.names = [];
  await app.dispose();
});

const old = () => oldBlob(app);
const name = (blob: { sha256: string; bytes: number }) => nameBlob(app, messageId, blob);
const aside = () => readdirSync(app.blobs.root, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.sweep'));

describe('blobs sweep, on a filesystem without hard links', () => {
  it('refuses before moving anything, so a blob named while it would be held aside stays', async () => {
    linkFails.when = () => true;
    const blob = await old();
    // A dry run moves nothing: it does not ask (it may run as a user who only reads DATA_DIR).
    expect((await sweepBlobs(app, { dryRun: true })).removed.files).toBe(1);
    const run = sweepBlobs(app, { between: async (step) => void (step === 'moved' ? await name(blob) : undefined) });
    await expect(run).rejects.toMatchObject({ code: ErrorCode.SWEEP_REFUSED, message: expect.stringMatching(/hard links .*EPERM.*Nothing was moved/) });
    expect(existsSync(blob.path)).toBe(true);
    expect(aside()).toEqual([]);
    // The probe leaves nothing behind.
    expect(readdirSync(app.blobs.root).filter((n) => !/^[0-9a-f]{2}$/.test(n) && n !== 'tmp')).toEqual([]);
  });

  it("logs at error, with its path, a dead sweep's leftover it cannot put back, and leaves it", async () => {
    const blob = await old();
    await name(blob);
    const leftover = `${blob.path}.99999999.sweep`;
    renameSync(blob.path, leftover);
    linkFails.when = (from) => from.endsWith('.sweep');
    const error = vi.spyOn(app.log, 'error');
    const report = await sweepBlobs(app);
    expect(report).toMatchObject({ restored: 0, removed: { files: 0 } });
    expect(existsSync(leftover)).toBe(true);
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ path: leftover, blob: blob.path }), expect.stringMatching(/could not be put back/));
  });

  it('logs at error, with its path, a blob held aside it cannot put back after the second look', async () => {
    const blob = await old();
    linkFails.when = (from) => from.endsWith('.sweep');
    const error = vi.spyOn(app.log, 'error');
    const run = sweepBlobs(app, { between: async (step) => void (step === 'moved' ? await name(blob) : undefined) });
    await expect(run).rejects.toMatchObject({ code: 'EPERM' });
    const [held] = aside();
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ path: `${app.blobs.root}/${held}`, blob: blob.path }), expect.stringMatching(/could not be put back/));
  });
});

describe('blobs sweep, its hard-link probe', () => {
  const probes = () => readdirSync(app.blobs.root).filter((n) => n.startsWith('.link-probe.'));

  it("removes the probes a killed sweep left, not a running one's, and leaves none of its own", async () => {
    const root = app.blobs.root;
    const dead = ['.link-probe.99999999.1', '.link-probe.99999999.1.linked', '.link-probe.99999998.0a1b2c3d4e5f6071'];
    const running = `.link-probe.${process.ppid}.00ff00ff00ff00ff`;
    for (const name of [...dead, running]) writeFileSync(join(root, name), '');
    await sweepBlobs(app);
    expect(probes()).toEqual([running]);
  });

  it('draws another name when its name is taken (made with O_EXCL, never shared with another sweep)', async () => {
    probeFails.codes = ['EEXIST'];
    const blob = await old();
    expect((await sweepBlobs(app)).removed.files).toBe(1);
    expect(existsSync(blob.path)).toBe(false);
    expect(probeFails.names).toHaveLength(2);
    expect(new Set(probeFails.names).size).toBe(2);
    expect(probeFails.names[0]).toMatch(new RegExp(`/\\.link-probe\\.${process.pid}\\.[0-9a-f]{16}$`));
    expect(probes()).toEqual([]);
  });

  it.each([
    ['EROFS', /is on a read-only filesystem \(EROFS\).*Nothing was moved/],
    ['EACCES', /cannot be written by this user \(EACCES\).*Nothing was moved/],
  ])('refuses, saying why, where the store cannot be written (%s)', async (code, message) => {
    probeFails.codes = [code];
    const blob = await old();
    await expect(sweepBlobs(app)).rejects.toMatchObject({ code: ErrorCode.SWEEP_REFUSED, message: expect.stringMatching(message), details: { write: code } });
    expect(existsSync(blob.path)).toBe(true);
  });
});
