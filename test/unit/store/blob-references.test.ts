import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCES } from '../../../src/store/blob-references.js';
import { connectionOf } from '../../../src/store/database.js';
import { createTestApp, type TestApp } from '../../support/app.js';

// The sweep removes every old blob file that REFERENCES (store/blob-references.ts) does not name: a column added
// later that names a blob, and not read there, would have its files deleted a day after they were stored. So every
// column of the migrated database whose name says it may hold a hash, a file or raw bytes must have been reviewed:
// read by the sweep as a reference, or listed below as naming no blob file, with why. A new one fails this test
// until it is added to one list (and, when it names blobs, to REFERENCES).

const SUSPECT = /sha|hash|blob|attach|file|raw/i;

/** Read by the sweep as references to blob files (each must be in REFERENCES). */
const READ_AS_REFERENCES: Record<string, string> = {
  'Attachment.sha256': "a message's attachment: a customer's above 128 KiB, an agent's, a file taken out of a winmail.dat or decoded",
  'Message.rawSha256': 'the raw mail of a message that streamed in (stdin, a big mail)',
  'InboundLog.rawSha256': 'the raw mail of every mail logged: too large, duplicate, refused',
  'QuarantinedMail.rawSha256': 'a mail kept for `ventanilla replay`',
  'OutboxMail.attachments': "JSON [{ filename, contentType, sha256 }]: an agent's answer to send, or to send again",
  // Its name says nothing: listed so that it stays read (a request may carry an answer's attachments).
  'DeferredNotice.request': "JSON, its attachments' sha256: a notice owed during a backlog",
};

/** Reviewed: their names look like a blob's, but they name no file under DATA_DIR/blobs. */
const NAMING_NO_BLOB: Record<string, string> = {
  'RawMail.sha256': 'the key of a raw mail kept in the database: the row holds its bytes (Message, InboundLog and QuarantinedMail name it by the same hash, and are read)',
  'AttachmentContent.sha256': 'the key of an attachment up to 128 KiB kept in the database: the row holds its bytes (Attachment names it, and is read)',
  'Attachment.filename': 'the name the file was sent under, shown to agents: not where it is stored',
  'Bulletin.sourceFile': 'the Markdown file an operator scheduled the bulletin from (`bulletin schedule`): not in the store',
};

let app: TestApp;
let columns: string[];
beforeAll(async () => {
  app = await createTestApp();
  const sql = connectionOf(app.db);
  const tables = sql.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  columns = tables.flatMap((table) => (sql.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string }>).map((c) => `${table}.${c.name}`));
});
afterAll(() => app.dispose());

describe('the columns that may name a blob file', () => {
  it('were each reviewed: read by the sweep, or listed as naming none, with why', () => {
    const reviewed = { ...READ_AS_REFERENCES, ...NAMING_NO_BLOB };
    expect(columns.filter((column) => SUSPECT.test(column.split('.')[1]!) && !(column in reviewed))).toEqual([]);
  });

  it('that the sweep reads are in REFERENCES, and those listed still exist', () => {
    const selects = REFERENCES.split(' UNION ALL ');
    const unread = Object.keys(READ_AS_REFERENCES).filter((column) => {
      const [table, field] = column.split('.');
      return !selects.some((select) => select.includes(`FROM "${table}"`) && select.includes(`"${field}"`));
    });
    expect(unread).toEqual([]);
    expect(Object.keys({ ...READ_AS_REFERENCES, ...NAMING_NO_BLOB }).filter((column) => !columns.includes(column))).toEqual([]);
  });
});
