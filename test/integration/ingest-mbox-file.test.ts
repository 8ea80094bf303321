import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/ingest/sources/files.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';

// `ingest <folder>` imports its .mbx files, which are mailboxes (Eudora's In.mbx, Outlook Express 4's): many mails
// one after the other, each behind a "From sender date" line (mbox). Taken for one mail, the first customer's
// ticket held every later customer's mail in its text, and none of those became a ticket.

let app: TestApp | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
  app = dir = undefined;
});

const separated = (sender: string, raw: Buffer) => `From ${sender} Mon Nov 23 10:00:00 2026\n${raw.toString('latin1').replace(/\r\n/g, '\n')}\n`;

describe('an mbox file among the files imported', () => {
  it('is each of its mails, each a ticket of its own', async () => {
    app = await createTestApp();
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-mbox-'));
    const ana = mail({ headers: { From: 'Ana <ana@cliente.mx>', Subject: 'Factura 1', 'Message-ID': '<mbx-1@cliente.mx>' }, body: 'No timbra la factura 1.' });
    // A body line that starts with "From " is written ">From " in the mbox (mboxrd): the mail said "From ".
    const luis = mail({ headers: { From: 'Luis <luis@otro.mx>', Subject: 'Factura 2', 'Message-ID': '<mbx-2@otro.mx>' }, body: 'Hola,\n\n>From the portal it fails too.' });
    writeFileSync(join(dir, 'In.mbx'), separated('ana@cliente.mx', ana) + separated('luis@otro.mx', luis));

    const report = await ingestPaths(app.pipeline, [dir]);

    expect(report.results.map((r) => r.outcome)).toEqual(['created', 'created']);
    const messages = await app.db.message.findMany({ where: { direction: 'in' }, orderBy: { id: 'asc' }, select: { text: true, messageId: true } });
    expect(messages.map((m) => m.messageId)).toEqual(['mbx-1@cliente.mx', 'mbx-2@otro.mx']);
    expect(messages[0]?.text).not.toContain('portal');
    expect(messages[1]?.text).toContain('\nFrom the portal it fails too.');
  });

  it('a file of one mail behind a "From " line is that mail, as before', async () => {
    app = await createTestApp();
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-mbox-'));
    writeFileSync(join(dir, 'saved.eml'), separated('ana@cliente.mx', mail({ headers: { 'Message-ID': '<mbx-one@cliente.mx>' } })));
    const report = await ingestPaths(app.pipeline, [dir]);
    expect(report.results.map((r) => r.outcome)).toEqual(['created']);
  });
});
