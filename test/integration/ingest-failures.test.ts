import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/ingest/sources/files.js';
import { connectionOf } from '../../src/store/database.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { mailWithAttachments } from '../support/multipart-mail.js';

// Failures that are not the mail's fault must not quarantine it: the source (an MTA pipe, the IMAP session)
// keeps the mail and tries again, instead of being told it is stored when its ticket is not.

let app: TestApp | undefined;
afterEach(async () => {
  await app?.dispose();
  app = undefined;
});

describe('ingest when the disk is full', () => {
  it('a full database is a temporary failure (the MTA gets 75 and retries), not a quarantined mail', async () => {
    app = await createTestApp();
    // A customer's mail with a 100 KiB attachment: its ticket needs far more pages than a quarantine row.
    const raw = mailWithAttachments('disk-full-1', [{ name: 'factura.pdf', content: randomBytes(100 * 1024) }]);
    const db = connectionOf(app.db);
    // SQLite's own "database or disk is full" (SQLITE_FULL), as a full disk gives it: room for 32 KiB only.
    const pages = Number(db.pragma('page_count', { simple: true }));
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    db.pragma(`max_page_count = ${pages + Math.ceil((32 * 1024) / pageSize)}`);
    await expect(app.pipeline.ingestStream(Readable.from([raw]), { source: 'stdin', sourceRef: null })).rejects.toThrow(/database or disk is full/);
    expect(await app.db.quarantinedMail.count()).toBe(0);
    // Room again: the retry makes the ticket.
    db.pragma('max_page_count = 1073741823');
    expect(await app.pipeline.ingestStream(Readable.from([raw]), { source: 'stdin', sourceRef: null })).toMatchObject({ outcome: 'created' });
  });
});

describe('a Maildir that changes while it is imported', () => {
  it('a message moved away after it was listed (new/ to cur/ by a mail client) is skipped, and the import goes on', async () => {
    app = await createTestApp();
    const maildir = mkdtempSync(join(tmpdir(), 'ventanilla-maildir-'));
    try {
      for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub));
      for (const n of [1, 2, 3]) writeFileSync(join(maildir, 'new', `${n}.host`), mail({ headers: { 'Message-ID': `<moved-${n}@cliente.mx>` } }));
      const skipped: string[] = [];
      // Once the first is in, a mail client takes the second: it leaves new/ for cur/, under its new name.
      const report = await ingestPaths(app.pipeline, [maildir], (r) => {
        if (r.file.endsWith('1.host')) renameSync(join(maildir, 'new', '2.host'), join(maildir, 'cur', '2.host:2,S'));
      }, (file) => skipped.push(file));
      expect(skipped).toEqual([join(maildir, 'new', '2.host')]);
      expect(report.results.map((r) => [r.file.slice(maildir.length), r.outcome])).toEqual([
        ['/new/1.host', 'created'],
        ['/new/3.host', 'created'],
        ['/cur/2.host:2,S', 'created'],
      ]);
    } finally {
      rmSync(maildir, { recursive: true, force: true });
    }
  });

  it('a Maildir\'s new/ or cur/ named alone is imported as such (its files have no .eml ending); its tmp/ never', async () => {
    app = await createTestApp();
    const maildir = mkdtempSync(join(tmpdir(), 'ventanilla-maildir-'));
    try {
      for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub));
      writeFileSync(join(maildir, 'new', '1.host'), mail({ headers: { 'Message-ID': '<sub-1@cliente.mx>' } }));
      writeFileSync(join(maildir, 'cur', '2.host:2,S'), mail({ headers: { 'Message-ID': '<sub-2@cliente.mx>' } }));
      writeFileSync(join(maildir, 'tmp', '3.host'), mail({ headers: { 'Message-ID': '<sub-3@cliente.mx>' } }));
      const report = await ingestPaths(app.pipeline, [join(maildir, 'new'), join(maildir, 'cur'), join(maildir, 'tmp')]);
      expect(report.results.map((r) => [r.file.slice(maildir.length), r.outcome])).toEqual([
        ['/new/1.host', 'created'],
        ['/cur/2.host:2,S', 'created'],
      ]);
    } finally {
      rmSync(maildir, { recursive: true, force: true });
    }
  });
});
