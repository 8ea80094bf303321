import { connectionOf, type Db } from './database.js';
import { sqlDate } from './sql.js';

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


// The references whose bytes the database does not hold itself, so that this store must have them as files: an
// attachment with no AttachmentContent row, a raw mail with no RawMail row, an outbox mail's or an owed notice's
// attachments (always files: outbound/failed-mail.ts). For the guard against the wrong database
// (blob-sweep-guard.ts): the newest of them whose rows are older than the grace (a writer's file is put before its
// commit, so a row that old has had its file for as long). Each table walked from its newest row back (ids grow with
// time), at most `limit` taken from each, then the newest `limit` of them all, each file once. Message.rawSha256 is
// left out: every inbound mail's raw mail is in InboundLog too, and Message's columns lie after its text (10 KB a
// row): reading them read a 2 GB table whole, 3 s for 200,000 messages. Dates are ISO text, or epoch ms in rows of
// older versions, which SQLite sorts below any text: older either way. An empty hash (the log row of a mail IMAP
// could not read) names nothing.
const EXPECTED_FILES = `SELECT "sha256" FROM (
  SELECT * FROM (SELECT a."sha256" AS "sha256", m."createdAt" AS "at" FROM "Attachment" a JOIN "Message" m ON m."id" = a."messageId"
    WHERE m."createdAt" < @before AND NOT EXISTS (SELECT 1 FROM "AttachmentContent" c WHERE c."sha256" = a."sha256") ORDER BY a."id" DESC LIMIT @limit)
  UNION ALL SELECT * FROM (SELECT l."rawSha256", l."receivedAt" FROM "InboundLog" l
    WHERE l."receivedAt" < @before AND NOT EXISTS (SELECT 1 FROM "RawMail" r WHERE r."sha256" = l."rawSha256") ORDER BY l."id" DESC LIMIT @limit)
  UNION ALL SELECT * FROM (SELECT q."rawSha256", q."createdAt" FROM "QuarantinedMail" q
    WHERE q."createdAt" < @before AND NOT EXISTS (SELECT 1 FROM "RawMail" r WHERE r."sha256" = q."rawSha256") ORDER BY q."id" DESC LIMIT @limit)
  UNION ALL SELECT * FROM (SELECT json_extract(a."value", '$.sha256'), o."createdAt" FROM "OutboxMail" o, json_each(o."attachments") a
    WHERE o."attachments" <> '[]' AND o."createdAt" < @before ORDER BY o."id" DESC LIMIT @limit)
  UNION ALL SELECT * FROM (SELECT json_extract(a."value", '$.sha256'), d."createdAt" FROM "DeferredNotice" d, json_each(d."request", '$.attachments') a
    WHERE d."createdAt" < @before ORDER BY d."id" DESC LIMIT @limit)
) WHERE "sha256" IS NOT NULL AND "sha256" <> '' GROUP BY "sha256" ORDER BY max("at") DESC LIMIT @limit`;

/** The newest `limit` files the database expects in the store (see EXPECTED_FILES), of rows older than `before`. */
export function expectedFiles(db: Db, before: Date, limit: number): string[] {
  return connectionOf(db).prepare(EXPECTED_FILES).pluck().all({ before: sqlDate(before), limit }) as string[];
}

/** How many mails the database records, counted up to `upTo`: its inbound log's rows, or its inbound messages' if more. */
export function mailsRecorded(db: Db, upTo: number): number {
  const count = (rows: string) => `(SELECT count(*) FROM (SELECT 1 FROM ${rows} LIMIT @upTo))`;
  return Number(connectionOf(db).prepare(`SELECT max(${count('"InboundLog"')}, ${count('"Message" WHERE "direction" = \'in\'')})`).pluck().get({ upTo }) as number | bigint);
}
