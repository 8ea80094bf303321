import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailPreparer } from '../../src/ingest/mail-preparer.js';
import { prepareRaws, type PrepareSettings, type PreparedRaw } from '../../src/ingest/prepare-raw.js';
import { ATTACHMENT_IN_DATABASE_BYTES } from '../../src/store/attachment-contents.js';
import { BlobStore, sha256Of } from '../../src/store/blobs.js';
import { workerScript } from '../../src/workers/thread-client.js';
import { corpusRoot, walk } from '../support/corpus.js';
import { mail } from '../support/app.js';
import { mailWithAttachments } from '../support/multipart-mail.js';

// The preparation worker must hand the recorder exactly what preparing in this thread gives: every field of
// every analysis, across real-world mail (bounces, auto-replies, broken MIME), through structured cloning.

const settings: PrepareSettings = {
  secret: 's'.repeat(40),
  supportAddress: 'soporte@example.com',
  ownAddresses: ['soporte@example.com'],
  trustedAuthservIds: ['mx.example.com'],
  maxAttachmentBytes: 200_000,
  maxMessageBytes: 200_000,
  timeZone: 'America/Mexico_City',
};

/**
 * Compared as data: bytes as bytes (a Buffer comes back from another thread as a Uint8Array), and the date
 * mailparser gives a mail without a Date header (the moment it was parsed) as "now".
 */
function plain(results: PreparedRaw[], since: number): unknown {
  const json = JSON.stringify(results, (_key, value: unknown) => {
    if (value instanceof Map) return [...value];
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    const v = value as { type?: unknown; data?: unknown };
    if (v && v.type === 'Buffer' && Array.isArray(v.data)) return Buffer.from(v.data as number[]).toString('base64');
    if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(value) && Date.parse(value) >= since) return 'now';
    return value;
  });
  return JSON.parse(json);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ventanilla-preparer-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MailPreparer', () => {
  it('runs in a worker thread once built (npm test builds first)', () => {
    expect(workerScript(new URL('../../src/ingest/mail-preparer.ts', import.meta.url).href, 'prepare-worker')).toMatch(/dist\/src\/ingest\/prepare-worker\.js$/);
  });

  it('gives the same analyses in the worker as in this thread, for 300 corpus mails and the edge cases', async () => {
    const files = walk(corpusRoot).filter((f) => !f.endsWith('.md') && !f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(300);
    const step = Math.floor(files.length / 300);
    const raws = files.filter((_, i) => i % step === 0).slice(0, 300).map((f) => readFileSync(f));
    raws.push(mailWithAttachments('big-attachment', [{ name: 'foto.jpg', content: randomBytes(ATTACHMENT_IN_DATABASE_BYTES + 1) }, { name: 'logo.png', content: randomBytes(3_000) }]));
    raws.push(...[mail({ headers: { From: null } }), mail({ body: 'x'.repeat(210_000) }), Buffer.from('not a mail at all')].map((b) => Buffer.from(b)));
    const blobs = new BlobStore(join(dir, 'blobs'));
    const preparer = new MailPreparer(settings, blobs, pino({ level: 'silent' }));
    try {
      const since = Date.now() - 1000;
      const inWorker = await preparer.prepare(raws);
      const here = await prepareRaws(settings, new BlobStore(join(dir, 'blobs-here')), raws);
      expect(plain(inWorker, since)).toEqual(plain(here, since));
      const kinds = inWorker.map((r) => r.kind);
      expect(kinds.filter((k) => k === 'analysed').length).toBeGreaterThan(200);
      expect(kinds.slice(-3)).toEqual(['unusable', 'too_large', 'unusable']);
      // Every big attachment is in the store the worker wrote to; a small one (store/attachment-contents.ts) and
      // the raw mails are not: the recorder keeps them with their outcome, so only their bytes and hash come back.
      let attachments = 0;
      let bigAttachments = 0;
      for (const [i, r] of inWorker.entries()) {
        if (r.kind === 'failed') throw new Error(r.error.message);
        const sha256 = r.kind === 'analysed' ? r.analysis.sha256 : r.sha256;
        expect(sha256).toBe(sha256Of(raws[i] as Buffer));
        expect(blobs.has(sha256), `raw mail ${i + 1} written as a blob`).toBe(false);
        for (const a of r.kind === 'analysed' ? r.analysis.message.attachments : []) {
          expect(blobs.has(a.sha256)).toBe(a.size > ATTACHMENT_IN_DATABASE_BYTES);
          if (a.size <= ATTACHMENT_IN_DATABASE_BYTES) expect(sha256Of(a.content as Uint8Array)).toBe(a.sha256);
          attachments++;
          if (a.size > ATTACHMENT_IN_DATABASE_BYTES) bigAttachments++;
        }
      }
      expect(attachments).toBeGreaterThan(20);
      expect(bigAttachments).toBeGreaterThan(0);
    } finally {
      await preparer.close();
    }
  });
});
