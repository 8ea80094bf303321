import { randomBytes } from 'node:crypto';
import { link, lstat, readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode, VentanillaError } from '../errors.js';

// What lies under DATA_DIR/blobs, for the sweep (blob-sweep.ts): the blobs (aa/bb/<sha256>), the temporary files of
// writers (aa/bb/<sha256>.<pid>-<thread>-<n>.tmp for put(), tmp/<pid>-<thread>-<n>.tmp for putStream()), and blobs a
// sweep holds aside while it looks again (aa/bb/<sha256>.<pid>.sweep). Anything else is not ours, and left alone.

const HEX2 = /^[0-9a-f]{2}$/;
const BLOB = /^[0-9a-f]{64}$/;
const TEMPORARY = /^[0-9a-f]{64}\.[0-9]+-[0-9]+-[0-9]+\.tmp$/;
const STREAM_TEMPORARY = /^[0-9]+-[0-9]+-[0-9]+\.tmp$/;
const ASIDE = /^([0-9a-f]{64})\.([0-9]+)\.sweep$/;

/** A blob held aside by a sweep for longer than this was left by one that died (and its pid was reused since). */
const ASIDE_STALE_MS = 60 * 60 * 1000;

/** The names this process's sweeps hold aside right now (two sweeps in one process must not put back each other's). */
export const heldAside = new Set<string>();

/** The name a sweep of this process holds a blob under while it looks again. */
export const asideName = (path: string): string => `${path}.${process.pid}.sweep`;

/**
 * Puts a blob held aside back under its name, never over a file there (a rename would replace it): a writer whose
 * touch found the name empty wrote the file anew meanwhile, young, and is about to name it; the old-dated copy put
 * over it would be taken by the next sweep, and the writer's reference left to nothing. The copy aside has the same
 * bytes: then it is only dropped. A link, then an unlink: killed between them, the next sweep drops the copy.
 */
export async function putBackAside(away: string, path: string): Promise<void> {
  await link(away, path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  await unlink(away);
}

/** Said at error level of a blob left aside (its rows name a file that is not at its name): an operator moves it back. */
export function logStuckAside(log: Logger, away: string, path: string, error: unknown): void {
  log.error({ err: error, path: away, blob: path }, `a blob held aside by a sweep could not be put back: its rows name ${path}, which is missing until it is moved back (mv ${away} ${path})`);
}

/** The hard-link probe's files in the store's root: `.link-probe.<pid>.<random>`, and its link (`.linked`). */
const PROBE = /^\.link-probe\.([0-9]+)\.[0-9a-f]+(?:\.linked)?$/;

/**
 * Refuses to sweep where link() fails (SMB, some FUSE mounts, vfat: EPERM): putBackAside could not put back what the
 * sweep held aside, and a blob a writer named meanwhile would be missing from its name. Asked before anything is moved,
 * with a file of its own in the store's root, where nothing is listed (only folders are). A store not made yet has
 * nothing to move. The probe's name is random and made with O_EXCL ('wx'): two sweeps at once (the nightly job and a
 * command) never share one, nor remove each other's; a name taken is left to its owner and another drawn. The probes
 * a killed sweep left are removed first, so they do not pile up. A store this user cannot write in (a read-only mount,
 * another user's DATA_DIR) is refused with that said: the sweep renames and removes files there.
 */
export async function assertHardLinks(root: string): Promise<void> {
  await removeDeadProbes(root);
  const probe = await makeProbe(root);
  if (probe === null) return;
  try {
    await link(probe, `${probe}.linked`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new VentanillaError(
      ErrorCode.SWEEP_REFUSED,
      `${root} is on a filesystem that makes no hard links (link(): ${code}; SMB, some FUSE mounts, vfat): the sweep puts a file it held aside back with one, and without it a blob named meanwhile would stay missing. Nothing was moved. Keep DATA_DIR/blobs on a filesystem with hard links (ext4, xfs, NFS), or do not sweep it (BLOB_SWEEP=off for the nightly job).`,
      { root, link: code },
    );
  } finally {
    await Promise.all([probe, `${probe}.linked`].map((path) => unlink(path).catch(() => undefined)));
  }
}

/** A new empty probe file under `root`; null when the store does not exist yet. */
async function makeProbe(root: string): Promise<string | null> {
  for (let tries = 0; ; tries++) {
    const probe = join(root, `.link-probe.${process.pid}.${randomBytes(8).toString('hex')}`);
    try {
      await writeFile(probe, '', { flag: 'wx' });
      return probe;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      if (code === 'EEXIST' && tries < 5) continue;
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
        const why = code === 'EROFS' ? 'is on a read-only filesystem' : 'cannot be written by this user';
        throw new VentanillaError(
          ErrorCode.SWEEP_REFUSED,
          `${root} ${why} (${code}): the sweep renames and removes files there. Nothing was moved. Run it as the user the daemon runs as, on DATA_DIR mounted read-write; \`ventanilla blobs sweep --dry-run\` only reads.`,
          { root, write: code },
        );
      }
      throw error;
    }
  }
}

/** Removes the probe files of sweeps that died between making and removing them (their process is gone). */
async function removeDeadProbes(root: string): Promise<void> {
  const entries = await readdir(root).catch(() => [] as string[]);
  for (const name of entries) {
    const pid = Number(PROBE.exec(name)?.[1]);
    if (!pid || pid === process.pid || processRuns(pid)) continue;
    await unlink(join(root, name)).catch(() => undefined);
  }
}

export interface BlobFile {
  path: string;
  bytes: number;
}

export interface BlobListing {
  /**
   * The size of each blob older than the cutoff, by SHA-256 (its path is BlobStore.pathOf's): a name and a number,
   * ~110 bytes a file, for a store of millions (every mail an MTA pipes in is one).
   */
  old: Map<string, number>;
  /** How many blobs are younger. */
  young: number;
  /** The temporary files older than the cutoff. */
  temporary: BlobFile[];
  /** How many blobs a dead sweep held aside were put back (in a dry run: would be). */
  restored: number;
}

/** Lists the store under `root` by modification time against `cutoff` (epoch ms); puts back what dead sweeps held aside. */
export async function listBlobFiles(root: string, cutoff: number, dryRun: boolean, log: Logger): Promise<BlobListing> {
  const listing: BlobListing = { old: new Map(), young: 0, temporary: [], restored: 0 };
  for (const top of await folders(root)) {
    if (top === 'tmp') {
      for (const name of await names(join(root, top))) if (STREAM_TEMPORARY.test(name)) await addTemporary(listing, join(root, top, name), cutoff);
      continue;
    }
    if (!HEX2.test(top)) continue;
    // A top folder's (up to 256) folders at once: one after the other, 20,000 blobs took 3 s, mostly waits.
    const subs = (await folders(join(root, top))).filter((sub) => HEX2.test(sub));
    await Promise.all(subs.map((sub) => listFolder(listing, join(root, top, sub), `${top}${sub}`, cutoff, dryRun, log)));
  }
  return listing;
}

async function listFolder(listing: BlobListing, folder: string, prefix: string, cutoff: number, dryRun: boolean, log: Logger): Promise<void> {
  let entries = await names(folder);
  const leftovers = entries.filter((name) => ASIDE.test(name));
  // A dry run judges a leftover it would put back as the blob it would be (unless a file has the name: that one is).
  const wouldBe = new Map<string, string>();
  for (const name of leftovers) {
    if (!(await putBackLeftover(join(folder, name), dryRun, log))) continue;
    listing.restored++;
    const blob = name.replace(ASIDE, '$1');
    if (dryRun && !entries.includes(blob)) wouldBe.set(blob, join(folder, name));
  }
  if (leftovers.length > 0) entries = dryRun ? [...entries, ...wouldBe.keys()] : await names(folder);
  for (const name of entries) {
    if (BLOB.test(name) && name.startsWith(prefix)) {
      const file = await fileAt(wouldBe.get(name) ?? join(folder, name));
      if (!file) continue;
      if (file.mtimeMs < cutoff) listing.old.set(name, file.bytes);
      else listing.young++;
    } else if (TEMPORARY.test(name) && name.startsWith(prefix)) {
      await addTemporary(listing, join(folder, name), cutoff);
    }
  }
}

/**
 * A blob another sweep held aside goes back under its name when that sweep is gone (killed between its move and its
 * decision): it then is judged as any other (or dropped, when a writer stored it anew: putBackAside). One of a sweep
 * still at work is left to it. One that cannot be put back is left, and logged (never in silence: its rows name it).
 */
async function putBackLeftover(path: string, dryRun: boolean, log: Logger): Promise<boolean> {
  if (heldAside.has(path)) return false;
  const pid = Number(ASIDE.exec(path.slice(path.lastIndexOf('/') + 1))?.[2]);
  const since = await lstat(path).then((s) => s.ctimeMs, () => null);
  if (since === null) return false;
  const gone = pid === process.pid || !processRuns(pid) || since < Date.now() - ASIDE_STALE_MS;
  if (!gone) return false;
  if (dryRun) return true;
  const blob = path.replace(/\.[0-9]+\.sweep$/, '');
  return putBackAside(path, blob).then(
    () => true,
    (error: unknown) => {
      logStuckAside(log, path, blob, error);
      return false;
    },
  );
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function addTemporary(listing: BlobListing, path: string, cutoff: number): Promise<void> {
  const file = await fileAt(path);
  if (file && file.mtimeMs < cutoff) listing.temporary.push({ path, bytes: file.bytes });
}

/** A regular file's size and time; null when it is something else or gone (another sweep, a writer's rename). */
export async function fileAt(path: string): Promise<(BlobFile & { mtimeMs: number }) | null> {
  const s = await lstat(path).catch(() => null);
  return s?.isFile() ? { path, bytes: s.size, mtimeMs: s.mtimeMs } : null;
}

async function folders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(missingAsEmpty);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

async function names(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(missingAsEmpty);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

function missingAsEmpty(error: NodeJS.ErrnoException): never[] {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
  throw error;
}
