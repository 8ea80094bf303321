import type { BlobStore } from './blobs.js';
import type { Db, Tx } from './database.js';
import { sqlOf } from './sql.js';

// Where an attachment's bytes are kept. Small ones (most of a helpdesk's: logos, screenshots, short PDFs) are an
// AttachmentContent row, written in the very transaction that records their message, as the raw mails are
// (raw-mails.ts): a file each cost an inode (and mostly a folder another), and on these machines creating one
// cost 0.2 to 1.1 ms of kernel time in ext4's inode allocation, up to a third of the preparation worker's CPU.
// Bigger ones are blob files, as before; so are an agent's own attachments. Both are named by the SHA-256.
// SQLite's own measurements put the crossover between a BLOB in the database and a file near 100 KB.

/** Attachments up to this size are kept in the database; bigger ones as blob files. */
export const ATTACHMENT_IN_DATABASE_BYTES = 128 * 1024;

/** Keeps an attachment's bytes with the message being recorded; bytes already kept (the same hash) are left as they are. */
export function keepAttachmentContent(tx: Tx, sha256: string, content: Uint8Array, at: Date): void {
  sqlOf(tx).run('INSERT OR IGNORE INTO "AttachmentContent" ("sha256", "size", "content", "storedAt") VALUES (?, ?, ?, ?)', sha256, content.length, content, at);
}

/** An attachment's bytes wherever they are kept; null when they are in neither place. */
export async function readAttachment(db: Db | Tx, blobs: BlobStore, sha256: string): Promise<Buffer | null> {
  const row = sqlOf(db).get<{ content: Buffer }>('SELECT "content" FROM "AttachmentContent" WHERE "sha256" = ?', sha256);
  return row?.content ?? (blobs.has(sha256) ? blobs.get(sha256) : null);
}
