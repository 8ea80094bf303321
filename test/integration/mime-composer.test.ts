import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutgoingMail } from '../../src/outbound/mailer.js';
import { MimeComposer } from '../../src/outbound/mime-composer.js';
import { workerScript } from '../../src/workers/thread-client.js';

// The daemon builds outgoing mail in its compose worker; what a recipient gets must be what this thread builds:
// every header, both bodies, the attachment, and the SMTP envelope.

const dir = mkdtempSync(join(tmpdir(), 'ventanilla-compose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const attachment = join(dir, 'factura.pdf');
writeFileSync(attachment, Buffer.from('%PDF-1.4 ' + 'x'.repeat(5000)));

const mail: OutgoingMail = {
  from: 'Soporte <soporte@example.com>',
  to: ['cliente@example.org'],
  cc: ['copia@example.org'],
  replyTo: 'soporte+t1@example.com',
  subject: 'Re: [#12] Falla la facturación — ñandú',
  text: 'Hola,\n\nYa está resuelto.\n',
  html: '<p>Hola,</p><p>Ya está <b>resuelto</b>.</p>',
  messageId: 'n1.abc@example.com',
  inReplyTo: 'orig@example.org',
  references: ['root@example.org', 'orig@example.org'],
  headers: { 'Auto-Submitted': 'auto-replied', 'X-Loop': 'soporte@example.com' },
  attachments: [{ filename: 'factura.pdf', contentType: 'application/pdf', path: attachment }],
};

async function received(raw: Buffer) {
  const parsed = await simpleParser(raw);
  const headers = Object.fromEntries(['from', 'to', 'cc', 'reply-to', 'subject', 'message-id', 'in-reply-to', 'references', 'auto-submitted', 'x-loop'].map((h) => [h, JSON.stringify(parsed.headers.get(h))]));
  return { headers, text: parsed.text, html: parsed.html, attachments: parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content.toString('base64') })) };
}

describe('MimeComposer', () => {
  it('the worker (built) and this thread give the same mail and envelope, for SMTP and for files', async () => {
    expect(workerScript(new URL('../../src/outbound/mime-composer.ts', import.meta.url).href, 'compose-worker')).toMatch(/dist\/src\/outbound\/compose-worker\.js$/);
    const inWorker = new MimeComposer({ error: () => undefined, warn: () => undefined }, true);
    const here = new MimeComposer({ error: () => undefined, warn: () => undefined }, false);
    try {
      const [a, b] = await Promise.all([inWorker.compose(mail, 'windows'), here.compose(mail, 'windows')]);
      expect(Buffer.isBuffer(a.raw)).toBe(true);
      expect(a.raw.includes('\r\n')).toBe(true);
      expect(a.envelope).toEqual({ from: 'soporte@example.com', to: ['cliente@example.org', 'copia@example.org'] });
      expect(a.envelope).toEqual(b.envelope);
      expect(await received(a.raw)).toEqual(await received(b.raw));
      expect((await received(a.raw)).attachments[0]?.content).toBe(readFileSync(attachment).toString('base64'));
      const file = join(dir, 'mail.eml');
      await inWorker.composeToFile(mail, 'unix', file);
      const written = readFileSync(file);
      expect(written.includes('\r\n')).toBe(false);
      expect(await received(written)).toEqual(await received(b.raw));
    } finally {
      await inWorker.close();
      await here.close();
    }
  });

  it('writes a mail built in this thread through the file writer thread (built), and reports its errors', async () => {
    expect(workerScript(new URL('../../src/outbound/mime-composer.ts', import.meta.url).href, 'file-writer-worker')).toMatch(/dist\/src\/outbound\/file-writer-worker\.js$/);
    const here = new MimeComposer({ error: () => undefined, warn: () => undefined }, false);
    try {
      const file = join(dir, 'written.eml');
      await here.composeToFile(mail, 'unix', file);
      const written = readFileSync(file);
      expect(written.includes('\r\n')).toBe(false);
      expect(await received(written)).toEqual(await received((await here.compose(mail, 'windows')).raw));
      // The error of the write in the other thread reaches the caller: the drainer then retries the mail.
      await expect(here.composeToFile(mail, 'unix', join(dir, 'no-such-folder', 'x.eml'))).rejects.toThrow(/ENOENT/);
    } finally {
      await here.close();
    }
  });

  it('gives every mail multipart boundaries of its own', async () => {
    const composer = new MimeComposer({ error: () => undefined, warn: () => undefined }, false);
    const boundaries = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const raw = (await composer.compose({ ...mail, messageId: `n${i}@example.com` }, 'windows')).raw.toString('latin1');
      const found = [...raw.matchAll(/boundary="([^"]+)"/g)].map((m) => m[1] as string);
      expect(found.length).toBeGreaterThanOrEqual(2); // mixed (the attachment) and alternative (text, HTML)
      for (const boundary of found) {
        expect(raw.split(`--${boundary}`).length).toBeGreaterThan(2); // it delimits parts
        boundaries.add(boundary.replace(/-Part_\d+$/, ''));
      }
      expect((await received(Buffer.from(raw, 'latin1'))).attachments).toHaveLength(1);
    }
    expect(boundaries.size).toBe(50);
  });
});
