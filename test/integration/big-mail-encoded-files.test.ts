import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIG_MAIL_BYTES, type IngestResult } from '../../src/ingest/pipeline.js';
import { readAttachment } from '../../src/store/attachment-contents.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { chunks } from '../support/chunks.js';
import { binhex, uuencode } from '../support/encoded-files.js';
import { attachmentPart } from '../support/mislabelled-mail.js';
import { openedMessage } from '../support/opened-message.js';

// Files sent uuencoded (a part with Content-Transfer-Encoding x-uuencode: a Unix script's, Outlook 2000's) or in
// BinHex 4.0 (a Mac's application/mac-binhex40), which mailparser passes on undecoded, are stored as the files they
// hold. In a mail above 4 MiB, read as a stream, such a part above 1 MiB went to the blob store as it came, and the
// agent got a "informe.pdf" of "M9W5E..." lines that nothing opens, where the same mail with a small attachment gave
// the PDF. Now it is decoded from the store as a stream (streamed-encoded-parts.ts), as the in-memory path decodes it.

const CRLF = '\r\n';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pdfOf = (bytes: number) => Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(bytes)]);

/** A short text, the encoded part (its header lines and its body as written), then a base64 attachment. */
function mailWith(id: string, encoded: { header: string[]; body: string }, attachment: Buffer): Buffer {
  const lines = [
    'From: Ana Ruiz <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: El informe', `Message-ID: <${id}@cliente.mx>`,
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="m1"', '',
    '--m1', 'Content-Type: text/plain; charset=utf-8', '', 'Les envío el informe y el respaldo.',
    '--m1', ...encoded.header, '', encoded.body.replace(/\n/g, CRLF).trimEnd(),
    '--m1', ...attachmentPart('respaldo.bak', attachment),
    '--m1--', '',
  ];
  return Buffer.from(lines.join(CRLF), 'latin1');
}

const uuencodedPart = (name: string, file: Buffer) => ({
  header: [`Content-Type: application/pdf; name="${name}"`, 'Content-Transfer-Encoding: x-uuencode', `Content-Disposition: attachment; filename="${name}"`],
  body: uuencode(name, file),
});
const binHexPart = (name: string, file: Buffer, damage = false) => ({
  header: [`Content-Type: application/mac-binhex40; name="${name}"`, `Content-Disposition: attachment; filename="${name}"`],
  body: binhex(name, file, damage),
});

let app: TestApp | undefined;
afterEach(async () => {
  await app?.dispose();
  app = undefined;
});

/** The files of the ticket the mail opens, as the agent gets them: name, type, size, hash, and the bytes. */
async function filesOf(result: IngestResult) {
  const message = await openedMessage(app!, result);
  return Promise.all(message.attachments.map(async (a) => ({ name: a.filename, type: a.contentType, size: a.size, sha256: a.sha256, bytes: await readAttachment(app!.db, app!.blobs, a.sha256) })));
}

/** The mail through the stream path and, under another Message-ID, through the in-memory one: the files of each. */
async function bothWays(id: string, encoded: { header: string[]; body: string }) {
  const attachment = randomBytes(2 * 1024 * 1024);
  const big = mailWith(`${id}-stream`, encoded, attachment);
  expect(big.length).toBeGreaterThan(BIG_MAIL_BYTES);
  const streamed = await filesOf(await app!.pipeline.ingestStream(chunks(big, 65536), { source: 'file', sourceRef: 'stream' }));
  const inMemory = await filesOf(await app!.pipeline.ingest(mailWith(`${id}-memory`, encoded, attachment), { source: 'file', sourceRef: 'memory' }));
  expect(streamed.map((f) => f.name)).toContain('respaldo.bak');
  expect(readdirSync(join(app!.dataDir, 'blobs', 'tmp'))).toEqual([]);
  // Compared by name, type, size and hash (a deep comparison of megabytes of bytes takes vitest seconds).
  const seen = (files: typeof streamed) => files.filter((f) => f.name !== 'respaldo.bak').map(({ bytes, ...f }) => ({ ...f, head: bytes?.subarray(0, 64).toString('latin1') }));
  return { streamed: seen(streamed), inMemory: seen(inMemory) };
}

describe('a big mail with a big encoded file', () => {
  const decoded: Array<[string, (pdf: Buffer) => { header: string[]; body: string }, number, string]> = [
    ['an x-uuencode part: stored as the PDF it holds', (pdf) => uuencodedPart('informe.pdf', pdf), 2 * 1024 * 1024, 'informe.pdf'],
    ['a BinHex part: stored as the file it holds, typed by its name', (pdf) => binHexPart('plano.pdf', pdf), 2 * 1024 * 1024, 'plano.pdf'],
    // 1.3 MiB as uuencoded lines (above the 1 MiB a big mail's part is held in memory), 0.95 MiB decoded.
    ['one whose file is small once decoded: stored as small files are', (pdf) => uuencodedPart('informe.pdf', pdf), 1_000_000, 'informe.pdf'],
  ];
  for (const [name, encoded, bytes, filename] of decoded) {
    it(`${name}, as in memory`, async () => {
      app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
      const pdf = pdfOf(bytes);
      const { streamed, inMemory } = await bothWays(filename, encoded(pdf));
      expect(streamed.map((f) => [f.name, f.type, f.size, f.sha256])).toEqual([[filename, 'application/pdf', pdf.length, sha(pdf)]]);
      expect(streamed).toEqual(inMemory);
    });
  }

  it('a file uuencoded in the text itself (a script\'s `uuencode f f | mail`): taken out of it and attached, as in memory', async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
    const pdf = pdfOf(1.5 * 1024 * 1024);
    const text = { header: ['Content-Type: text/plain; charset=us-ascii'], body: `Va el informe:\n\n${uuencode('informe.pdf', pdf)}\n` };
    const { streamed, inMemory } = await bothWays('uu-text', text);
    expect(streamed.map((f) => [f.name, f.type, f.size, f.sha256])).toEqual([['informe.pdf', 'application/pdf', pdf.length, sha(pdf)]]);
    expect(streamed).toEqual(inMemory);
    const message = await app.db.message.findFirstOrThrow({ where: { messageId: 'uu-text-stream@cliente.mx' } });
    expect(message.text).not.toMatch(/^begin 644|^M/m);
  });

  it('a damaged one (a BinHex checksum that does not match, a uuencoded file cut short) is kept as it came', async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
    const pdf = pdfOf(2 * 1024 * 1024);
    const damaged = await bothWays('binhex-damaged', binHexPart('plano.hqx', pdf, true));
    expect(damaged.streamed.map((f) => [f.name, f.type])).toEqual([['plano.hqx', 'application/mac-binhex40']]);
    expect(damaged.streamed[0]!.head).toMatch(/^\(This file must be converted with BinHex 4\.0\)/);
    expect(damaged.streamed).toEqual(damaged.inMemory);
    const cut = uuencodedPart('informe.pdf', pdf);
    const shortened = await bothWays('uu-cut', { ...cut, body: cut.body.replace(/\n`\nend$/, '') });
    expect(shortened.streamed.map((f) => [f.name, f.type])).toEqual([['informe.pdf', 'application/pdf']]);
    expect(shortened.streamed[0]!.head).toMatch(/^begin 644 informe\.pdf/);
    expect(shortened.streamed).toEqual(shortened.inMemory);
  });
});
