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

  it('a body paragraph that starts "From 9:00 to 11:30" after a blank line is not a mail of its own', async () => {
    app = await createTestApp();
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-mbox-'));
    const body = 'Hi,\n\nFrom 9:00 to 11:30 the portal failed with error 500.\n\nFrom Monday 10:00 on it works again.';
    writeFileSync(join(dir, 'saved.eml'), separated('ana@cliente.mx', mail({ headers: { 'Message-ID': '<mbx-hours@cliente.mx>' }, body })));
    const report = await ingestPaths(app.pipeline, [dir]);
    expect(report.results.map((r) => r.outcome)).toEqual(['created']);
    const messages = await app.db.message.findMany({ where: { direction: 'in' }, select: { text: true } });
    expect(messages).toHaveLength(1);
    expect(messages[0]?.text).toContain('From 9:00 to 11:30 the portal failed with error 500.');
    expect(messages[0]?.text).toContain('From Monday 10:00 on it works again.');
  });

  it('an Eudora mailbox ("From ???@???", CRLF, a space-padded day) is each of its three mails', async () => {
    app = await createTestApp();
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-mbox-'));
    const lines = ['From ???@??? Mon Jan 01 12:00:00 2001', 'From ana@cliente.mx  Tue Dec  1 09:30:00 2026', 'From ???@??? Wed Dec  2 18:05:00 2026 -0600'];
    const mbx = lines
      .map((line, i) => `${line}\r\n${mail({ headers: { 'Message-ID': `<eudora-${i}@cliente.mx>`, Subject: `Factura ${i}` }, body: `Texto ${i}.` }).toString('latin1').replace(/\r?\n/g, '\r\n')}\r\n`)
      .join('');
    writeFileSync(join(dir, 'In.mbx'), mbx);
    const report = await ingestPaths(app.pipeline, [dir]);
    expect(report.results.map((r) => [r.file.replace(/.*#/, '#'), r.outcome])).toEqual([['#1', 'created'], ['#2', 'created'], ['#3', 'created']]);
    const messages = await app.db.message.findMany({ where: { direction: 'in' }, orderBy: { id: 'asc' }, select: { messageId: true, text: true } });
    expect(messages.map((m) => m.messageId)).toEqual(['eudora-0@cliente.mx', 'eudora-1@cliente.mx', 'eudora-2@cliente.mx']);
    expect(messages[0]?.text).not.toContain('Texto 1');
  });
});
