import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignedMessageId } from '../../src/domain/thread-refs.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { PROCESSED_KEYWORD } from '../../src/ingest/sources/imap.js';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { imapDaemonEnv, startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';

const SECRET = 'imap-test-secret-0123456789';

describe.skipIf(!dovecotAvailable() || !cliBuilt)('the daemon on a real Dovecot mailbox', () => {
  let dovecot: DovecotServer;
  let daemon: Daemon;
  let dataDir: string;
  let db: Db;
  let env: Record<string, string>;

  beforeAll(async () => {
    dovecot = await startDovecot();
    dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-imap-'));
    // Long poll interval: mail must arrive through IDLE push, not through polling.
    env = imapDaemonEnv(dovecot, dataDir, { SECRET_KEY: SECRET });
    daemon = startDaemon(env);
    db = await openDatabase(join(dataDir, 'ventanilla.db'));
    await waitFor(() => daemon.log().includes('IMAP mailbox open'), 'the daemon to open the mailbox');
  });

  afterAll(async () => {
    await daemon?.kill();
    await db?.$disconnect();
    await dovecot?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const outcomeOf = (messageId: string) =>
    waitFor(async () => (await db.inboundLog.findFirst({ where: { messageId }, orderBy: { id: 'desc' } })) ?? null, `the outcome of ${messageId}`);
  const outcomesOf = (messageId: string) => db.inboundLog.findMany({ where: { messageId }, orderBy: { id: 'asc' } });

  let first: { number: number; messageId: string };

  it('a mail appended while the daemon idles becomes a ticket within seconds (pushed, not polled), then leaves the inbox', async () => {
    const messageId = 'imap-first@cliente.mx';
    const started = Date.now();
    await dovecot.append(mail({ headers: { 'Message-ID': `<${messageId}>`, Subject: 'No puedo timbrar' } }));
    const row = await outcomeOf(messageId);
    const elapsed = Date.now() - started;
    // Set before the checks: the later tests build on this ticket even when this one fails.
    first = { number: row.ticketNumber as number, messageId };
    expect(row.outcome).toBe('created');
    // Pushed by IDLE (the poll is every 300 s). Not a speed goal (test/bench's push row measures that): 2 s failed
    // at 2.15 s on a machine running other test suites at once.
    expect(elapsed).toBeLessThan(5000);
    await waitFor(async () => (await dovecot.list('INBOX')).length === 0, 'the inbox to be empty');
    const processed = await dovecot.list('Processed');
    expect(processed.map((m) => m.messageId)).toContain(`<${messageId}>`);
    expect(processed[0]?.flags).toContain(PROCESSED_KEYWORD);
    // Not marked as read: people read this mailbox too.
    expect(processed[0]?.flags).not.toContain('\\Seen');
  });

  it('replies by In-Reply-To, by References only, by our signed id and by subject tag land on the ticket', async () => {
    const ours = createSignedMessageId(SECRET, first.number, 'example.test');
    const replies = [
      mail({ headers: { 'Message-ID': '<r1@cliente.mx>', 'In-Reply-To': `<${first.messageId}>` } }),
      mail({ headers: { 'Message-ID': '<r2@cliente.mx>', References: `<${first.messageId}>`, From: 'luis@cliente.mx' } }),
      mail({ headers: { 'Message-ID': '<r3@cliente.mx>', 'In-Reply-To': `<${ours}>`, Subject: 'RE: No puedo timbrar' } }),
      mail({ headers: { 'Message-ID': '<r4@cliente.mx>', Subject: `Re: [#${first.number}] dato` } }),
    ];
    await dovecot.appendMany(replies);
    for (const id of ['r1', 'r2', 'r3', 'r4']) {
      const row = await outcomeOf(`${id}@cliente.mx`);
      expect(row, id).toMatchObject({ outcome: 'comment', ticketNumber: first.number });
    }
  });

  it('a subject tag from a stranger opens a new ticket instead', async () => {
    await dovecot.append(mail({ headers: { 'Message-ID': '<s1@otro.com>', From: 'intruso@otro.com', Subject: `[#${first.number}] hola` } }));
    const row = await outcomeOf('s1@otro.com');
    expect(row.outcome).toBe('created');
    expect(row.ticketNumber).not.toBe(first.number);
  });

  it('a reply to a closed ticket creates a follow-up linked to it', async () => {
    await db.ticket.update({ where: { number: first.number }, data: { status: 'closed' } });
    await dovecot.append(mail({ headers: { 'Message-ID': '<late@cliente.mx>', 'In-Reply-To': `<${first.messageId}>` } }));
    const row = await outcomeOf('late@cliente.mx');
    expect(row.outcome).toBe('followup');
    const followUp = await db.ticket.findUnique({ where: { number: row.ticketNumber as number }, include: { followUpOf: true } });
    expect(followUp?.followUpOf?.number).toBe(first.number);
  });

  it('the same mail delivered twice has one effect and a duplicate log row', async () => {
    const raw = mail({ headers: { 'Message-ID': '<twice@cliente.mx>' } });
    await dovecot.appendMany([raw, raw]);
    await waitFor(async () => (await outcomesOf('twice@cliente.mx')).length === 2, 'both deliveries');
    expect((await outcomesOf('twice@cliente.mx')).map((r) => r.outcome)).toEqual(['created', 'duplicate']);
    expect(await db.message.count({ where: { messageId: 'twice@cliente.mx' } })).toBe(1);
  });

  it('a big mail between two small ones is streamed from the server, in UID order, with its attachment', async () => {
    // Above BIG_MAIL_BYTES (4 MiB): downloaded alone into the blob store, not fetched with the others.
    const content = Buffer.alloc(4 * 1024 * 1024, 'respaldo ');
    const body = ['--b1', 'Content-Type: text/plain', '', 'Adjunto el respaldo.', '--b1', 'Content-Type: application/octet-stream; name="r.bak"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="r.bak"', '', content.toString('base64').replace(/.{76}/g, (l) => `${l}\n`), '--b1--'].join('\n');
    const big = mail({ headers: { 'Message-ID': '<big@cliente.mx>', 'Content-Type': 'multipart/mixed; boundary="b1"', 'Content-Transfer-Encoding': null }, body });
    await dovecot.appendMany([mail({ headers: { 'Message-ID': '<before-big@cliente.mx>' } }), big, mail({ headers: { 'Message-ID': '<after-big@cliente.mx>' } })]);
    const rows = [await outcomeOf('before-big@cliente.mx'), await outcomeOf('big@cliente.mx'), await outcomeOf('after-big@cliente.mx')];
    expect(rows.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
    expect(rows[1]?.id).toBeGreaterThan(rows[0]?.id as number);
    expect(rows[2]?.id).toBeGreaterThan(rows[1]?.id as number);
    const message = await db.message.findFirstOrThrow({ where: { messageId: 'big@cliente.mx' }, include: { attachments: true } });
    expect(message.attachments.map((a) => [a.filename, a.size])).toEqual([['r.bak', content.length]]);
    await waitFor(async () => (await dovecot.list('INBOX')).length === 0, 'the inbox to be empty');
  });

  it('a UIDVALIDITY reset re-reads the mailbox without duplicating anything', async () => {
    await daemon.kill();
    // Messages the daemon has not seen yet, plus one it has (put back in the inbox by hand).
    await dovecot.append(mail({ headers: { 'Message-ID': '<after-reset@cliente.mx>' } }));
    await dovecot.append(mail({ headers: { 'Message-ID': `<${first.messageId}>`, Subject: 'No puedo timbrar' } }));
    const before = await dovecot.uidValidity('INBOX');
    await dovecot.resetUidValidity('INBOX');
    expect(await dovecot.uidValidity('INBOX')).not.toBe(before);
    const tickets = await db.ticket.count();
    daemon = startDaemon(env);
    expect((await outcomeOf('after-reset@cliente.mx')).outcome).toBe('created');
    await waitFor(async () => (await outcomesOf(first.messageId)).length === 2, 'the re-read of the old mail');
    expect((await outcomesOf(first.messageId)).map((r) => r.outcome)).toEqual(['created', 'duplicate']);
    expect(await db.ticket.count()).toBe(tickets + 1);
    await waitFor(async () => (await dovecot.list('INBOX')).length === 0, 'the inbox to be empty');
    const cursor = await db.mailboxCursor.findFirst();
    expect(cursor?.uidValidity).toBe(await dovecot.uidValidity('INBOX'));
  });

  it('the processed folder deleted by someone else: the mail is recorded, the daemon says so, and moves it once the folder is back', async () => {
    const client = new ImapFlow({ ...dovecot.imapConfig(), logger: false });
    await client.connect();
    await client.mailboxDelete('Processed');
    await client.logout();
    await dovecot.append(mail({ headers: { 'Message-ID': '<no-folder@cliente.mx>' } }));
    expect((await outcomeOf('no-folder@cliente.mx')).outcome).toBe('created');
    // The folder is created again, the log says so (a folder deleted is not a refusal to alert anyone of), and the mail moved.
    await waitFor(() => daemon.log().includes('IMAP processed folder was gone (deleted?) and is made again'), 'the folder made again to be logged');
    expect(daemon.log()).not.toContain('IMAP move refused');
    await waitFor(async () => (await dovecot.list('Processed')).some((m) => m.messageId === '<no-folder@cliente.mx>'), 'the mail in the recreated folder');
    expect(await dovecot.list('INBOX')).toEqual([]);
  });
});
