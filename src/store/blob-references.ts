import { connectionOf, type Db } from './database.js';

// Every place a row names a blob by its SHA-256, for the sweep (blob-sweep.ts): a file none of these names is
// removed, so one left out here would delete customers' files (test/unit/store/blob-references.test.ts fails on any
// column whose name looks like it names a file and that is neither read here nor reviewed as naming none). A raw mail or an attachment kept in the database
// (RawMail, AttachmentContent) is named by the same rows, and holds its bytes itself: it names no file.
// - Attachment.sha256: a customer's attachments above 128 KiB (and, like any, the same bytes sent again), an agent's
//   (`tickets reply --attach`), the files taken out of a winmail.dat or decoded from uuencode or BinHex;
// - Message.rawSha256, InboundLog.rawSha256: a raw mail that streamed in (stdin, a big mail, a mail too large kept
//   raw, a duplicate or a refusal logged with its raw copy), and the ones kept in the database;
// - QuarantinedMail.rawSha256: a mail the pipeline could not process, kept for `ventanilla replay`;
// - OutboxMail.attachments (JSON): an agent's answer, to send or to send again (`outbox retry`);
// - DeferredNotice.request (JSON): a notice owed during a backlog; a person's answer, the only kind with files,
//   is never owed, but a request may carry them and is moved into the outbox in one transaction.
// Bulletins, surveys, the knowledge base and the templates name no blob.
export const REFERENCES = [
  'SELECT "sha256" AS "sha256" FROM "Attachment"',
  'SELECT "rawSha256" FROM "Message" WHERE "rawSha256" IS NOT NULL',
  'SELECT "rawSha256" FROM "InboundLog"',
  'SELECT "rawSha256" FROM "QuarantinedMail"',
  `SELECT json_extract(a."value", '$.sha256') FROM "OutboxMail" o, json_each(o."attachments") a WHERE o."attachments" <> '[]'`,
  `SELECT json_extract(a."value", '$.sha256') FROM "DeferredNotice" d, json_each(d."request", '$.attachments') a`,
].join(' UNION ALL ');

// Each is one statement, so one snapshot of the database (a reference moved from one row to another in a
// transaction is seen in one place or the other), read on the app's own connection without a transaction (a
// statement cannot interleave with another of this process: better-sqlite3 is synchronous). The tables without an
// index on these columns are read whole: ~2 s for 200,000 messages of 10 KB (the Message table, 2 GB).

/** Calls `seen` with the SHA-256 of every reference to a blob (the same one as often as it is named). */
export function forEachBlobReference(db: Db, seen: (sha256: string) => void): void {
  const statement = connectionOf(db).prepare(REFERENCES).pluck();
  for (const sha256 of statement.iterate() as Iterable<string | null>) if (sha256) seen(sha256);
}

/** Those of `shas` that a row names. */
export function blobsReferencedAmong(db: Db, shas: string[]): Set<string> {
  if (shas.length === 0) return new Set();
  const statement = connectionOf(db).prepare(`SELECT DISTINCT "sha256" FROM (${REFERENCES}) WHERE "sha256" IN (SELECT "value" FROM json_each(?))`).pluck();
  return new Set(statement.all(JSON.stringify(shas)) as string[]);
}

