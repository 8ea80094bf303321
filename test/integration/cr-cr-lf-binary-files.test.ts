// A file sent `binary` or `8bit` (a part neither text, nor multipart, nor an enclosed mail) holds bytes, not lines: a
// `\r\r\n` among them is the file's. A mail imported from a file or stdin (`ventanilla ingest`) came byte for byte, and
// its customer's picture or PDF must be stored as she sent it, whether the rest of the mail is in CRLF lines or in CR
// CR LF lines (read as CRLFs: cr-cr-lf.ts). The CR CR LF reading made every `\r\r\n` in the whole mail a CRLF, so such
// a file came out damaged, in memory and streamed.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BIG_MAIL_BYTES } from '../../src/ingest/pipeline.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { createTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
afterEach(async () => app?.dispose());

const source = { source: 'file', sourceRef: 'binario' } as const;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * A file's bytes (the same every run) with runs of CRs before LFs in them, ending in a CR (the CRLF after it is the
 * boundary's). Its bare CRs fewer than its LFs, as in a real picture: not taken for an old Mac mail's line ends.
 */
const fileWithCrs = (size: number) => {
  const bytes = Buffer.alloc(size);
  let seed = 7;
  for (let at = 0; at < size; at++) bytes[at] = (seed = (seed * 48271) % 2147483647) & 0xff;
  const runs = [0x0d, 0x0d, 0x0a, 0x0a, 0x0d, 0x0d, 0x0d, 0x0a, 0x0a, 0x0a];
  for (let at = 0; at + runs.length < size; at += 997) bytes.set(runs, at);
  bytes[size - 1] = 0x0d;
  return bytes;
};

/** A mail with a text part and `file` sent with `encoding`, its lines ended by `eol`. */
function mailWith(file: Buffer, encoding: 'binary' | '8bit', eol: string, id: string): Buffer {
  const lines = (list: string[]) => Buffer.from(list.join(eol) + eol, 'latin1');
  return Buffer.concat([
    lines(['From: Ana Ruiz <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: Foto del error', `Message-ID: <${id}@cliente.mx>`,
      'Date: Mon, 23 Nov 2026 10:00:00 -0600', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
      '--b1', 'Content-Type: text/plain; charset=utf-8', '', 'Adjunto la foto.', '--b1',
      'Content-Type: image/png; name="error.png"', 'Content-Disposition: attachment; filename="error.png"', `Content-Transfer-Encoding: ${encoding}`, '']),
    file,
    lines(['', '--b1--']),
  ]);
}

async function expectFile(number: number | null | undefined, file: Buffer) {
  const ticket = await showTicket(app.db, number as number);
  expect(ticket).toMatchObject({ requester: 'ana@cliente.mx', subject: 'Foto del error' });
  expect(ticket?.messages[0]?.text.trim()).toBe('Adjunto la foto.');
  expect(ticket?.messages[0]?.attachments).toMatchObject([{ filename: 'error.png', size: file.length, sha256: sha256(file) }]);
}

describe('a file sent binary or 8bit keeps its bytes, its \\r\\r\\n among them', () => {
  for (const [what, eol] of [['in a CRLF mail', '\r\n'], ['in a mail of CR CR LF lines', '\r\r\n']] as const) {
    for (const encoding of ['binary', '8bit'] as const) {
      it(`${what}, sent ${encoding}: in memory, in a batch and streamed in`, async () => {
        app = await createTestApp();
        const file = fileWithCrs(20_000);
        const one = await app.pipeline.ingest(mailWith(file, encoding, eol, 'uno'), source);
        expect(one.outcome).toBe('created');
        await expectFile(one.ticketNumber, file);

        const [batched] = await app.pipeline.ingestMany([{ raw: mailWith(file, encoding, eol, 'dos'), source }]);
        expect(batched?.outcome).toBe('created');
        await expectFile(batched?.ticketNumber, file);

        const streamed = await app.pipeline.ingestStream(Readable.from([mailWith(file, encoding, eol, 'tres')]), source);
        expect(streamed.outcome).toBe('created');
        await expectFile(streamed.ticketNumber, file);
      });
    }

    it(`${what}, a big one (past BIG_MAIL_BYTES, streamed to the parser in chunks): its file as sent`, async () => {
      app = await createTestApp();
      const file = fileWithCrs(BIG_MAIL_BYTES + 1000);
      const raw = mailWith(file, 'binary', eol, 'grande');
      // In chunks that split its runs of CRs from their LFs.
      const chunks = Array.from({ length: Math.ceil(raw.length / 65_537) }, (_, i) => raw.subarray(i * 65_537, (i + 1) * 65_537));
      const r = await app.pipeline.ingestStream(Readable.from(chunks), source);
      expect(r.outcome).toBe('created');
      await expectFile(r.ticketNumber, file);
    });
  }
});
