import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROCESSED_KEYWORD } from '../../src/ingest/sources/imap-acknowledge.js';
import { openDatabase } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { daemonLogLines, imapDaemonEnv, startDaemon, waitFor } from '../support/daemon.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';

// The processed folder is where recorded mail goes, after the commit: a server that will not create it (a name it
// refuses, a folder limit, no right to create) says nothing about the mail still to read. Each session used to
// end at that CREATE, before any mail was read: the mailbox went unread, its customers unanswered.
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!dovecotAvailable() || !cliBuilt)('a processed folder the server will not create', () => {
  it('mail still becomes tickets, flagged in the inbox, and the log says why the folder is missing', { timeout: 60_000 }, async () => {
    const dovecot = await startDovecot();
    cleanups.push(() => dovecot.stop());
    await dovecot.append(mail({ headers: { 'Message-ID': '<first@cliente.mx>' } }));
    const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-processed-folder-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // Dovecot's Maildir++ folders are separated by '.': it refuses a name with '/'.
    const daemon = startDaemon(imapDaemonEnv(dovecot, dataDir, { IMAP_PROCESSED_MAILBOX: 'Procesados/Soporte', IMAP_POLL_SECONDS: '2' }));
    cleanups.push(() => daemon.kill());
    const db = await openDatabase(join(dataDir, 'ventanilla.db'));
    cleanups.push(() => db.$disconnect());
    const outcome = (messageId: string) => waitFor(() => db.inboundLog.findFirst({ where: { messageId } }), `the outcome of ${messageId}`, 20_000, 100);

    expect((await outcome('first@cliente.mx')).outcome).toBe('created');
    // Mail that comes later too (the session goes on: no reconnection needed to read it).
    await dovecot.append(mail({ headers: { 'Message-ID': '<second@cliente.mx>' } }));
    expect((await outcome('second@cliente.mx')).outcome).toBe('created');
    // Recorded, flagged, and left in the inbox for a later drain to move once the folder can be made.
    await waitFor(async () => (await dovecot.count('INBOX', { keyword: PROCESSED_KEYWORD })) === 2, 'both mails flagged', 10_000, 100);
    expect(await dovecot.count('INBOX')).toBe(2);
    const refused = daemonLogLines(daemon).filter((l) => /Procesados\/Soporte/.test(JSON.stringify(l)));
    expect(refused.length).toBeGreaterThan(0);
    expect(JSON.stringify(refused[0])).toMatch(/must not have '\/' characters/);
    expect(daemonLogLines(daemon).filter((l) => l.msg === 'IMAP session failed; reconnecting')).toEqual([]);
  });
});
