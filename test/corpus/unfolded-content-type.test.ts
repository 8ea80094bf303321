/**
 * A Content-Type whose parameter follows on a folded line without the ";" before it (stalwart's malformed/017.eml:
 * "Content-Type: multipart/mixed" then "\tboundary=..."). mailparser did not see the boundary: the mail read as
 * nothing, and its ticket had no text and lost its only attachment, a picture. parameter-lines.ts puts the ";" back
 * when a mail reads as nothing, in memory and as a stream alike.
 */
import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAttachment } from '../../src/store/attachment-contents.js';
import { parseMail, parseMailStream } from '../../src/ingest/parse.js';
import { BlobStore } from '../../src/store/blobs.js';
import { chunks } from '../support/chunks.js';
import { corpusRoot } from '../support/corpus.js';
import { createTestApp, type TestApp } from '../support/app.js';

const malformedDir = path.join(corpusRoot, 'stalwart-mail-parser', 'resources', 'eml', 'malformed');
const haveCorpus = fs.existsSync(malformedDir);

let app: TestApp | undefined;
let root: string | undefined;
afterEach(async () => {
  await app?.dispose();
  app = undefined;
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe.skipIf(!haveCorpus)(`a Content-Type parameter folded without its ";" (${haveCorpus ? 'present' : `absent: ${malformedDir}`})`, () => {
  it('malformed/017.eml opens a ticket with its picture, named as sent', async () => {
    app = await createTestApp();
    const raw = fs.readFileSync(path.join(malformedDir, '017.eml'));
    const result = await app.pipeline.ingest(raw, { source: 'file', sourceRef: '017.eml' });
    const message = await app.db.message.findFirstOrThrow({ where: { ticket: { number: result.ticketNumber as number } }, include: { attachments: { orderBy: { id: 'asc' } } } });
    const files = await Promise.all(message.attachments.map(async (a) => ({ name: a.filename, type: a.contentType, bytes: await readAttachment(app!.db, app!.blobs, a.sha256) })));
    expect(files.map((f) => [f.name, f.type, f.bytes?.toString('latin1')])).toEqual([['image001.png', 'image/png', 'hello world\n']]);
    // The mail has no text part: only its picture ("hello world" in base64).
    expect(message.text.trim()).toBe('');
  });

  it('malformed/017.eml reads the same as a stream, however it is cut', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'ventanilla-blobs-'));
    const raw = fs.readFileSync(path.join(malformedDir, '017.eml'));
    const inMemory = await parseMail(raw);
    expect(inMemory.attachments.map((a) => [a.filename, a.contentType, a.content.toString('latin1')])).toEqual([['image001.png', 'image/png', 'hello world\n']]);
    for (const size of [1, 7, 65536]) {
      const streamed = await parseMailStream(() => chunks(raw, size), raw, { blobs: new BlobStore(root), inMemoryBytes: 1024, maxBytes: 1024 * 1024 });
      expect([streamed.text, streamed.attachments.map((a) => [a.filename, a.contentType, a.content.toString('latin1')])], `${size}-byte chunks`)
        .toEqual([inMemory.text, [['image001.png', 'image/png', 'hello world\n']]]);
    }
  });
});
