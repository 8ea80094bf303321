import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttachmentSpill } from '../../../src/ingest/mail-parser-run.js';
import { tnefFiles, type TnefFile } from '../../../src/ingest/tnef.js';
import { tnefBody } from '../../../src/ingest/tnef-body.js';
import { readStreamedTnef, type StreamedTnef } from '../../../src/ingest/tnef-stream-read.js';
import { projectRoot } from '../../../src/paths.js';
import { BlobStore } from '../../../src/store/blobs.js';
import { chunks } from '../../support/chunks.js';
import { compressedRtf, tnefStream } from '../../support/tnef-stream.js';

// A big mail's winmail.dat is read from the blob store as a stream (tnef-stream-read.ts): its body picked out, its
// files flowing back into the store. What it reads must be what the in-memory reader reads of the same bytes.

const fixture = (name: string) => readFileSync(join(projectRoot, 'test', 'fixtures', 'tnef', name));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

let dir: string;
let blobs: BlobStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-tnef-stream-'));
  blobs = new BlobStore(join(dir, 'blobs'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const inMemory = (): AttachmentSpill => ({ blobs, inMemoryBytes: 64 * MiB, maxBytes: 64 * MiB });
const tempFiles = () => readdirSync(join(dir, 'blobs', 'tmp'));

const RTF = String.raw`{\rtf1\ansi\ansicpg1250\deff0{\fonttbl{\f0\fswiss\fcharset238 Calibri;}}\uc1\pard\f0 Dzie\'f1 dobry,\par Faktura nr 12 nie dzia\'b3a.\par}`;
const pdf = Buffer.from('%PDF-1.4 faktura');
const streams: Record<string, Buffer> = {
  "a real Outlook winmail.dat (two files, the body as RTF)": fixture('outlook-two-files.dat'),
  'PR_BODY and PR_BODY_HTML': tnefStream([{ title: 'faktura.pdf', content: pdf }], 1252, { body: 'Hola, no puedo timbrar.', bodyHtml: Buffer.from('<p>Hola</p>') }),
  'attBody in the code page the stream names': tnefStream([{ title: iconv.encode('Faktura č.pdf', 'cp1250'), content: pdf }], 1250, { attBody: iconv.encode('Dzień dobry', 'cp1250') }),
  'the message properties after the files': tnefStream([{ title: 'A.PDF', longName: 'Acta.pdf', content: pdf }, { title: 'b.png', content: randomBytes(5000) }], 1250, { rtfCompressed: compressedRtf(Buffer.from(RTF, 'latin1')), afterFiles: true }),
  'no body, no file': tnefStream([]),
};

const filesSeen = (files: TnefFile[]) => files.map((f) => [f.filename, f.contentType, f.contentId, f.content.length, sha(f.content)]);
const filesOf = (read: StreamedTnef | null) => read?.contents?.files ?? [];

describe('readStreamedTnef', () => {
  for (const [name, stream] of Object.entries(streams)) {
    it(`reads ${name} as the in-memory reader does, in chunks of any size`, async () => {
      const files = tnefFiles(stream)!;
      const body = await tnefBody(stream);
      for (const size of [1, 7, 4096, stream.length]) {
        const read = await readStreamedTnef(chunks(stream, size), inMemory(), true);
        expect(read && { files: filesSeen(filesOf(read)), others: read.contents?.others, body: read.body }, `chunks of ${size}`).toEqual({ files: filesSeen(files.files), others: files.others, body });
      }
    });
  }

  it('stores a file above inMemoryBytes as it is read, in the chunks it came in, keeping only its first bytes', async () => {
    const big = randomBytes(3 * MiB);
    const stream = tnefStream([{ title: 'RESPAL~1.BAK', longName: 'respaldo.bak', content: big }], 1252, { body: 'Les envío el respaldo.' });
    // The memory bound: no piece of the file bigger than what was read reaches the store (it is never gathered).
    const written: number[] = [];
    const putStream = blobs.putStream.bind(blobs);
    blobs.putStream = (async (items: AsyncIterable<Buffer>, maxBytes?: number) => {
      const counted = async function* () {
        for await (const item of items) yield (written.push(item.length), item);
      };
      return putStream(counted(), maxBytes as number);
    }) as typeof blobs.putStream;
    const read = await readStreamedTnef(chunks(stream, 64 * 1024), { blobs, inMemoryBytes: MiB, maxBytes: 8 * MiB }, true);
    expect(read?.body).toEqual({ text: 'Les envío el respaldo.', html: null });
    expect(filesOf(read).map((f) => [f.filename, f.content.length, f.streamed])).toEqual([['respaldo.bak', MiB, { sha256: sha(big), size: big.length }]]);
    expect(filesOf(read)[0]?.content.equals(big.subarray(0, MiB))).toBe(true);
    expect((await blobs.get(sha(big))).equals(big)).toBe(true);
    expect(written.reduce((a, b) => a + b, 0)).toBe(big.length);
    expect(Math.max(...written.slice(1))).toBeLessThanOrEqual(64 * 1024);
    expect(tempFiles()).toEqual([]);
  });

  it('reads a file above maxBytes through without storing it, as a big mail part', async () => {
    const big = randomBytes(2 * MiB);
    const read = await readStreamedTnef(chunks(tnefStream([{ title: 'big.bin', content: big }]), 65536), { blobs, inMemoryBytes: 1024, maxBytes: MiB }, false);
    expect(filesOf(read).map((f) => [f.filename, f.streamed])).toEqual([['big.bin', { sha256: null, size: big.length }]]);
    expect(blobs.has(sha(big))).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  it('gives null for a stream that is not TNEF, is malformed or is cut short (in a streamed file too), and leaves no temporary file', async () => {
    const withBig = tnefStream([{ title: 'big.bin', content: randomBytes(2 * MiB) }], 1252, { body: 'Hola' });
    const spill = { blobs, inMemoryBytes: 1024, maxBytes: 8 * MiB };
    for (const bad of [fixture('malformed.dat'), fixture('outlook-two-files.dat').subarray(0, 50_000), withBig.subarray(0, MiB), withBig.subarray(0, 3), Buffer.from('%PDF-1.4 not a winmail.dat')]) {
      expect(await readStreamedTnef(chunks(bad, 4096), spill, true)).toBeNull();
    }
    // (A file stored whole before the cut stays, unreferenced, as after a crash: a blob may be another mail's too.)
    expect(tempFiles()).toEqual([]);
  });

  it('reads no body when asked for none, and leaves one above the bound of a small mail unread (the files still read)', async () => {
    const stream = streams['PR_BODY and PR_BODY_HTML']!;
    expect((await readStreamedTnef(chunks(stream, 4096), inMemory(), false))?.body).toBeNull();
    // PR_BODY of 2.5 M characters: 5 MB of UTF-16, more than a whole mail read in memory.
    const huge = tnefStream([{ title: 'faktura.pdf', content: pdf }], 1252, { body: 'a'.repeat(2_500_000) });
    const read = await readStreamedTnef(chunks(huge, 65536), inMemory(), true);
    expect(read && { files: filesSeen(filesOf(read)), others: read.contents?.others, body: read.body }).toEqual({ files: [['faktura.pdf', null, null, pdf.length, sha(pdf)]], others: 0, body: null });
  });
});
