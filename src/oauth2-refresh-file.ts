import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { readableBeyondOwner } from './private-file.js';
import { dirname } from 'node:path';

// A provider may rotate the refresh token at each use (Microsoft does: the old one then lives only to its own
// expiry, 90 days at most). Kept in memory only, a restart months later offered the configured one, long dead,
// and the gateway stopped reading the mailbox until a person granted a new one. The latest is kept in a file in
// DATA_DIR (readable by this user only), tied to the configured token it descends from: a new
// IMAP_OAUTH2_REFRESH_TOKEN (a new consent) starts over from that one.

interface Stored {
  /** SHA-256 of the configured refresh token this one descends from. */
  from: string;
  refreshToken: string;
  savedAt: string;
}

export class RefreshTokenFile {
  private readonly from: string;

  constructor(
    readonly path: string,
    configured: string,
  ) {
    this.from = createHash('sha256').update(configured).digest('hex');
  }

  /**
   * The latest token descended from the configured one: null when there is none yet, when the file is another
   * configured token's, or when it cannot be read (`problem` hears why; the caller's token is tried then).
   */
  read(problem: (why: string) => void = () => undefined): string | null {
    let stored: Partial<Stored>;
    try {
      stored = Object(JSON.parse(readFileSync(this.path, 'utf8'))) as Partial<Stored>;
    } catch (error) {
      // No file before the first rotation is the usual case; anything else (a damaged file, one another user
      // wrote) loses the chain of tokens, and the admin must hear why.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') problem((error as Error).message);
      return null;
    }
    return stored.from === this.from && typeof stored.refreshToken === 'string' && stored.refreshToken !== '' ? stored.refreshToken : null;
  }

  /**
   * What to tell the admin when others than its owner may read the file (a copy restored or moved with the usual
   * umask 022): the refresh token in it opens the mailbox. The files saved here are readable by their owner only.
   */
  exposure(): string | undefined {
    const readable = readableBeyondOwner(this.path);
    if (!readable) return undefined;
    return `the OAuth2 refresh token file ${this.path} is readable by ${readable.who} (mode ${readable.mode}): the refresh token opens the mailbox; make it readable by the gateway's user only (chmod 600 ${this.path})`;
  }

  /**
   * Keeps `refreshToken` whole or not at all (a crash leaves the previous file): written to a file of its own,
   * flushed to the disk, then renamed over the old one. Throws what the file system said.
   */
  save(refreshToken: string, at: Date = new Date()): void {
    // The pid alone is not a name of its own: the daemon and a CLI command in two containers sharing DATA_DIR are
    // both pid 1, and wrote into one temporary file at once. Random bytes, and 'wx' to never share one anyway.
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const stored: Stored = { from: this.from, refreshToken, savedAt: at.toISOString() };
    // Opened before the try: a name that was taken after all is not ours to remove.
    const fd = openSync(temp, 'wx', 0o600);
    try {
      try {
        writeSync(fd, `${JSON.stringify(stored)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    syncFolder(dirname(this.path));
  }
}

/**
 * The rename itself is kept by the folder, which the file's flush does not write: after a power cut the old file
 * could come back, holding a refresh token the provider retired when it issued this one (Microsoft rotates them),
 * and the mailbox would stay shut until someone signed in again. A file system that cannot flush a folder is left as is.
 */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // EISDIR/EINVAL/EPERM on some systems: the rename stands, only its durability across a power cut is not forced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
