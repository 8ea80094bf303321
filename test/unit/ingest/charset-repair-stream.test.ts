import { randomBytes } from 'node:crypto';
import fs, { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { withTextCharsetsNamed } from '../../../src/ingest/charset-repair.js';
import { charsetsToName, withTextCharsetsNamedStream } from '../../../src/ingest/charset-repair-stream.js';
import { parseMail, parseMailStream } from '../../../src/ingest/parse.js';
import { BlobStore, sha256Of } from '../../../src/store/blobs.js';
import { chunks } from '../../support/chunks.js';
import { corpusRoot, walk } from '../../support/corpus.js';
import { mislabelledMail } from '../../support/mislabelled-mail.js';

// A big mail is parsed as a stream (parse.ts parseMailStream), and its mislabelled text parts must be read as the
// same mail's in memory are: charset-repair-stream.ts names their charsets as charset-repair.ts does, holding no
// body, neither a text part's nor an attachment's.

/** The mail walked for its charsets in `chunkSize`-byte chunks, then named in 64 KiB ones (the walks must agree). */
async function named(raw: Buffer, chunkSize: number): Promise<{ out: Buffer; changed: boolean }> {
  const toName = await charsetsToName(chunks(raw, chunkSize));
  if (!toName) return { out: raw, changed: false };
  const parts: Buffer[] = [];
  for await (const part of withTextCharsetsNamedStream(chunks(raw, 65536), toName)) parts.push(part as Buffer);
  return { out: Buffer.concat(parts), changed: true };
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
    const stream = withTextCharsetsNamedStream(input, (await charsetsToName(chunks(raw, 65536)))!);
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

  it('names the charset of a text part written on one long line, and of one above 1 MiB (a pasted log)', async () => {
    const part = (body: string) => Buffer.from(`Content-Type: text/html\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`, 'latin1');
    const oneLine = part(`<p>${'el a\xf1o '.repeat(20_000)}</p>`);
    const read = await named(oneLine, 65536);
    expect([read.out.equals(withTextCharsetsNamed(oneLine) as Buffer), read.changed]).toEqual([true, true]);
    const huge = part('<p>el a\xf1o</p>\r\n'.repeat(200_000));
    const log = await named(huge, 65536);
    expect([log.out.equals(withTextCharsetsNamed(huge) as Buffer), log.changed]).toEqual([true, true]);
    // UTF-8 for 3 MB but for its last byte: judged on all of it, named; without that byte, left as declared.
    const utf8 = `<p>${'el año</p>\r\n'.repeat(200_000)}`;
    const lastByte = Buffer.concat([part(''), Buffer.from(utf8, 'utf8'), Buffer.from([0xf1])]);
    expect((await named(lastByte, 65536)).out.equals(withTextCharsetsNamed(lastByte) as Buffer)).toBe(true);
    const indeed = Buffer.concat([part(''), Buffer.from(utf8, 'utf8')]);
    expect([withTextCharsetsNamed(indeed), (await named(indeed, 65536)).changed]).toEqual([null, false]);
  });

  it("passes a big text part's body on as it arrives, its header first: nothing of the body is held", async () => {
    const raw = Buffer.from(`Content-Type: text/plain\r\n\r\n${'conexi\xf3n rechazada\r\n'.repeat(200_000)}`, 'latin1');
    const input = new PassThrough();
    const stream = withTextCharsetsNamedStream(input, (await charsetsToName(chunks(raw, 65536)))!);
    const out: Buffer[] = [];
    stream.on('data', (b: Buffer) => out.push(b));
    input.write(raw.subarray(0, 1024 * 1024));
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(out).length).toBeGreaterThan(1024 * 1024 - 100);
    expect(Buffer.concat(out).toString('latin1')).toMatch(/^Content-Type: text\/plain; charset=windows-1252\r\n\r\nconexi\xf3n/);
    input.end(raw.subarray(1024 * 1024));
    await new Promise((resolve) => stream.on('end', resolve));
    expect(Buffer.concat(out).length).toBe(raw.length + '; charset=windows-1252'.length);
  });

  it('decodes base64 and quoted-printable bodies as the in-memory repair does, however they are cut', async () => {
    // A fixed pseudo-random sequence: text in UTF-8 or Latin-1, encoded, then soft breaks, "=" and stray bytes put in.
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const pick = <T>(items: T[]) => items[next(items.length)]!;
    let differ = 0;
    for (let i = 0; i < 300; i++) {
      const words = Array.from({ length: 1 + next(30) }, () => pick(['año', 'acción', 'línea', 'log', '€', '\u{1F600}', 'x']));
      const bytes = Buffer.from(words.join(' '), pick(['utf8', 'latin1'] as const));
      const encoding = pick(['base64', 'quoted-printable']);
      let body = encoding === 'base64' ? bytes.toString('base64') : bytes.toString('latin1').replace(/[=\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase()}`);
      for (let k = next(6); k > 0; k--) {
        const at = next(body.length + 1);
        body = body.slice(0, at) + pick(['=\r\n', '=\n', '\r\n', '=', '==', '=4', '=\r', ' ', '\xf1', '-_', '!']) + body.slice(at);
      }
      const raw = Buffer.from(`Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}`, 'latin1');
      const whole = withTextCharsetsNamed(raw) ?? raw;
      for (const size of [1, 2, 3, 5]) if (!(await named(raw, size)).out.equals(whole)) differ++;
    }
    expect(differ).toBe(0);
  });

  it('decodes a long line cut in pieces as the in-memory repair does, wherever the cut falls', async () => {
    // A body line above 64 KiB is judged piece by piece: a piece may end in "=C", in a soft break's "=" or "=\r", or
    // with base64 characters short of a group of four, which the next piece completes.
    const segments: Record<string, string> = {
      'quoted-printable': 'a=C3=B1o=C3=\r\n=B1=\r\nz\r\nfin',
      base64: Buffer.from('año acción línea'.repeat(3), 'utf8').toString('base64'),
    };
    for (const [encoding, segment] of Object.entries(segments)) {
      const header = `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n`;
      // The first chunk ends 65537 characters into the line: there its first piece ends.
      const cut = header.length + 65_537;
      for (let pad = 65_537 - segment.length - 1; pad <= 65_537; pad++) {
        const raw = Buffer.from(header + (encoding === 'base64' ? 'QUFB'.repeat(pad / 4) + 'A'.repeat(pad % 4) : 'x'.repeat(pad)) + segment, 'latin1');
        const whole = withTextCharsetsNamed(raw) ?? raw;
        expect((await named(raw, cut)).out.equals(whole), `${encoding}, cut ${65_537 - pad} characters into the segment`).toBe(true);
      }
      expect(withTextCharsetsNamed(Buffer.from(header + segment, 'latin1')), `${encoding}: the segment is UTF-8`).toBeNull();
    }
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
    // Walked for its charsets, then read a third time for its text alone; its attachment was not stored again.
    expect(opened).toBe(3);
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
