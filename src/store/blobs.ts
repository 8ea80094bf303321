import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, type ReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

let tempCounter = 0;

/** A blob stays at least this long after its last put (blob-sweep.ts): the time a writer has from its put to its commit. */
export const BLOB_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * A name no other writer uses: this process's id, the thread's (the preparation worker writes blobs too) and a
 * counter (random bytes per blob showed in profiles).
 */
function tempSuffix(): string {
  return `${process.pid}-${threadId}-${++tempCounter}`;
}

/** The SHA-256 of some bytes, as hex: the name of a blob, and of a raw mail (store/raw-mails.ts). */
export function sha256Of(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

export interface StoredBlob {
  sha256: string;
  size: number;
}

/** Chunks of a stream read into the store are at most this long; a bigger write buffer saves no time. */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Content-addressed files under DATA_DIR/blobs: attachments, and the raw mails that came in as streams (the
 * others are in the database: raw-mails.ts), are stored once per SHA-256, whatever the number of messages that
 * point at them. Files are written before the database commit that references them (a crash leaves at worst
 * an unreferenced file, never a reference to nothing); `ventanilla blobs sweep` (blob-sweep.ts) removes the files
 * no row references once they are a day old. Storing content whose file exists sets the file's times to now, so
 * that the sweep never takes a file between its put and the commit that references it (the argument is there).
 */
export class BlobStore {
  /** Folders known to exist (at most 65,536: two levels of two hex digits); mkdir per blob showed in profiles. */
  private readonly folders = new Set<string>();

  constructor(readonly root: string) {}

  private async ensureFolder(folder: string): Promise<void> {
    if (this.folders.has(folder)) return;
    await mkdir(folder, { recursive: true });
    this.folders.add(folder);
  }

  pathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** The private name a blob is written under first, then renamed: readers never see a half-written blob. */
  private tempFor(target: string): string {
    return `${target}.${tempSuffix()}.tmp`;
  }

  async put(content: Buffer): Promise<StoredBlob> {
    const sha256 = sha256Of(content);
    const target = this.pathOf(sha256);
    if (!refreshed(target)) {
      const temp = this.tempFor(target);
      await this.ensureFolder(dirname(target));
      await writeFile(temp, content);
      await this.publish(temp, target);
    }
    return { sha256, size: content.length };
  }

  /**
   * put() with blocking calls: for a worker thread, where nothing else waits on the thread, and where each
   * asynchronous call's round trip to the I/O pool cost more than the write itself.
   */
  putSync(content: Buffer): StoredBlob {
    const sha256 = sha256Of(content);
    const target = this.pathOf(sha256);
    if (!refreshed(target)) {
      const temp = this.tempFor(target);
      const folder = dirname(target);
      if (!this.folders.has(folder)) {
        mkdirSync(folder, { recursive: true });
        this.folders.add(folder);
      }
      writeFileSync(temp, content);
      try {
        renameSync(temp, target);
      } catch (error) {
        rmSync(temp, { force: true });
        throw error;
      }
    }
    return { sha256, size: content.length };
  }

  /**
   * Stores a stream without ever holding it whole: hashed while it is written to a private file, which is
   * then renamed to its hash (or dropped when that blob exists already). A stream longer than `maxBytes` is
   * read to its end (its size is returned) but not kept: `sha256` is then null.
   */
  async putStream(chunks: AsyncIterable<Buffer | string>): Promise<StoredBlob>;
  async putStream(chunks: AsyncIterable<Buffer | string>, maxBytes: number): Promise<StoredBlob | { sha256: null; size: number }>;
  async putStream(chunks: AsyncIterable<Buffer | string>, maxBytes = Number.POSITIVE_INFINITY): Promise<StoredBlob | { sha256: null; size: number }> {
    const tempDir = join(this.root, 'tmp');
    await this.ensureFolder(tempDir);
    const temp = join(tempDir, `${tempSuffix()}.tmp`);
    const file = await open(temp, 'w');
    const hash = createHash('sha256');
    let size = 0;
    let kept = true;
    try {
      for await (const item of chunks) {
        const chunk = typeof item === 'string' ? Buffer.from(item, 'latin1') : item;
        size += chunk.length;
        if (!kept) continue;
        if (size > maxBytes) {
          // Too big to keep: stop writing, but read on so the producer (a parser) can finish.
          kept = false;
          await file.truncate(0);
          continue;
        }
        hash.update(chunk);
        await file.write(chunk);
      }
    } catch (error) {
      await file.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await file.close();
    if (!kept) {
      await unlink(temp).catch(() => undefined);
      return { sha256: null, size };
    }
    const sha256 = hash.digest('hex');
    const target = this.pathOf(sha256);
    if (refreshed(target)) {
      await unlink(temp).catch(() => undefined);
    } else {
      await this.ensureFolder(dirname(target));
      await this.publish(temp, target);
    }
    return { sha256, size };
  }

  async get(sha256: string): Promise<Buffer> {
    return readFile(this.pathOf(sha256));
  }

  /** The first `bytes` of a blob (the header block of a stored mail), without reading the rest. */
  async head(sha256: string, bytes: number): Promise<Buffer> {
    const file = await open(this.pathOf(sha256), 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await file.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  /** A blob read in bounded chunks (a big mail parsed as it is read). */
  openRead(sha256: string): ReadStream {
    return createReadStream(this.pathOf(sha256), { highWaterMark: READ_CHUNK_BYTES });
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  private async publish(temp: string, target: string): Promise<void> {
    await rename(temp, target).catch(async (error) => {
      await unlink(temp).catch(() => undefined);
      throw error;
    });
  }
}

// Whether a blob's file is there, its times set to now if so (the sweep's grace starts again). A file that cannot be
// touched because it is gone (a sweep holds it aside this instant) is written anew, as for content never stored: the
// rename over it leaves a file of this writer's, just made. One blocking call, as the existsSync it replaced was:
// cheaper than a round trip to the I/O pool.
// Another OS user's file (`tickets reply --attach` run by an operator in a group the DATA_DIR is shared with): setting
// its times needs its owner (Node cannot ask for UTIME_NOW, which write access allows), and writing it anew would make
// it this user's, mode 600 (umask 077), its owner unable to read it for the rows that name it already. So it is left as
// it is when it was touched within half the grace: no sweep takes it for 12 hours more, the time such a writer has to
// commit. An older one is written anew: a sweep could take it before the commit.
function refreshed(target: string): boolean {
  const now = new Date();
  try {
    utimesSync(target, now, now);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EACCES') return false;
    try {
      return statSync(target).mtimeMs > now.getTime() - BLOB_GRACE_MS / 2;
    } catch {
      return false;
    }
  }
}
