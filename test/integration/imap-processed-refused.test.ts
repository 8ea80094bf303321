import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Acknowledger, PROCESSED_KEYWORD } from '../../src/ingest/sources/imap-acknowledge.js';
import { copiedKeyword } from '../../src/ingest/sources/imap-copied-mark.js';
import { processedFolderRefusedAlert } from '../../src/ingest/sources/imap-processed-folder.js';
import { openDatabase } from '../../src/store/database.js';
import { mail } from '../support/app.js';
import { cliBuilt } from '../support/cli.js';
import { daemonLogLines, imapDaemonEnv, startDaemon, waitFor } from '../support/daemon.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';
import { setFolderRights } from '../support/dovecot-rights.js';
import { dovecotCapabilitiesWithout, ourSessionAndAPerson } from '../support/imap-person.js';

// A processed folder that is there but refuses our mail: the IMAP user may not add to it (an administrator's ACL),
// the account is over quota, the folder is read-only. Dovecot's ACL plugin makes it refuse for real: `owner lr`
// lets us see the folder and not add to it (`NO [NOPERM] Permission denied` to the MOVE, and to the COPY of a
// server without MOVE). Each drain said it in a warning, and nobody was told: mail piled up in the inbox, flagged.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const messageIds = (mails: Array<{ messageId: string | null }>) => mails.map((m) => m.messageId);
const oneMail = (n: number) => mail({ headers: { 'Message-ID': `<m${n}@cliente.mx>` } });

describe.skipIf(!dovecotAvailable())('a processed folder that refuses the MOVE (Dovecot ACL)', () => {
  it.each([
    ['with MOVE', undefined],
    ['without MOVE (COPY, then delete)', dovecotCapabilitiesWithout('MOVE')],
  ])('%s: told once while it refuses, the mails kept flagged; moved at the first drain after the right is back; refused anew, told again', async (_, imapCapability) => {
    const dovecot = await startDovecot({ acl: true, ...(imapCapability ? { imapCapability } : {}) });
    cleanups.push(() => dovecot.stop());
    await dovecot.appendMany([1, 2, 3, 4, 5].map(oneMail));
    await dovecot.appendMany([], 'Processed');
    setFolderRights(dovecot, 'Processed', 'lr');
    const { ours } = await ourSessionAndAPerson(dovecot, cleanups);
    const told: string[] = [];
    const acks = new Acknowledger('Processed', { moveRefused: (r) => told.push(`refused: ${r}`), moveTaken: () => told.push('taken'), folderMissing: (r) => told.push(`missing: ${r}`) });

    // Three drains while it refuses.
    for (let uid = 1; uid <= 3; uid++) {
      await acks.acknowledge(ours, BigInt(uid), [uid]);
      await acks.moveFlagged(ours);
    }
    expect(told).toEqual([expect.stringMatching(/^refused: the server refused to move 1 processed mail\(s\) to Processed, which exists/)]);
    expect(await dovecot.list('Processed')).toEqual([]);
    // Nothing lost, nothing deleted: the three recorded stay in the inbox, flagged.
    expect((await dovecot.list('INBOX')).map((m) => [m.messageId, m.flags])).toEqual([
      ['<m1@cliente.mx>', [PROCESSED_KEYWORD]],
      ['<m2@cliente.mx>', [PROCESSED_KEYWORD]],
      ['<m3@cliente.mx>', [PROCESSED_KEYWORD]],
      ['<m4@cliente.mx>', []],
      ['<m5@cliente.mx>', []],
    ]);

    setFolderRights(dovecot, 'Processed', null);
    await acks.acknowledge(ours, 4n, [4]);
    await acks.moveFlagged(ours);
    expect(messageIds(await dovecot.list('Processed'))).toEqual(['<m1@cliente.mx>', '<m2@cliente.mx>', '<m3@cliente.mx>', '<m4@cliente.mx>']);
    expect(told.slice(1)).toEqual(['taken']);

    // Refused again later: a new spell, told again.
    setFolderRights(dovecot, 'Processed', 'lr');
    await acks.acknowledge(ours, 5n, [5]);
    await acks.moveFlagged(ours);
    expect(told.slice(2)).toEqual([expect.stringMatching(/^refused: /)]);
    expect((await dovecot.list('INBOX')).map((m) => [m.messageId, m.flags])).toEqual([['<m5@cliente.mx>', [PROCESSED_KEYWORD]]]);
    expect(await dovecot.count('Processed')).toBe(4);
  });
});

// A MOVE takes the mail out of the inbox too: without the right to delete there ('t', 'e': a shared mailbox the
// IMAP user may only read and flag), Dovecot refuses it in the same words as a processed folder it may not add to.
// The alert named only the processed folder's right 'i', which the user had: its reader changed nothing.
describe.skipIf(!dovecotAvailable())('a MOVE refused because the inbox may not be deleted from (Dovecot ACL)', () => {
  it('is told once, the mails kept flagged, and the alert names the right to delete from the inbox as well', async () => {
    const dovecot = await startDovecot({ acl: true });
    cleanups.push(() => dovecot.stop());
    await dovecot.appendMany([1, 2].map(oneMail));
    await dovecot.appendMany([], 'Processed');
    setFolderRights(dovecot, 'INBOX', 'lrwsip');
    const { ours } = await ourSessionAndAPerson(dovecot, cleanups);
    const told: string[] = [];
    const acks = new Acknowledger('Processed', { moveRefused: (r) => told.push(r) });
    for (let uid = 1; uid <= 2; uid++) {
      await acks.acknowledge(ours, BigInt(uid), [uid]);
      await acks.moveFlagged(ours);
    }
    expect(told).toHaveLength(1);
    expect((await dovecot.list('INBOX')).map((m) => [m.messageId, m.flags])).toEqual([
      ['<m1@cliente.mx>', [PROCESSED_KEYWORD]],
      ['<m2@cliente.mx>', [PROCESSED_KEYWORD]],
    ]);
    expect(await dovecot.count('Processed')).toBe(0);
    const alert = processedFolderRefusedAlert({ mailbox: 'INBOX', processedMailbox: 'Processed', reason: told[0] as string }, new Date());
    expect(alert.doing).toContain("the right to delete mail from INBOX (the IMAP ACL rights 't' and 'e')");
  });
});

// A server without MOVE: COPY, then delete. Without the right to delete, Dovecot answers OK to the \Deleted flag
// and to the EXPUNGE and deletes nothing: the mail was taken for moved, stayed in the inbox, and nobody was told.
describe.skipIf(!dovecotAvailable())('a server without MOVE that keeps the copied mail (no right to delete from the inbox)', () => {
  it('is told once, and each mail copied once in a session, not at each drain', async () => {
    const dovecot = await startDovecot({ acl: true, imapCapability: dovecotCapabilitiesWithout('MOVE') });
    cleanups.push(() => dovecot.stop());
    await dovecot.appendMany([1, 2, 3].map(oneMail));
    await dovecot.appendMany([], 'Processed');
    setFolderRights(dovecot, 'INBOX', 'lrwsip');
    const { ours } = await ourSessionAndAPerson(dovecot, cleanups);
    const told: string[] = [];
    const acks = new Acknowledger('Processed', { moveRefused: (r) => told.push(r), moveTaken: () => told.push('taken') });
    for (let uid = 1; uid <= 3; uid++) {
      await acks.acknowledge(ours, BigInt(uid), [uid]);
      await acks.moveFlagged(ours);
    }
    expect(told).toEqual(['the server kept 1 processed mail(s) in the mailbox after they were copied to Processed and deleted (no right to delete there?)']);
    expect(messageIds(await dovecot.list('Processed'))).toEqual(['<m1@cliente.mx>', '<m2@cliente.mx>', '<m3@cliente.mx>']);
    // Marked copied (imap-copied-mark.ts): a later session's sweep does not copy them again (imap-copied-once.test.ts).
    const copied = copiedKeyword(await dovecot.uidValidity('Processed'));
    expect((await dovecot.list('INBOX')).map((m) => [m.messageId, m.flags])).toEqual([1, 2, 3].map((n) => [`<m${n}@cliente.mx>`, [copied, PROCESSED_KEYWORD].sort()]));
  });
});

/** A daemon polling every second, ALERT_ADDRESS set, on a Dovecot whose Processed folder refuses mail (owner 'lr'). */
async function daemonOnRefusingFolder() {
  const dovecot = await startDovecot({ acl: true });
  cleanups.push(() => dovecot.stop());
  await dovecot.appendMany([], 'Processed');
  setFolderRights(dovecot, 'Processed', 'lr');
  const dataDir = mkdtempSync(join(tmpdir(), 'ventanilla-imap-refused-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const daemon = startDaemon(imapDaemonEnv(dovecot, dataDir, { IMAP_POLL_SECONDS: '1', ALERT_ADDRESS: 'ops@example.com' }));
  cleanups.push(() => daemon.kill());
  const db = await openDatabase(join(dataDir, 'ventanilla.db'));
  cleanups.push(() => db.$disconnect());
  return { dovecot, daemon, db };
}

describe.skipIf(!dovecotAvailable() || !cliBuilt)('the daemon, its processed folder refusing the MOVE', () => {
  it('mails ALERT_ADDRESS once and warns once over several polls; the right given back, the folder gets every mail, none recorded twice', { timeout: 90_000 }, async () => {
    const { dovecot, daemon, db } = await daemonOnRefusingFolder();
    const outcomes = async () => (await db.inboundLog.findMany({ orderBy: { id: 'asc' } })).map((r) => [r.messageId, r.outcome]);
    const alerts = () => db.outboxMail.findMany({ where: { template: { startsWith: 'alert_' } } });

    // Several drains, a poll or more apart, each ending in a refused MOVE.
    for (let n = 1; n <= 3; n++) {
      await dovecot.append(oneMail(n));
      await waitFor(async () => (await outcomes()).length === n, `mail ${n} recorded`, 20_000, 100);
      await waitFor(async () => (await dovecot.count('INBOX', { keyword: PROCESSED_KEYWORD })) === n, `mail ${n} flagged`, 10_000, 100);
    }
    expect(await dovecot.count('INBOX')).toBe(3);
    const refused = () => daemonLogLines(daemon).filter((l) => /^IMAP move refused/.test(l.msg));
    expect(refused()).toHaveLength(1);
    expect((await alerts()).map((a) => [a.template, a.toList])).toEqual([['alert_processed_folder_refused', '["ops@example.com"]']]);
    const [alert] = await alerts();
    expect(alert?.subject).toBe('Ventanilla alert (support@example.test): the processed folder refuses mail');
    // The server's own words, not a guess.
    expect(alert?.text).toContain('The IMAP server refuses to move recorded mail into the folder Processed (IMAP_PROCESSED_MAILBOX): the server refused to move 1 processed mail(s) to Processed, which exists: [NOPERM] Permission denied.');
    expect(alert?.text).toContain('stays in INBOX, flagged $VentanillaProcessed');

    // The right given back: the next drain moves all three there, and the log says so.
    setFolderRights(dovecot, 'Processed', null);
    await dovecot.append(oneMail(4));
    await waitFor(async () => (await dovecot.count('INBOX')) === 0, 'the inbox emptied', 20_000, 100);
    expect(messageIds(await dovecot.list('Processed'))).toEqual([1, 2, 3, 4].map((n) => `<m${n}@cliente.mx>`));
    expect(daemonLogLines(daemon).filter((l) => /^IMAP processed folder takes mail again/.test(l.msg))).toHaveLength(1);
    expect(await outcomes()).toEqual([1, 2, 3, 4].map((n) => [`m${n}@cliente.mx`, 'created']));
    expect(refused()).toHaveLength(1);
    expect(await alerts()).toHaveLength(1);
  });
});

describe.skipIf(!dovecotAvailable() || !cliBuilt)('the daemon reconnecting while its processed folder refuses the MOVE', () => {
  it('warns and mails ALERT_ADDRESS once over the reconnects, each new session finding the refused mail again, none moved or lost', { timeout: 90_000 }, async () => {
    const { dovecot, daemon, db } = await daemonOnRefusingFolder();
    const sessions = () => daemonLogLines(daemon).filter((l) => /^IMAP mailbox open/.test(l.msg)).length;
    const flagged = () => dovecot.count('INBOX', { keyword: PROCESSED_KEYWORD });

    // A mail, then the server restarted (every connection dropped) twice, a mail after each reconnect.
    for (let n = 1; n <= 3; n++) {
      if (n > 1) {
        const before = sessions();
        await dovecot.restart();
        await waitFor(async () => sessions() > before, `session ${n} opened`, 20_000, 100);
      }
      await dovecot.append(oneMail(n));
      await waitFor(async () => (await flagged()) === n, `mail ${n} flagged`, 20_000, 100);
    }
    expect(daemonLogLines(daemon).filter((l) => /^IMAP session failed/.test(l.msg)).length).toBeGreaterThanOrEqual(2);
    expect(daemonLogLines(daemon).filter((l) => /^IMAP move refused/.test(l.msg))).toHaveLength(1);
    expect(await db.outboxMail.count({ where: { template: 'alert_processed_folder_refused' } })).toBe(1);
    expect(await dovecot.count('INBOX')).toBe(3);
    expect(await dovecot.count('Processed')).toBe(0);
    expect(await db.inboundLog.count()).toBe(3);
  });
});
