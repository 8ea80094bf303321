import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IngestSource } from '../../src/ingest/pipeline.js';
import { ATTACHMENT_IN_DATABASE_BYTES, readAttachment } from '../../src/store/attachment-contents.js';
import { sha256Of } from '../../src/store/blobs.js';
import { projectRoot } from '../../src/paths.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { mailWithAttachments } from '../support/multipart-mail.js';

// Attachments up to 128 KiB are kept in the database, in the transaction that records their message; bigger
// ones are blob files. Either way an attachment reads back byte for byte under its hash, and is kept once.

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp({ MAX_MESSAGE_BYTES: String(4 * 1024 * 1024) });
});
afterEach(async () => {
  await app.dispose();
});

const file: IngestSource = { source: 'file', sourceRef: 'test' };
const contentRows = () => app.db.attachmentContent.findMany({ orderBy: { sha256: 'asc' } });

describe('attachment contents', () => {
  it('keeps a small attachment in the database and a big one as a file, each readable under its hash', async () => {
    const logo = randomBytes(10_000);
    const limit = randomBytes(ATTACHMENT_IN_DATABASE_BYTES);
    const photo = randomBytes(ATTACHMENT_IN_DATABASE_BYTES + 1);
    const result = await app.pipeline.ingest(mailWithAttachments('att-1', [{ name: 'logo.png', content: logo }, { name: 'limite.bin', content: limit }, { name: 'foto.jpg', content: photo }]), file);
    expect(result.outcome).toBe('created');

    const attachments = await app.db.attachment.findMany({ orderBy: { id: 'asc' } });
    expect(attachments.map((a) => [a.filename, a.size, a.sha256])).toEqual([
      ['logo.png', logo.length, sha256Of(logo)],
      ['limite.bin', limit.length, sha256Of(limit)],
      ['foto.jpg', photo.length, sha256Of(photo)],
    ]);
    expect((await contentRows()).map((r) => [r.sha256, r.size])).toEqual([[sha256Of(logo), logo.length], [sha256Of(limit), limit.length]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    expect(app.blobs.has(sha256Of(logo))).toBe(false);
    expect(app.blobs.has(sha256Of(limit))).toBe(false);
    expect(app.blobs.has(sha256Of(photo))).toBe(true);
    for (const bytes of [logo, limit, photo]) expect((await readAttachment(app.db, app.blobs, sha256Of(bytes)))?.equals(bytes)).toBe(true);
    expect(await readAttachment(app.db, app.blobs, 'f'.repeat(64))).toBeNull();
  });

  it("keeps the files of an Outlook winmail.dat as the ticket's attachments, not the winmail.dat", async () => {
    const winmail = readFileSync(join(projectRoot, 'test', 'fixtures', 'tnef', 'outlook-two-files.dat'));
    const result = await app.pipeline.ingest(mailWithAttachments('att-tnef', [{ name: 'winmail.dat', content: winmail, type: 'application/ms-tnef' }]), file);
    expect(result.outcome).toBe('created');
    const attachments = await app.db.attachment.findMany({ orderBy: { id: 'asc' } });
    expect(attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['zappa_av1.jpg', 'image/jpeg', 2937],
      ['bookmark.htm', 'application/octet-stream', 85805],
    ]);
    const photo = await readAttachment(app.db, app.blobs, attachments[0]!.sha256);
    expect(photo?.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff])); // a JPEG
  });

  it('keeps the same bytes once, however many messages carry them', async () => {
    const logo = randomBytes(5_000);
    await app.pipeline.ingest(mailWithAttachments('att-2', [{ name: 'logo.png', content: logo }]), file);
    await app.pipeline.ingest(mailWithAttachments('att-3', [{ name: 'firma.png', content: logo }], 'Beto <beto@cliente.mx>'), file);
    expect(await app.db.ticket.count()).toBe(2);
    expect((await app.db.attachment.findMany()).map((a) => a.sha256)).toEqual([sha256Of(logo), sha256Of(logo)]);
    expect(await contentRows()).toHaveLength(1);
  });

  it('keeps nothing of a mail whose transaction is rolled back, and everything once it is recorded', async () => {
    const invoice = randomBytes(8_000);
    const scan = randomBytes(20_000);
    const raw = mailWithAttachments('att-5', [{ name: 'escaneo.pdf', content: scan }], 'Beto <beto@cliente.mx>');
    // The second mail's source fails inside the transaction, in the batch and again alone (ingest-batch.test.ts):
    // the batch is rolled back, the first mail is recorded alone, the second quarantined.
    let failures = 2;
    const failing: IngestSource = { ...file, withinTransaction: async () => { if (failures-- > 0) throw new Error('cursor write failed'); } };
    const results = await app.pipeline.ingestMany([{ raw: mailWithAttachments('att-4', [{ name: 'factura.pdf', content: invoice }]), source: file }, { raw, source: failing }]);
    expect(results.map((r) => r.outcome)).toEqual(['created', 'quarantined']);
    expect((await app.db.attachment.findMany()).map((a) => a.sha256)).toEqual([sha256Of(invoice)]);
    expect((await contentRows()).map((r) => r.sha256)).toEqual([sha256Of(invoice)]);
    expect(app.blobs.has(sha256Of(scan))).toBe(false);
    // Replayed with a working source, the quarantined mail becomes a ticket with its attachment.
    expect((await app.pipeline.ingest(raw, file)).outcome).toBe('created');
    expect((await readAttachment(app.db, app.blobs, sha256Of(scan)))?.equals(scan)).toBe(true);
  });
});
