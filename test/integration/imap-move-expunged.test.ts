import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Acknowledger, PROCESSED_KEYWORD } from '../../src/ingest/sources/imap-acknowledge.js';
import { ensureMailbox } from '../../src/ingest/sources/imap-session.js';
import { UNREADABLE_KEYWORD } from '../../src/ingest/sources/imap-unreadable.js';
import { mail } from '../support/app.js';
import { dovecotAvailable, startDovecot, type DovecotOptions } from '../support/dovecot.js';
import { dovecotCapabilitiesWithout, ourSessionAndAPerson } from '../support/imap-person.js';

// People work in the support mailbox too. A message a person deletes (or moves away) while the gateway is about to
// move recorded mail, and which this session has not been told of yet, makes Dovecot refuse the whole UID MOVE:
// `NO [EXPUNGEISSUED] Some of the requested messages no longer exist`, nothing moved. imapflow takes that answer for
// success, so the recorded mails stayed in the inbox, flagged, until the session ended (days on a steady connection).

/** Dovecot's own list less MOVE: a server without RFC 6851, where imapflow moves with COPY, then \Deleted and EXPUNGE. */
const WITHOUT_MOVE = dovecotCapabilitiesWithout('MOVE');

describe.skipIf(!dovecotAvailable())('moving recorded mail', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Three recorded and flagged mails (a batch: its move waits for the end of the drain); a person deletes the second. */
  async function threeRecordedOneDeleted(opts: DovecotOptions = {}) {
    const dovecot = await startDovecot(opts);
    cleanups.push(() => dovecot.stop());
    await dovecot.appendMany(['a', 'b', 'c'].map((n) => mail({ headers: { 'Message-ID': `<${n}@cliente.mx>` } })));
    await dovecot.appendMany([], 'Processed'); // creates the folder
    const { ours, person } = await ourSessionAndAPerson(dovecot, cleanups);
    const refused: string[] = [];
    const acks = new Acknowledger('Processed', { moveRefused: (reason) => refused.push(reason) });
    await acks.acknowledge(ours, 3n, [1, 2, 3]);
    await person.messageDelete('2', { uid: true });
    return { dovecot, ours, acks, refused };
  }

  it('moves the others when a person deleted one of them meanwhile', async () => {
    const { dovecot, ours, acks, refused } = await threeRecordedOneDeleted();
    await acks.moveFlagged(ours);

    expect((await dovecot.list('Processed')).map((m) => [m.messageId, m.flags])).toEqual([
      ['<a@cliente.mx>', [PROCESSED_KEYWORD]],
      ['<c@cliente.mx>', [PROCESSED_KEYWORD]],
    ]);
    expect(await dovecot.list('INBOX')).toEqual([]);
    expect(refused).toEqual([]);
  });

  // The move tried again after the SEARCH takes only recorded mail: not a message set aside as unreadable between
  // two recorded ones (it stays for a person), nor one fetched and not recorded yet.
  it('moved again, only the recorded ones go: not one set aside between them, nor one not recorded yet', async () => {
    const dovecot = await startDovecot();
    cleanups.push(() => dovecot.stop());
    await dovecot.appendMany(['a', 'b', 'c', 'd', 'e'].map((n) => mail({ headers: { 'Message-ID': `<${n}@cliente.mx>` } })));
    await dovecot.appendMany([], 'Processed');
    const { ours, person } = await ourSessionAndAPerson(dovecot, cleanups);
    const acks = new Acknowledger('Processed');
    await acks.acknowledge(ours, 2n, [1, 2]);
    await ours.messageFlagsAdd('3', [UNREADABLE_KEYWORD], { uid: true }); // set aside (imap-unreadable.ts)
    await acks.acknowledge(ours, 4n, [4]);
    await person.messageDelete('2', { uid: true });
    await acks.moveFlagged(ours);

    expect((await dovecot.list('Processed')).map((m) => m.messageId)).toEqual(['<a@cliente.mx>', '<d@cliente.mx>']);
    expect((await dovecot.list('INBOX')).map((m) => [m.messageId, m.flags])).toEqual([
      ['<c@cliente.mx>', [UNREADABLE_KEYWORD]],
      ['<e@cliente.mx>', []],
    ]);
  });

  // imapflow moves with COPY, then \Deleted and EXPUNGE, on a server without MOVE. The COPY refused as a whole
  // (EXPUNGEISSUED, nothing copied) is taken for done there too: the EXPUNGE then deleted the others, copied nowhere.
  it('loses none on a server without MOVE when a person deleted one of them meanwhile', async () => {
    const { dovecot, ours, acks, refused } = await threeRecordedOneDeleted({ imapCapability: WITHOUT_MOVE });
    expect(ours.capabilities.has('MOVE')).toBe(false);
    await acks.moveFlagged(ours);

    expect((await dovecot.list('Processed')).map((m) => m.messageId)).toEqual(['<a@cliente.mx>', '<c@cliente.mx>']);
    expect(await dovecot.list('INBOX')).toEqual([]);
    expect(refused).toEqual([]);
  });

  // The session already told of the deletion (a later batch's flag brought it): Dovecot copies the others and its
  // COPYUID names only them. The one it leaves out is gone, not copied again: one copy of each in the folder.
  it('a COPYUID naming part of them (the deleted one known) copies none twice on a server without MOVE', async () => {
    const { dovecot, ours, acks, refused } = await threeRecordedOneDeleted({ imapCapability: WITHOUT_MOVE });
    await ours.noop();
    await acks.moveFlagged(ours);

    expect((await dovecot.list('Processed')).map((m) => m.messageId)).toEqual(['<a@cliente.mx>', '<c@cliente.mx>']);
    expect(await dovecot.list('INBOX')).toEqual([]);
    expect(refused).toEqual([]);
  });

  // The folder the server would not make at the session's start (here a file where Dovecot keeps it: "Internal
  // error") becomes possible later in the same session (a limit raised, a right granted): the mails recorded and
  // flagged meanwhile go there at the next ask, and only they (not a mail still to record).
  it('moves what was left flagged once the processed folder can be made, in the same session', async () => {
    const dovecot = await startDovecot();
    cleanups.push(() => dovecot.stop());
    await dovecot.appendMany(['a', 'b', 'c', 'd'].map((n) => mail({ headers: { 'Message-ID': `<${n}@cliente.mx>` } })));
    const maildir = execFileSync('find', [`${dovecot.dir}/mail`, '-name', 'Maildir', '-type', 'd']).toString().trim();
    writeFileSync(`${maildir}/.Processed`, 'in the way');
    const { ours } = await ourSessionAndAPerson(dovecot, cleanups);
    const told: string[] = [];
    let now = 0;
    const acks = new Acknowledger('Processed', { moveRefused: (r) => told.push(`refused: ${r}`), folderMissing: (r) => told.push(`missing: ${r}`), folderMade: () => told.push('made') }, () => now);
    acks.processedFolder(await ensureMailbox(ours, 'Processed'));
    await acks.acknowledge(ours, 2n, [1, 2]);
    await acks.moveFlagged(ours);
    expect(await dovecot.count('INBOX', { keyword: PROCESSED_KEYWORD })).toBe(2);
    expect(await dovecot.count('INBOX')).toBe(4);

    rmSync(`${maildir}/.Processed`);
    now += 15 * 60_000;
    await acks.acknowledge(ours, 3n, [3]);
    await acks.moveFlagged(ours);
    expect((await dovecot.list('Processed')).map((m) => m.messageId)).toEqual(['<a@cliente.mx>', '<b@cliente.mx>', '<c@cliente.mx>']);
    // The fourth is not recorded yet: it stays, unflagged.
    expect((await dovecot.list('INBOX')).map((m) => [m.messageId, m.flags])).toEqual([['<d@cliente.mx>', []]]);
    expect(told).toEqual([expect.stringMatching(/^missing: the server refused to create Processed: /), 'made']);
  });
});
