import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBinHex } from '../../../src/ingest/binhex.js';
import { withEncodedPartDecoded, withStreamedPartsDecoded } from '../../../src/ingest/encoded-parts.js';
import type { TakenAttachment } from '../../../src/ingest/mail-parser-run.js';
import { BlobStore, sha256Of } from '../../../src/store/blobs.js';
import { chunks } from '../../support/chunks.js';
import { binhex, uuencode } from '../../support/encoded-files.js';

// A big part of a big mail sent x-uuencode or BinHex is decoded from the blob store as a stream (encoded-parts.ts):
// it must give the file the in-memory decoders give for the same part, or keep the part as it came where they do,
// however the stream is cut.

let root: string;
let blobs: BlobStore;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ventanilla-blobs-'));
  blobs = new BlobStore(root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The store, its blobs read in `size`-byte chunks. */
function storeReadIn(size: number): BlobStore {
  const cut = Object.create(blobs) as BlobStore;
  cut.openRead = ((sha256: string) => chunks(readFileSync(blobs.pathOf(sha256)), size)) as unknown as BlobStore['openRead'];
  return cut;
}

/** A part as the in-memory path takes it, and as a big mail's parse leaves it: stored, its first `head` bytes kept. */
function part(encoded: Buffer, header: Pick<TakenAttachment, 'contentType' | 'transferEncoding' | 'filename'>, head = 1024) {
  const sha256 = blobs.putSync(encoded).sha256;
  return { whole: { ...header, content: encoded }, streamed: { ...header, content: encoded.subarray(0, head), streamed: { sha256, size: encoded.length } } };
}

/** What a decoded part is: its name, type, encoding mark, and its bytes (in memory, or read back from the store). */
async function seen(a: TakenAttachment) {
  const bytes = a.streamed?.sha256 ? await blobs.get(a.streamed.sha256) : a.content;
  return { filename: a.filename, contentType: a.contentType, transferEncoding: a.transferEncoding, sha256: sha256Of(bytes), size: bytes.length };
}

/** The streamed part decoded from the store cut in 1-, 7- and 4096-byte chunks, each read as the in-memory part is. */
async function expectSameAsInMemory(encoded: Buffer, header: Pick<TakenAttachment, 'contentType' | 'transferEncoding' | 'filename'>, label: string) {
  const { whole, streamed } = part(encoded, header);
  const expected = await seen(withEncodedPartDecoded(whole));
  for (const size of encoded.length > 100_000 ? [4096, 65536] : [1, 7, 4096]) {
    for (const inMemoryBytes of [100, 10 * 1024 * 1024]) {
      const [decoded] = await withStreamedPartsDecoded([streamed], { blobs: storeReadIn(size), inMemoryBytes, maxBytes: 10 * 1024 * 1024 });
      // Then as parse.ts takes every part: one decoded from the store into memory is read as a part in memory.
      expect(await seen(withEncodedPartDecoded(decoded!)), `${label}, ${size}-byte chunks, ${inMemoryBytes} bytes in memory`).toEqual(expected);
    }
  }
  const temporary = path.join(root, 'tmp');
  expect(existsSync(temporary) ? readdirSync(temporary) : []).toEqual([]);
  return expected;
}

const file = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3000), Buffer.alloc(700, 0x41), Buffer.alloc(300, 0x90), randomBytes(500)]);
const UU = { contentType: 'application/pdf', transferEncoding: 'x-uuencode', filename: undefined };
const crlf = (text: string) => Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1');

describe('an x-uuencode part decoded from the store', () => {
  const block = uuencode('informe.pdf', file);
  const cases: Record<string, [string, boolean]> = {
    'a block after a few lines': [`Adjunto:\n\n${block}\n`, true],
    'its lines ended CR CR LF (a relay added a CR to each)': [block.replace(/\n/g, '\r\n'), true],
    'a block that breaks off (a blank line), then a whole one': [`${block.split('\n').slice(0, 20).join('\n')}\n\n${uuencode('otro.pdf', file)}\n`, true],
    'a block broken off by the "begin" line of a whole one': [`${block.split('\n').slice(0, 20).join('\n')}\n${uuencode('otro.pdf', file)}`, true],
    'a line of 100,000 characters before the block': [`${'x'.repeat(100_000)}\n${block}`, true],
    'no "end" line': [block.replace(/\nend$/, ''), false],
    'a "begin" line without a name': [block.replace('begin 644 informe.pdf', 'begin 644  '), false],
    'no block at all': ['Adjunto el informe.\n', false],
  };
  for (const [name, [text, decodes]] of Object.entries(cases)) {
    it(`${name}: as in memory`, async () => {
      const expected = await expectSameAsInMemory(crlf(text), UU, name);
      expect(expected.transferEncoding === undefined, 'decoded').toBe(decodes);
      if (decodes) expect(expected.filename).toMatch(/^(informe|otro)\.pdf$/);
    });
  }

  it('a BinHex text uuencoded in a part typed BinHex: the file inside both, as in memory', async () => {
    const encoded = crlf(uuencode('plano.hqx', Buffer.from(binhex('plano.pdf', file), 'latin1')));
    const expected = await expectSameAsInMemory(encoded, { ...UU, contentType: 'application/mac-binhex40' }, 'twice encoded');
    expect([expected.filename, expected.sha256]).toEqual(['plano.hqx', sha256Of(file)]);
  });

  it('a big one goes to the store in its decoded bytes, its encoded text left there unreferenced', async () => {
    const big = randomBytes(3 * 1024 * 1024);
    const { streamed } = part(crlf(uuencode('respaldo.bak', big)), { ...UU, filename: 'respaldo.bak' });
    const [decoded] = await withStreamedPartsDecoded([streamed], { blobs, inMemoryBytes: 1024 * 1024, maxBytes: 10 * 1024 * 1024 });
    expect(decoded).toMatchObject({ filename: 'respaldo.bak', streamed: { sha256: sha256Of(big), size: big.length } });
    expect(decoded!.content.equals(big.subarray(0, 1024 * 1024))).toBe(true);
    expect(blobs.has(streamed.streamed.sha256)).toBe(true);
  });
});

describe('a BinHex part decoded from the store', () => {
  const BINHEX = { contentType: 'application/mac-binhex40', transferEncoding: '7bit', filename: undefined };
  const text = binhex('plano.pdf', file);
  const cases: Record<string, [string, boolean]> = {
    'a file': [text, true],
    'its runs packed': [binhex('plano.pdf', file, false, true), true],
    'its data fork damaged': [binhex('plano.pdf', file, true), false],
    'its header damaged': [text.replace(':', ':!'), false],
    'cut short (no closing colon)': [text.slice(0, text.length / 2), false],
    'a character outside its alphabet': [text.replace(/(.{500})./s, '$1~'), false],
    'a preamble before it, and blanks in it': [`Archivo adjunto.\n\n${text.replace(/\n/g, ' \n\t')}`, true],
  };
  for (const [name, [encoded, decodes]] of Object.entries(cases)) {
    it(`${name}: as in memory`, async () => {
      expect(decodeBinHex(Buffer.from(encoded, 'latin1')) !== null, 'decoded in memory').toBe(decodes);
      const expected = await expectSameAsInMemory(Buffer.from(encoded, 'latin1'), BINHEX, name);
      expect(expected.contentType).toBe(decodes ? 'application/pdf' : 'application/mac-binhex40');
      if (decodes) expect(expected.sha256).toBe(sha256Of(file));
    });
  }

  // Runs make a small text a big file ("0x90 255" over and over): in memory, a data fork far beyond its text is
  // not built (a crafted 3 MiB part declared hundreds of MB); a real one's runs shrink it a few times at most.
  it('in memory, a data fork declared far beyond its text is kept as it came; one that packs a few times decodes', () => {
    const zeros = Buffer.alloc(4 * 1024 * 1024);
    const bomb = Buffer.from(binhex('ceros.bin', zeros, false, true), 'latin1');
    expect(bomb.length * 16).toBeLessThan(zeros.length);
    expect(decodeBinHex(bomb)).toBeNull();
    const small = Buffer.alloc(512 * 1024);
    expect(decodeBinHex(Buffer.from(binhex('ceros.bin', small, false, true), 'latin1'))?.content.equals(small)).toBe(true);
  });

  it('one whose start is past the part\'s first bytes in memory is kept as it came', async () => {
    const { streamed } = part(Buffer.from(`${'x'.repeat(2000)}\n${text}`, 'latin1'), BINHEX, 1024);
    const [kept] = await withStreamedPartsDecoded([streamed], { blobs, inMemoryBytes: 1024, maxBytes: 10 * 1024 * 1024 });
    expect(kept).toBe(streamed);
  });
});
