import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BIG_MAIL_BYTES, type IngestResult } from '../../src/ingest/pipeline.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { chunks } from '../support/chunks.js';
import { attachmentPart } from '../support/mislabelled-mail.js';
import { openedMessage } from '../support/opened-message.js';

// A customer pastes a long log (Windows-1252 bytes, as their tool wrote it) into a mail that also carries a big
// attachment. Its text part, above 1 MiB, was passed to mailparser as declared in a mail above 4 MiB (read as a
// stream), and the agent read "conexi�n" on every line; the same mail with a small attachment kept its letters.
// Now a big mail's text part of any size is read as a small mail's is (charset-repair-stream.ts).

const CRLF = '\r\n';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** About `bytes` of a log in Spanish: every line has letters outside ASCII. */
function logText(bytes: number): string {
  const lines: string[] = [];
  for (let n = 1, size = 0; size < bytes; n++) {
    const line = `${String(n).padStart(6, '0')} conexión rechazada por el servidor; reintento en ${n % 60} s (año 2026, acción nº ${n})`;
    lines.push(line);
    size += line.length + 2;
  }
  return lines.join('\n') + '\n';
}

const quotedPrintable = (latin1: string) =>
  latin1.split('\n').map((l) => l.replace(/[=\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)).join(CRLF);

/** The log as its text part (header lines and body as written, Latin-1), then the attachment. */
function mailWithLog(id: string, textHeader: string[], body: string, attachment: Buffer): Buffer {
  const lines = [
    'From: Ana Ruiz <ana@cliente.mx>', 'To: soporte@example.test', 'Subject: Log del timbrado', `Message-ID: <${id}@cliente.mx>`,
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="m1"', '',
    '--m1', ...textHeader, '', body,
    '--m1', ...attachmentPart('respaldo.bak', attachment),
    '--m1--', '',
  ];
  return Buffer.from(lines.join(CRLF), 'latin1');
}

let app: TestApp | undefined;
afterEach(async () => {
  await app?.dispose();
  app = undefined;
});

/** What the agent sees of the ticket the mail opens: the message's text and its attachments. */
async function seen(result: IngestResult) {
  const message = await openedMessage(app!, result);
  return { text: message.text, attachments: message.attachments.map((a) => [a.filename, a.size, a.sha256]) };
}

const stream = (raw: Buffer) => app!.pipeline.ingestStream(chunks(raw, 65536), { source: 'file', sourceRef: 'test' });

describe("a big mail's long text part, written in Windows-1252", () => {
  const log = logText(2.5 * 1024 * 1024);
  const attachment = randomBytes(3 * 1024 * 1024);
  const text = log.replace(/\n/g, CRLF);
  const cases: Record<string, [string[], string]> = {
    'declared UTF-8, 8bit': [['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], text],
    'with no charset, quoted-printable': [['Content-Type: text/plain', 'Content-Transfer-Encoding: quoted-printable'], quotedPrintable(log)],
    'declared UTF-8, base64': [['Content-Type: text/plain; charset="UTF-8"', 'Content-Transfer-Encoding: base64'],
      Buffer.from(text, 'latin1').toString('base64').replace(/.{76}/g, (l) => l + CRLF).trimEnd()],
  };
  for (const [name, [header, body]] of Object.entries(cases)) {
    it(`${name}: keeps its letters, as the same mail read in memory does`, async () => {
      app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
      const [big, again] = [mailWithLog('log-stream', header, body, attachment), mailWithLog('log-memory', header, body, attachment)];
      expect(big.length).toBeGreaterThan(BIG_MAIL_BYTES);
      const streamed = await seen(await stream(big));
      expect(streamed.text.includes('\uFFFD')).toBe(false);
      expect(streamed.text.trim()).toBe(log.trim());
      expect(streamed.attachments).toEqual([['respaldo.bak', attachment.length, sha(attachment)]]);
      expect(await seen(await app.pipeline.ingest(again, { source: 'file', sourceRef: 'memory' }))).toEqual(streamed);
      expect(readdirSync(join(app.dataDir, 'blobs', 'tmp'))).toEqual([]);
    });
  }

  it('a log in UTF-8 indeed, with a U+FFFD of its own, is left as written: walked for its charsets, none named, it is read twice, not three times', async () => {
    app = await createTestApp({ MAX_MESSAGE_BYTES: String(20 * 1024 * 1024) });
    const utf8 = `${log}la herramienta escribió \uFFFD donde no pudo leer\n`;
    const [before, after] = mailWithLog('log-utf8', ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], '@@', attachment).toString('latin1').split('@@');
    const raw = Buffer.concat([Buffer.from(before!, 'latin1'), Buffer.from(utf8.replace(/\n/g, CRLF), 'utf8'), Buffer.from(after!, 'latin1')]);
    const opened = vi.spyOn(app.blobs, 'openRead');
    const streamed = await seen(await stream(raw));
    expect(streamed.text.trim()).toBe(utf8.trim());
    // Parsed, then walked for its charsets (the U+FFFD sent it there): none to name, so it is not parsed again.
    expect(opened.mock.calls.length).toBe(2);
  });
});
