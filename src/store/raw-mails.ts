import type { BlobStore } from './blobs.js';
import type { Db, Tx } from './database.js';
import { sqlOf } from './sql.js';

// Where a raw mail is kept. One held in memory when it came in (an IMAP batch, a pushed mail, a small file) is a
// RawMail row, written in the very transaction that records its outcome: a file per mail cost ~0.5 ms of CPU
// (0.4 of it in the kernel) on these machines, a sixth of all the work of an ingest. One that came as a stream
// (stdin, a big mail) is a blob file, stored while it streamed in. Both are named by the SHA-256 of their bytes.

/** Keeps a raw mail with the outcome being recorded; a mail already kept (the same bytes) is left as it is. */
export function keepRawMail(tx: Tx, sha256: string, content: Buffer, at: Date): void {
  sqlOf(tx).run('INSERT OR IGNORE INTO "RawMail" ("sha256", "size", "content", "storedAt") VALUES (?, ?, ?, ?)', sha256, content.length, content, at);
}

/** The raw mail from the RawMail table; null when it is not there (a streamed mail is a blob file). */
export function rawMailInDatabase(db: Db | Tx, sha256: string): Buffer | null {
  return sqlOf(db).get<{ content: Buffer }>('SELECT "content" FROM "RawMail" WHERE "sha256" = ?', sha256)?.content ?? null;
}

/** The raw mail wherever it is kept; null when it is in neither place. */
export async function readRawMail(db: Db, blobs: BlobStore, sha256: string): Promise<Buffer | null> {
  return rawMailInDatabase(db, sha256) ?? (blobs.has(sha256) ? blobs.get(sha256) : null);
}
