import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from '../support/cli.js';
import { waitFor } from '../support/daemon.js';
import { dovecotAvailable } from '../support/dovecot.js';
import { dovecotDaemonPerFile } from '../support/dovecot-daemon.js';

// One mail without a Message-ID reaches the gateway twice: piped in by the MTA (`ingest -`, with the trace
// fields the MTA prepends, LF line ends) and fetched from the mailbox Dovecot's LMTP delivered it to (other
// trace fields, CRLF line ends over IMAP), and is imported from a Maildir file too. All are the mail its sender
// wrote: one ticket.

const written = (body: string) =>
  [
    'From: Marta Ruiz <marta@cliente.mx>',
    'To: support@example.test',
    'Subject: Sin Message-ID por dos caminos',
    'Date: Tue, 24 Nov 2026 09:15:00 -0600',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\n');

const piped = (mail: string) =>
  [
    'Return-Path: <marta@cliente.mx>',
    'X-Original-To: support@example.test',
    'Delivered-To: support@example.test',
    'Received: from mx.cliente.mx (mx.cliente.mx [203.0.113.5])',
    '\tby mx.example.test (Postfix) with ESMTPS id 4Ab7Qz1Lx2;',
    '\tTue, 24 Nov 2026 09:15:02 -0600 (CST)',
    mail,
  ].join('\n');

describe.skipIf(!dovecotAvailable() || !cliBuilt)('a mail without Message-ID through the MTA pipe, over IMAP and from a Maildir', () => {
  const fixture = dovecotDaemonPerFile('ventanilla-noid-');

  it('is one ticket, and the second copy is logged as a duplicate of it', async () => {
    const env = fixture.env();
    const dovecot = fixture.dovecot();
    const mail = written('No puedo timbrar la factura 88.');
    const other = written('No puedo timbrar la factura 89.');
    const first = await runCli(['ingest', '-', '--json'], { env, input: piped(mail) });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ outcome: 'created', ticket: 1000 });

    // The mailbox's copies, as Dovecot's LMTP delivered them: the same mail, and one of other words.
    await dovecot.deliver(mail, { from: 'marta@cliente.mx', to: dovecot.user });
    await dovecot.deliver(other, { from: 'marta@cliente.mx', to: dovecot.user });
    const db = await fixture.start();
    await waitFor(async () => (await db.inboundLog.count({ where: { source: 'imap' } })) === 2, 'the daemon to record both mails');

    const log = await db.inboundLog.findMany({ orderBy: { id: 'asc' }, select: { source: true, outcome: true, ticketNumber: true } });
    // Two copies that are not the same bytes: Dovecot's trace fields and CRLF against the MTA's and LF.
    const copies = await db.inboundLog.findMany({ orderBy: { id: 'asc' }, take: 2, select: { rawSha256: true } });
    expect(copies[0]?.rawSha256).not.toBe(copies[1]?.rawSha256);
    expect(log).toEqual([
      { source: 'stdin', outcome: 'created', ticketNumber: 1000 },
      { source: 'imap', outcome: 'duplicate', ticketNumber: 1000 },
      { source: 'imap', outcome: 'created', ticketNumber: 1001 },
    ]);
    // A third copy, imported from a Maildir an mbox was converted into (Dovecot's mbox lines kept).
    const maildir = join(fixture.dataDir(), 'import');
    mkdirSync(join(maildir, 'cur'), { recursive: true });
    writeFileSync(join(maildir, 'cur', '1700000001.m1.host:2,S'), `X-UID: 12\nStatus: RO\nX-Keywords:\nContent-Length: 32\n${mail}`);
    const imported = await runCli(['ingest', maildir, '--json'], { env });
    expect(JSON.parse(imported.stdout)).toMatchObject({ outcome: 'duplicate', ticket: 1000 });
    const tickets = await runCli(['tickets', 'list', '--json'], { env });
    expect(JSON.parse(tickets.stdout).map((t: { number: number }) => t.number).sort()).toEqual([1000, 1001]);
  }, 30_000);
});
