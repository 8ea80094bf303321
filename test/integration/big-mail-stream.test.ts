import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BIG_MAIL_BYTES } from '../../src/ingest/pipeline.js';
import { readAttachment } from '../../src/store/attachment-contents.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { mailWithAttachments, richTextMail } from '../support/multipart-mail.js';
import { corpusMailWithAttachment, mislabelledMail } from '../support/mislabelled-mail.js';
import { UNFOLDED_TEXT, unfoldedBoundaryMail } from '../support/unfolded-boundary-mail.js';
import { showTicket } from '../../src/store/ticket-queries.js';
import { compressedRtf, tnefStream } from '../support/tnef-stream.js';
import { corpusRoot } from '../support/corpus.js';
import { chunks } from '../support/chunks.js';

// A big mail goes through pipeline.ingestStream: stored raw while it streams in, parsed from the store with its
// big attachments streamed back into it. The outcome must be the one the in-memory path gives.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** The mail in 64 KiB chunks, as a file or a socket hands it over. */
const chunked = (raw: Buffer) => chunks(raw, 65536);

let app: TestApp | undefined;
afterEach(async () => {
  await app?.dispose();
  app = undefined;
});

/** Attachment sizes whose mails fall either side of BIG_MAIL_BYTES (base64 makes them about 4/3 bigger). */
const UNDER = 2_900_000;
const OVER = 3_200_000;

/** What the agent sees of the ticket each mail opens: its subject, the customer, the text, the attachments. */
async function ticketSeen(raw: Buffer) {
  const result = await app!.pipeline.ingestStream(chunked(raw), { source: 'file', sourceRef: 'test' });
  expect(result.outcome).toBe('created');
  const ticket = await showTicket(app!.db, result.ticketNumber as number);
  const message = ticket!.messages.find((m) => m.direction === 'in')!;
  return {
    subject: ticket!.subject, fromName: message.fromName, text: message.text, visibleText: message.visibleText, html: message.html,
    attachments: message.attachments.map((a) => [a.filename, a.size, a.sha256]),
  };
}

describe('a big mail streamed through the pipeline', () => {
  it('stores the raw mail and each attachment under its hash, keeps small ones in memory, leaves no temporary file', async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024), MAX_ATTACHMENT_BYTES: String(6 * 1024 * 1024) });
    const big = randomBytes(5 * 1024 * 1024);
    const small = randomBytes(1000);
    const raw = mailWithAttachments('stream-1', [{ name: 'respaldo.bak', content: big }, { name: 'nota.bin', content: small }]);
    expect(raw.length).toBeGreaterThan(BIG_MAIL_BYTES);
    const result = await app.pipeline.ingestStream(chunked(raw), { source: 'file', sourceRef: 'test' });
    expect(result).toMatchObject({ outcome: 'created', rawSha256: sha(raw) });
    expect((await app.blobs.get(sha(raw))).equals(raw)).toBe(true);
    const attachments = await app.db.attachment.findMany({ orderBy: { filename: 'asc' } });
    expect(attachments.map((a) => [a.filename, a.size, a.sha256])).toEqual([['nota.bin', 1000, sha(small)], ['respaldo.bak', big.length, sha(big)]]);
    expect((await app.blobs.get(sha(big))).equals(big)).toBe(true);
    // The small one is kept in the database with its message, not as a file (store/attachment-contents.ts).
    expect(app.blobs.has(sha(small))).toBe(false);
    expect((await readAttachment(app.db, app.blobs, sha(small)))?.equals(small)).toBe(true);
    expect(readdirSync(join(app.dataDir, 'blobs', 'tmp'))).toEqual([]);
    // The same bytes through the in-memory path are the same mail.
    expect(await app.pipeline.ingest(raw, { source: 'file', sourceRef: 'again' })).toMatchObject({ outcome: 'duplicate', rawSha256: sha(raw) });
  });

  it("replaces a big winmail.dat by the files in it, as the in-memory path does", async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
    const screenshot = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), randomBytes(4 * 1024 * 1024)]);
    const winmail = tnefStream([{ title: 'CAPTUR~1.PNG', longName: 'Captura de pantalla.png', content: screenshot }]);
    const raw = mailWithAttachments('stream-tnef', [{ name: 'winmail.dat', content: winmail, type: 'application/ms-tnef' }]);
    expect(raw.length).toBeGreaterThan(BIG_MAIL_BYTES);
    expect((await app.pipeline.ingestStream(chunked(raw), { source: 'file', sourceRef: 'test' })).outcome).toBe('created');
    const attachments = await app.db.attachment.findMany();
    expect(attachments.map((a) => [a.filename, a.contentType, a.size, a.sha256])).toEqual([['Captura de pantalla.png', 'image/png', screenshot.length, sha(screenshot)]]);
    expect((await app.blobs.get(sha(screenshot))).equals(screenshot)).toBe(true);
  });

  describe('an Outlook "Rich Text" mail whose text and files are all in a big winmail.dat', () => {
    const RTF = String.raw`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Calibri;}}\uc1\pard\f0 Buenos d\'edas,\par les adjunto el estado de cuenta: no puedo timbrar.\par Impacto: Alto\par}`;
    const TEXT = 'Buenos días,\nles adjunto el estado de cuenta: no puedo timbrar.\nImpacto: Alto';
    const pdfOf = (bytes: number) => Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(bytes)]);
    const winmailWith = (pdf: Buffer) => tnefStream([{ title: 'ESTADO~1.PDF', longName: 'Estado de cuenta.pdf', content: pdf }], 1252, { rtfCompressed: compressedRtf(Buffer.from(RTF, 'latin1')) });

    it("shows the customer's text beside the 5 MiB PDF, and reads the impact in it", async () => {
      app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
      const pdf = pdfOf(5 * 1024 * 1024);
      const raw = richTextMail('stream-rich-text', winmailWith(pdf));
      expect(raw.length).toBeGreaterThan(BIG_MAIL_BYTES);
      const seen = await ticketSeen(raw);
      expect(seen.visibleText).toBe(TEXT);
      expect(seen.attachments).toEqual([['Estado de cuenta.pdf', pdf.length, sha(pdf)]]);
      expect((await app.blobs.get(sha(pdf))).equals(pdf)).toBe(true);
      expect((await app.db.ticket.findFirstOrThrow()).impact).toBe('high');
      expect(readdirSync(join(app.dataDir, 'blobs', 'tmp'))).toEqual([]);
    });

    it('reads the same just under and just over the big-mail size', async () => {
      app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
      const [small, big] = [pdfOf(UNDER), pdfOf(OVER)];
      const [under, over] = [richTextMail('rich-under', winmailWith(small)), richTextMail('rich-over', winmailWith(big))];
      expect([under.length < BIG_MAIL_BYTES, over.length > BIG_MAIL_BYTES]).toEqual([true, true]);
      const [seenUnder, seenOver] = [await ticketSeen(under), await ticketSeen(over)];
      expect(seenUnder.visibleText).toBe(TEXT);
      expect({ ...seenOver, attachments: null }).toEqual({ ...seenUnder, attachments: null });
      expect(seenOver.attachments).toEqual([['Estado de cuenta.pdf', big.length, sha(big)]]);
    });

    it('keeps a big winmail.dat cut short as it came, with no text, and leaves no temporary file', async () => {
      app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
      const whole = winmailWith(pdfOf(5 * 1024 * 1024));
      const cut = whole.subarray(0, whole.length - 1024 * 1024);
      const seen = await ticketSeen(richTextMail('stream-rich-cut', cut));
      expect(seen.visibleText).toBe('');
      expect(seen.attachments).toEqual([['winmail.dat', cut.length, sha(cut)]]);
      expect(readdirSync(join(app.dataDir, 'blobs', 'tmp'))).toEqual([]);
    });
  });

  it('does not store an attachment above MAX_ATTACHMENT_BYTES, and says so on the message', async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024), MAX_ATTACHMENT_BYTES: String(2 * 1024 * 1024) });
    const big = randomBytes(5 * 1024 * 1024);
    const raw = mailWithAttachments('stream-2', [{ name: 'enorme.bak', content: big }]);
    const result = await app.pipeline.ingestStream(chunked(raw), { source: 'file', sourceRef: 'test' });
    expect(result.outcome).toBe('created');
    expect(await app.db.attachment.count()).toBe(0);
    expect(app.blobs.has(sha(big))).toBe(false);
    const message = await app.db.message.findFirstOrThrow({ where: { rawSha256: sha(raw) } });
    expect(message.visibleText).toContain(`enorme.bak: 5.0 MB, above MAX_ATTACHMENT_BYTES; kept only in the raw mail ${sha(raw)} (ventanilla raw-mail ${sha(raw)})`);
    expect(readdirSync(join(app.dataDir, 'blobs', 'tmp'))).toEqual([]);
  });

  it('keeps a mail above MAX_MESSAGE_BYTES raw, without parsing it', async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: String(5 * 1024 * 1024) });
    const raw = mailWithAttachments('stream-3', [{ name: 'respaldo.bak', content: randomBytes(5 * 1024 * 1024) }]);
    const result = await app.pipeline.ingestStream(chunked(raw), { source: 'stdin', sourceRef: null });
    expect(result).toMatchObject({ outcome: 'too_large', rawSha256: sha(raw) });
    expect(app.blobs.has(sha(raw))).toBe(true);
    const log = await app.db.inboundLog.findFirstOrThrow({ where: { rawSha256: sha(raw) } });
    expect(log).toMatchObject({ messageId: 'stream-3@cliente.mx', fromAddress: 'ana@cliente.mx', size: raw.length });
  });

  it('a big mail without Message-ID, piped in and then fetched with other trace fields, is one ticket; too large, one too', async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: String(8 * 1024 * 1024) });
    const withoutId = (size: number) => mailWithAttachments('-', [{ name: 'respaldo.bak', content: randomBytes(size) }]).toString('latin1').replace(/Message-ID: [^\r\n]*\r\n/, '');
    const piped = (mail: string) => Buffer.from(`Return-Path: <ana@cliente.mx>\nDelivered-To: soporte@example.test\n${mail.replace(/\r\n/g, '\n')}`, 'latin1');
    const fetched = (mail: string) => Buffer.from(`Received: from mx.example.test by imap.example.test with LMTP id Qx1\r\n${mail}`, 'latin1');
    for (const [mail, outcome] of [[withoutId(5 * 1024 * 1024), 'created'], [withoutId(7 * 1024 * 1024), 'too_large']] as const) {
      const first = await app.pipeline.ingestStream(chunked(piped(mail)), { source: 'stdin', sourceRef: null });
      const again = await app.pipeline.ingestStream(chunked(fetched(mail)), { source: 'imap', sourceRef: 'INBOX:1' });
      expect([first.outcome, again.outcome]).toEqual([outcome, 'duplicate']);
    }
    expect(await app.db.ticket.count()).toBe(2);
  });

  describe('a mislabelled charset reads the same just under and just over the big-mail size', () => {
    it('text, HTML, subject and sender name', async () => {
      app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
      const small = { name: 'factura.zip', content: randomBytes(UNDER) };
      const big = { name: 'factura.zip', content: randomBytes(OVER) };
      const [under, over] = [mislabelledMail('latin-under', small), mislabelledMail('latin-over', big)];
      expect([under.length < BIG_MAIL_BYTES, over.length > BIG_MAIL_BYTES]).toEqual([true, true]);
      const [seenUnder, seenOver] = [await ticketSeen(under), await ticketSeen(over)];
      expect(seenUnder).toMatchObject({ subject: 'Facturación electrónica rechazada', fromName: 'José Muñoz' });
      expect(seenUnder.visibleText).toBe('Mañana envío la factura; el año pasado la recepción no falló.');
      expect({ ...seenOver, attachments: null }).toEqual({ ...seenUnder, attachments: null });
      expect(seenUnder.attachments).toEqual([['factura.zip', UNDER, sha(small.content)]]);
      expect(seenOver.attachments).toEqual([['factura.zip', OVER, sha(big.content)]]);
      expect(readdirSync(join(app.dataDir, 'blobs', 'tmp'))).toEqual([]);
    });

    // Real mails of old clients: Outlook 2000 writing raw Latin-1 with no MIME headers at all, Netscape 4.7
    // writing Latin-1 quoted-printable under "charset=UTF-8".
    const corpus = join(corpusRoot, 'stalwart-mail-parser', 'resources', 'eml', 'legacy');
    for (const file of ['052.eml', '033.eml']) {
      it(`the corpus's ${file} with an attachment`, async (context) => {
        const under = corpusMailWithAttachment(join(corpus, file), `${file}-under`, { name: 'hasen.bin', content: randomBytes(UNDER) });
        const over = corpusMailWithAttachment(join(corpus, file), `${file}-over`, { name: 'hasen.bin', content: randomBytes(OVER) });
        if (!under || !over) return context.skip(`corpus absent: ${corpus}`);
        app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
        const [seenUnder, seenOver] = [await ticketSeen(under), await ticketSeen(over)];
        expect(seenUnder.text).toContain('Die Hasen klagten einst über ihre mißliche Lage');
        expect({ ...seenOver, attachments: null }).toEqual({ ...seenUnder, attachments: null });
        expect(seenOver.attachments.map(([name, size]) => [name, size])).toEqual([['hasen.bin', OVER]]);
      });
    }
  });

  it('a mail whose boundary lost its fold keeps its text and attachment just under and just over the big-mail size', async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
    const small = { name: 'escaneo.pdf', content: randomBytes(UNDER) };
    const big = { name: 'escaneo.pdf', content: randomBytes(OVER) };
    const [under, over] = [unfoldedBoundaryMail('fold-under', small), unfoldedBoundaryMail('fold-over', big)];
    expect([under.length < BIG_MAIL_BYTES, over.length > BIG_MAIL_BYTES]).toEqual([true, true]);
    const [seenUnder, seenOver] = [await ticketSeen(under), await ticketSeen(over)];
    expect(seenUnder.text.trim()).toBe(UNFOLDED_TEXT);
    expect({ ...seenOver, attachments: null }).toEqual({ ...seenUnder, attachments: null });
    expect(seenUnder.attachments).toEqual([['escaneo.pdf', UNDER, sha(small.content)]]);
    expect(seenOver.attachments).toEqual([['escaneo.pdf', OVER, sha(big.content)]]);
    // The store holds the two raw mails and the two attachments, each once; the empty first reading left nothing.
    const stored = readdirSync(join(app.dataDir, 'blobs'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(stored.map((f) => f.name).sort()).toEqual([sha(under), sha(over), sha(small.content), sha(big.content)].sort());
  });

  it('a big mail that reads as nothing, with no parameter line to fold back, is read from the store once', async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
    // Its parts are written under another boundary than the one it declares: mailparser reads no text, HTML or file.
    const written = mailWithAttachments('stream-nothing', [{ name: 'respaldo.bak', content: randomBytes(5 * 1024 * 1024) }]);
    const raw = Buffer.from(written.toString('latin1').replace('boundary="b1"', 'boundary="otro"'), 'latin1');
    const [opened, got] = [vi.spyOn(app.blobs, 'openRead'), vi.spyOn(app.blobs, 'get')];
    const seen = await ticketSeen(raw);
    expect([seen.text, seen.html, seen.attachments]).toEqual(['', null, []]);
    expect([opened.mock.calls.length, got.mock.calls.length]).toEqual([1, 0]);
  });

  it('a stream that fails midway stores nothing and throws (the source retries)', async () => {
    app = await createTestApp();
    const failing = Readable.from((async function* () {
      yield Buffer.alloc(100_000, 'a');
      throw new Error('connection lost');
    })());
    await expect(app.pipeline.ingestStream(failing, { source: 'stdin', sourceRef: null })).rejects.toThrow('connection lost');
    expect(readdirSync(join(app.dataDir, 'blobs', 'tmp'))).toEqual([]);
    expect(await app.db.inboundLog.count()).toBe(0);
  });
});
