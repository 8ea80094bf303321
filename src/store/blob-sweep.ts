import { rename, unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import { asideName, assertHardLinks, fileAt, heldAside, listBlobFiles, logStuckAside, putBackAside, type BlobFile } from './blob-files.js';
import { blobsReferencedAmong, forEachBlobReference } from './blob-references.js';
import { filesExpected, implausibleSweep, sweepRefused } from './blob-sweep-guard.js';
import { BLOB_GRACE_MS, type BlobStore } from './blobs.js';
import type { Db } from './database.js';

// `ventanilla blobs sweep` and the daemon's nightly run: removes the blob files no row names (blob-references.ts)
// once they are a day old, and the temporary files of writers dead as long. Files nothing names are left by design:
// the encoded copy of a big uuencoded or BinHex part once decoded (encoded-parts.ts), a big winmail.dat's once its
// files are taken (tnef-stream-read.ts), a batch prepared and never recorded, a transaction that failed or a process
// killed after its files were written (a blob is always written before the commit that names it).
//
// Why no committed reference is ever left to a missing file, with other processes storing and committing meanwhile:
// 1. A writer (put, putSync, putStream) that finds its file there sets its times to now, else writes it (anew), and
//    only then commits a row naming it. So between a put and its commit the file is young, or absent and being
//    written again; and every reference is committed after a put of its file or copied from a row that names it.
//    The day of grace bounds how long a writer may take from its put to its commit. (A writer not allowed to set the
//    file's times, another OS user's, leaves it as it is only when it is younger than half the grace: blobs.ts.)
// 2. The sweep lists the files, keeps the young ones, and reads every reference in one statement (one snapshot):
//    an old file named there is kept. The others are candidates; when most of the files the database expects are not
//    in the store (or it expects none, names none and records next to no mail), the database is not this store's
//    (blob-sweep-guard.ts) and the sweep refuses, nothing moved.
// 3. A candidate is renamed to a name of this sweep's (`<sha256>.<pid>.sweep`): from then on a writer's touch fails
//    (ENOENT) and it writes the file anew under the blob's name, which the sweep never removes. A touch before the
//    rename shows in the file's time (a rename keeps it): read right after the rename, a young time puts it back at
//    once. So a put between the listing and the rename keeps the file, and one after writes it anew.
// 4. Then the references are read once more, fresh (one statement for all the candidates held aside): a file a row
//    came to name since step 2 (a reference moved from one row to another, or the commit of a writer slower than
//    the grace) goes back; the rest are unlinked. On any failure everything still aside goes back. Going back never
//    replaces a file at the name: that is one a writer wrote anew, young, and about to be named (blob-files.ts).
//    It is a hard link: where link() fails (SMB, vfat) the file would stay aside, so the sweep asks first, before
//    moving anything, and refuses there (assertHardLinks); one that still cannot go back is logged with its path.
// What is left: a file is absent from its name between the rename and its putting back (microseconds for a young
// one; the second look for a named one): only a reader in that window could miss it, of a file put just before the
// rename (the writer reading back what it stored, as a big mail's winmail.dat is; a reference committed at once), or
// of a reference from a writer slower than a day. A sweep killed while it holds files
// aside leaves them under its name: the next sweep puts them back first (blob-files.ts), and a writer meanwhile
// writes its file anew. Folders are never removed: a writer remembers the ones it made (BlobStore.ensureFolder).
// All this needs writers that see the files as the sweep does: one on another host sharing DATA_DIR over NFS may
// touch a blob through a path its client cached before the rename, unseen here (README: BLOB_SWEEP=off there).

export type SweepStep = 'listed' | 'moved';

export interface BlobSweepReport {
  dryRun: boolean;
  /** Blobs no row names, older than the grace period: removed (in a dry run: to be). */
  removed: { files: number; bytes: number };
  /** Temporary files of writers dead for the grace period: removed (in a dry run: to be). */
  temporary: { files: number; bytes: number };
  /** Blobs older than the grace period that a row names: kept. */
  referenced: number;
  /** Blobs younger than the grace period: not judged. */
  young: number;
  /** Blobs a killed sweep had left aside, put back (in a dry run: to be). */
  restored: number;
  /**
   * Why a sweep without --force refuses (blob-sweep-guard.ts: the counts, what to check), or null when it does not:
   * said by a dry run, and by a sweep forced past it.
   */
  refusal: string | null;
}

/** The store to sweep and the database that names its files. */
export interface SweptStore {
  db: Db;
  blobs: BlobStore;
  log: Logger;
}

export interface SweepOptions {
  dryRun?: boolean;
  /** Removes what no row names even when that is most of the store (the CLI's --force; never the nightly job). */
  force?: boolean;
  /** Told of each blob removed (the nightly job logs them). */
  removed?: (sha256: string, bytes: number) => void;
  /** Tests: awaited after each step, where another process may act. */
  between?: (step: SweepStep) => Promise<void>;
}

interface Aside extends BlobFile {
  away: string;
}

export async function sweepBlobs(store: SweptStore, options: SweepOptions = {}): Promise<BlobSweepReport> {
  const { db, blobs } = store;
  const dryRun = options.dryRun === true;
  // The wall clock: files' times are real ones, whatever time a `scheduler run-once --now` acts as.
  const cutoff = Date.now() - BLOB_GRACE_MS;
  // Before anything is moved (the listing puts back what a dead sweep left aside): a dry run moves nothing.
  if (!dryRun) await assertHardLinks(blobs.root);
  const listing = await listBlobFiles(blobs.root, cutoff, dryRun, store.log);
  await options.between?.('listed');
  const old = listing.old.size;
  // Whether the files the database expects are here, looked up before the named ones are taken out of the listing (a
  // dry run lists what a dead sweep left aside as the blob it would be put back as).
  const expected = old > 0 ? filesExpected(db, new Date(cutoff), (sha256) => listing.old.has(sha256) || blobs.has(sha256)) : null;
  // The old blobs, those a row names taken out: the candidates.
  const candidates = listing.old;
  if (candidates.size > 0) forEachBlobReference(db, (sha256) => candidates.delete(sha256));
  // The wrong database: refused before anything is moved (a dry run only says so).
  const identity = { old, unreferenced: candidates.size, ...(expected ?? { expected: 0, missing: 0, mails: 0 }) };
  const refused = dryRun || options.force ? null : sweepRefused(blobs.root, identity);
  if (refused) throw refused;
  // A dry run moves nothing, so it has no second look to take: the candidates are what it would remove.
  const removed = dryRun ? sum([...candidates.values()].map((bytes) => ({ bytes }))) : await removeUnreferenced(store, candidates, cutoff, options);
  const temporary = dryRun ? sum(listing.temporary) : await removeTemporary(listing.temporary, cutoff);
  return { dryRun, removed, temporary, referenced: old - identity.unreferenced, young: listing.young, restored: listing.restored, refusal: implausibleSweep(blobs.root, identity) };
}

/** Steps 3 and 4 above. */
async function removeUnreferenced({ db, blobs, log }: SweptStore, candidates: Map<string, number>, cutoff: number, options: SweepOptions): Promise<{ files: number; bytes: number }> {
  const aside = new Map<string, Aside>();
  const done = { files: 0, bytes: 0 };
  try {
    for (const sha256 of candidates.keys()) {
      const path = blobs.pathOf(sha256);
      const away = asideName(path);
      heldAside.add(away);
      // Gone: another sweep took it (or holds it aside).
      if (!(await unlessGone(rename(path, away)))) {
        heldAside.delete(away);
        continue;
      }
      const held = await fileAt(away);
      if (!held) {
        heldAside.delete(away);
        continue;
      }
      aside.set(sha256, { path, bytes: held.bytes, away });
      // Stored again before the move: its writer is about to name it.
      if (held.mtimeMs >= cutoff) await putBack(aside, sha256);
    }
    await options.between?.('moved');
    const named = blobsReferencedAmong(db, [...aside.keys()]);
    for (const [sha256, file] of aside) {
      if (named.has(sha256)) continue;
      const unlinked = await unlessGone(unlink(file.away));
      aside.delete(sha256);
      heldAside.delete(file.away);
      if (!unlinked) continue;
      done.files++;
      done.bytes += file.bytes;
      options.removed?.(sha256, file.bytes);
    }
  } finally {
    // The named ones, and all of them when something failed: each tried, each failure logged with its path (the file
    // stays aside, missing from its name), the first one thrown.
    let failure: unknown;
    for (const [sha256, file] of [...aside]) {
      await putBack(aside, sha256).catch((error: unknown) => {
        logStuckAside(log, file.away, file.path, error);
        failure ??= error;
      });
    }
    if (failure) throw failure;
  }
  return done;
}

/** Puts a blob held aside back under its name, unless a writer wrote it anew meanwhile (then it is dropped). */
async function putBack(aside: Map<string, Aside>, sha256: string): Promise<void> {
  const file = aside.get(sha256) as Aside;
  await putBackAside(file.away, file.path);
  aside.delete(sha256);
  heldAside.delete(file.away);
}

async function removeTemporary(files: BlobFile[], cutoff: number): Promise<{ files: number; bytes: number }> {
  const done = { files: 0, bytes: 0 };
  for (const { path } of files) {
    // Looked at again: a writer at work since the listing wrote to it.
    const file = await fileAt(path);
    if (!file || file.mtimeMs >= cutoff) continue;
    if (!(await unlessGone(unlink(path)))) continue;
    done.files++;
    done.bytes += file.bytes;
  }
  return done;
}

/** True once done; false when the file was gone already; any other failure (a folder this user may not write in) thrown. */
const unlessGone = (step: Promise<void>): Promise<boolean> =>
  step.then(() => true, (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)));

const sum = (files: Array<Pick<BlobFile, 'bytes'>>) => ({ files: files.length, bytes: files.reduce((total, f) => total + f.bytes, 0) });
