import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { PROCESSED_KEYWORD } from '../../src/ingest/sources/imap-acknowledge.js';
import { UNREADABLE_KEYWORD } from '../../src/ingest/sources/imap-unreadable.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { imapDaemonEnv, startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { appendWithPoison } from '../support/maildir.js';

// A message the server cannot return (its Maildir file unreadable: Dovecot closes the connection on each FETCH of
// it) used to stop the mailbox there for good. Now, after sessions keep failing at the same place, the daemon
// reads one message at a time, sets that one aside (logged, flagged, left in the mailbox) and goes on.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A daemon polling every 2 s on the mailbox, its database, and the outcomes of the mails in order. */
async function watch(dovecot: DovecotServer, env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-unreadable-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const daemon: Daemon = startDaemon(imapDaemonEnv(dovecot, dataDir, { IMAP_POLL_SECONDS: '2', ...env }));
  cleanups.push(() => daemon.kill());
  const db: Db = await openDatabase(join(dataDir, 'ventanilla.db'));
  cleanups.push(() => db.$disconnect());
  const outcomes = async () => (await db.inboundLog.findMany({ orderBy: { id: 'asc' } })).map((r) => [r.messageId, r.outcome]);
  return { daemon, db, outcomes, dataDir };
}

describe.skipIf(!dovecotAvailable() || !cliBuilt)('a message the IMAP server cannot return', () => {
  // With ALERT_ADDRESS the administrators are mailed too (they used to learn of it from the log alone); that an
  // alert goes once per window whatever follows is operator-alerts.test.ts's (one enqueue for every kind).
  it('is set aside after the sessions that fail on it, the administrators told; the mails before and after it become tickets', { timeout: 120_000 }, async () => {
    const dovecot: DovecotServer = await startDovecot();
    cleanups.push(() => dovecot.stop());
    await appendWithPoison(dovecot, ['before', 'POISON', 'after']);
    const { daemon, db, outcomes, dataDir } = await watch(dovecot, { ALERT_ADDRESS: 'ops@example.com' });
    await waitFor(async () => (await outcomes()).length >= 3, 'the three mails to have an outcome', 90_000, 500);
    expect(await outcomes()).toEqual([
      ['before@cliente.mx', 'created'],
      [null, 'quarantined'],
      ['after@cliente.mx', 'created'],
    ]);
    const setAside = await db.inboundLog.findFirstOrThrow({ where: { outcome: 'quarantined' } });
    expect(setAside.detail).toMatch(/could not return this message/);
    expect(daemon.log()).toContain('reading one message at a time');
    expect(daemon.log()).toContain('set aside');
    const alerts = await db.outboxMail.findMany({ where: { template: { startsWith: 'alert_' } } });
    expect(alerts.map((a) => [a.template, a.toList])).toEqual([['alert_mail_set_aside', '["ops@example.com"]']]);
    // Without SMTP the daemon writes what it sends as .eml files.
    const outbox = join(dataDir, 'outbox');
    const file = await waitFor(() => (existsSync(outbox) ? readdirSync(outbox).find((name) => name.endsWith('.eml') && readFileSync(join(outbox, name), 'utf8').includes('To: ops@example.com')) : undefined), 'the alert to be sent', 15_000, 200);
    const sent = await simpleParser(readFileSync(join(outbox, file)));
    expect(sent.subject).toBe('Ventanilla alert (support@example.test): a message the IMAP server cannot return was set aside');
    expect(sent.headers.get('auto-submitted')).toBe('auto-generated');
    expect(sent.html).toBe(false);
    expect(sent.text).toContain(UNREADABLE_KEYWORD);
    expect(sent.text).toContain('ventanilla inbound --outcome quarantined');

    // Left in the mailbox, flagged, for a person; a mail arriving later is processed as usual.
    await dovecot.append(mail({ headers: { 'Message-ID': '<later@cliente.mx>', Subject: 'later' } }));
    await waitFor(async () => (await outcomes()).length >= 4, 'the later mail', 30_000, 500);
    // STATUS and SEARCH only: a FETCH of the message would fail here too.
    await waitFor(async () => (await dovecot.count('INBOX')) === 1, 'the others to leave the inbox', 30_000, 500);
    expect(await dovecot.count('INBOX', { keyword: UNREADABLE_KEYWORD })).toBe(1);
  });

  // A refused MOVE (the processed folder full, or not writable) says nothing about the mail still to read: it used
  // to end every session before new mail was read, and after four of them a readable mail was set aside.
  it('a processed folder the server will not move into: every mail still becomes a ticket, none is set aside', { timeout: 120_000 }, async () => {
    const dovecot: DovecotServer = await startDovecot();
    cleanups.push(() => dovecot.stop());
    const client = new ImapFlow({ ...dovecot.imapConfig(), logger: false });
    await client.connect();
    await client.mailboxCreate('Processed');
    await client.logout();
    // Dovecot writes mail as nobody: a folder it may not write to refuses every MOVE into it.
    const processed = join(dovecot.dir, 'mail', 'example.test', 'support', 'Maildir', '.Processed');
    const setWritable = (writable: boolean) => ['tmp', 'new', 'cur'].forEach((d) => chmodSync(join(processed, d), writable ? 0o777 : 0o555));
    setWritable(false);
    const { daemon, outcomes } = await watch(dovecot);
    await dovecot.append(mail({ headers: { 'Message-ID': '<first@cliente.mx>' } }));
    await waitFor(() => daemon.log().includes('the server refused to move 1 processed mail(s) to Processed'), 'the refused move to be logged');
    // Mail that comes while the folder refuses (four failed sessions, ~16 s, used to set the first of it aside).
    await dovecot.appendMany(['second', 'third'].map((name) => mail({ headers: { 'Message-ID': `<${name}@cliente.mx>` } })));
    await waitFor(async () => (await outcomes()).length >= 3, 'the three mails to have an outcome', 30_000, 500);
    expect(await outcomes()).toEqual([
      ['first@cliente.mx', 'created'],
      ['second@cliente.mx', 'created'],
      ['third@cliente.mx', 'created'],
    ]);
    // Committed, flagged, and waiting in the inbox for the folder. The flag follows the commit (imap-acknowledge.ts):
    // the third mail's outcome can be read before its flag is set.
    await waitFor(async () => (await dovecot.count('INBOX', { keyword: PROCESSED_KEYWORD })) === 3, 'the three mails flagged', 10_000, 100);
    expect(await dovecot.count('INBOX', { keyword: UNREADABLE_KEYWORD })).toBe(0);

    // Once the folder takes mail again, they are moved.
    setWritable(true);
    await waitFor(async () => (await dovecot.count('Processed')) === 3, 'the mails to be moved', 30_000, 500);
    expect(await dovecot.count('INBOX')).toBe(0);
  });
});
