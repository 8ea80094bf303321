import { randomBytes } from 'node:crypto';
import fs, { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { withTextCharsetsNamed } from '../../../src/ingest/charset-repair.js';
import { withTextCharsetsNamedStream } from '../../../src/ingest/charset-repair-stream.js';
import { parseMail, parseMailStream } from '../../../src/ingest/parse.js';
import { BlobStore, sha256Of } from '../../../src/store/blobs.js';
import { chunks } from '../../support/chunks.js';
import { corpusRoot, walk } from '../../support/corpus.js';
import { mislabelledMail } from '../../support/mislabelled-mail.js';

// A big mail is parsed as a stream (parse.ts parseMailStream), and its mislabelled text parts must be read as the
// same mail's in memory are: charset-repair-stream.ts names their charsets as charset-repair.ts does, holding only
// text parts, never an attachment.

async function named(raw: Buffer, chunkSize: number): Promise<{ out: Buffer; changed: boolean }> {
  const { stream, changed } = withTextCharsetsNamedStream(chunks(raw, chunkSize));
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return { out: Buffer.concat(parts), changed: changed() };
}

describe('charsets named on a mail read as a stream', () => {
  const stalwart = path.join(corpusRoot, 'stalwart-mail-parser', 'resources', 'eml');
  it.skipIf(!fs.existsSync(stalwart))("gives, on every mail of the stalwart corpus, the bytes the in-memory repair gives, however it is cut", async () => {
    const files = walk(stalwart).filter((f) => f.endsWith('.eml'));
    const differ: string[] = [];
    let repaired = 0;
    for (const file of files) {
      const raw = fs.readFileSync(file);
      const whole = withTextCharsetsNamed(raw);
      if (whole) repaired++;
      for (const size of [1, 7, 65536]) {
        const { out, changed } = await named(raw, size);
        if (!out.equals(whole ?? raw) || changed !== (whole !== null)) differ.push(`${path.relative(stalwart, file)} in ${size}-byte chunks`);
      }
    }
    expect(files.length).toBeGreaterThan(100);
    expect(repaired).toBeGreaterThan(2);
    expect(differ).toEqual([]);
  });

  it('passes an attachment on as it arrives: nothing of it is held', async () => {
    const raw = mislabelledMail('flow', { name: 'f.bin', content: randomBytes(300_000) });
    const cut = raw.indexOf('Content-Disposition: attachment') + 200_000;
    const input = new PassThrough();
    const { stream } = withTextCharsetsNamedStream(input);
    const out: Buffer[] = [];
    stream.on('data', (b: Buffer) => out.push(b));
    input.write(raw.subarray(0, cut));
    await new Promise((resolve) => setImmediate(resolve));
    // All but the last, unfinished line is out before the rest of the attachment comes.
    expect(Buffer.concat(out).length).toBeGreaterThan(cut - 100);
    expect(Buffer.concat(out).toString('latin1')).toContain('Content-Type: text/plain; charset=windows-1252');
    input.end(raw.subarray(cut));
    await new Promise((resolve) => stream.on('end', resolve));
  });

  it('names the charset of a text part written on one long line; leaves one above 1 MiB as declared', async () => {
    const part = (body: string) => Buffer.from(`Content-Type: text/html\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`, 'latin1');
    const oneLine = part(`<p>${'el a\xf1o '.repeat(20_000)}</p>`);
    const read = await named(oneLine, 65536);
    expect([read.out.equals(withTextCharsetsNamed(oneLine) as Buffer), read.changed]).toEqual([true, true]);
    const huge = part('<p>el a\xf1o</p>\r\n'.repeat(80_000));
    const held = await named(huge, 65536);
    expect([held.out.equals(huge), held.changed]).toEqual([true, false]);
  });

  it('passes raw bytes without line feeds on as they are', async () => {
    const raw = Buffer.concat([Buffer.from('Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'), randomBytes(300_000).map((b) => (b === 10 ? 32 : b))]);
    const passed = await named(raw, 65536);
    expect([passed.out.equals(raw), passed.changed]).toEqual([true, false]);
  });
});

describe('a mail parsed as a stream (a big one) reads as it does in memory', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  it('the same text, HTML, subject, sender name and attachment, the attachment streamed into the store once', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'ventanilla-blobs-'));
    const blobs = new BlobStore(root);
    const content = randomBytes(200_000);
    const raw = mislabelledMail('same', { name: 'factura.zip', content });
    // The attachment is past inMemoryBytes: streamed into the store, as in a mail past BIG_MAIL_BYTES.
    let opened = 0;
    const open = () => (opened++, chunks(raw, 4096));
    const streamed = await parseMailStream(open, raw.subarray(0, 64 * 1024), { blobs, inMemoryBytes: 1024, maxBytes: 10 * 1024 * 1024 });
    const inMemory = await parseMail(raw);
    expect(inMemory.text).toBe('Mañana envío la factura; el año pasado la recepción no falló.');
    expect(inMemory.subject).toBe('Facturación electrónica rechazada');
    expect(inMemory.from?.name).toBe('José Muñoz');
    const seen = (m: typeof inMemory) => ({ text: m.text, html: m.html, subject: m.subject, from: m.from });
    expect(seen(streamed)).toEqual(seen(inMemory));
    expect(streamed.attachments.map((a) => [a.filename, a.streamed?.size, a.streamed?.sha256])).toEqual([['factura.zip', content.length, sha256Of(content)]]);
    expect(inMemory.attachments.map((a) => [a.filename, a.content.length])).toEqual([['factura.zip', content.length]]);
    // Read a second time for its text alone; its attachment was not stored again.
    expect(opened).toBe(2);
    expect(readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('a mail that lost no letters is read once', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'ventanilla-blobs-'));
    // The same mail written in UTF-8 indeed.
    const raw = Buffer.from(mislabelledMail('utf8', { name: 'f.zip', content: randomBytes(5000) }).toString('latin1'), 'utf8');
    let opened = 0;
    const mail = await parseMailStream(() => (opened++, chunks(raw, 4096)), raw, { blobs: new BlobStore(root), inMemoryBytes: 1024, maxBytes: 1024 * 1024 });
    expect(mail.text).toBe('Mañana envío la factura; el año pasado la recepción no falló.');
    expect(opened).toBe(1);
  });
});
