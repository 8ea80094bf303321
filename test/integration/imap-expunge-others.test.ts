import { afterEach, describe, expect, it } from 'vitest';
import { Acknowledger } from '../../src/ingest/sources/imap-acknowledge.js';
import { mail } from '../support/app.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';
import { dovecotCapabilitiesWithout, ourSessionAndAPerson } from '../support/imap-person.js';

// A server with neither MOVE nor UIDPLUS: the gateway copies, flags \Deleted, and can only send a plain EXPUNGE,
// which removes every \Deleted mail of the mailbox, not only the ones it copied. A person's client that marks
// a mail deleted without expunging (Outlook's default on IMAP, Thunderbird's "mark as deleted") leaves such mails.
const WITHOUT_MOVE_NOR_UIDPLUS = dovecotCapabilitiesWithout('MOVE', 'UIDPLUS');

describe.skipIf(!dovecotAvailable())('moving recorded mail on a server without MOVE nor UIDPLUS', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('expunges nothing while a person\'s mail is marked deleted: that mail (not recorded yet) stays, ours wait marked deleted', async () => {
    const dovecot = await startDovecot({ imapCapability: WITHOUT_MOVE_NOR_UIDPLUS });
    cleanups.push(() => dovecot.stop());
    await dovecot.appendMany(['a', 'b', 'c', 'd'].map((n) => mail({ headers: { 'Message-ID': `<${n}@cliente.mx>` } })));
    await dovecot.appendMany([], 'Processed');
    const { ours, person } = await ourSessionAndAPerson(dovecot, cleanups);
    expect(ours.capabilities.has('MOVE')).toBe(false);
    expect(ours.capabilities.has('UIDPLUS')).toBe(false);
    // The fourth came in, not recorded yet; a person marks it deleted in a client that does not expunge.
    await person.messageFlagsAdd('4', ['\\Deleted'], { uid: true });
    const acks = new Acknowledger('Processed');
    await acks.acknowledge(ours, 3n, [1, 2, 3]);
    await acks.moveFlagged(ours);

    expect((await dovecot.list('Processed')).map((m) => m.messageId)).toEqual(['<a@cliente.mx>', '<b@cliente.mx>', '<c@cliente.mx>']);
    // Not recorded, not copied anywhere: it must still be in the inbox (the gateway records it next). Ours are only
    // marked deleted, left for the person's EXPUNGE, and no sweep copies them again.
    const inbox = await dovecot.list('INBOX');
    expect(inbox.map((m) => m.messageId)).toEqual(['<a@cliente.mx>', '<b@cliente.mx>', '<c@cliente.mx>', '<d@cliente.mx>']);
    expect(inbox.every((m) => m.flags.includes('\\Deleted'))).toBe(true);
    acks.reset();
    await acks.acknowledge(ours, 3n);
    expect(await dovecot.list('Processed')).toHaveLength(3);
    // The person's client expunges at last: theirs and ours go, and nothing was lost.
    await person.messageDelete('4', { uid: true });
    expect((await dovecot.list('INBOX')).map((m) => m.messageId)).toEqual([]);
  });

  it('with no mail of anyone else marked deleted, expunges what it copied', async () => {
    const dovecot = await startDovecot({ imapCapability: WITHOUT_MOVE_NOR_UIDPLUS });
    cleanups.push(() => dovecot.stop());
    await dovecot.appendMany(['a', 'b'].map((n) => mail({ headers: { 'Message-ID': `<${n}@cliente.mx>` } })));
    await dovecot.appendMany([], 'Processed');
    const { ours } = await ourSessionAndAPerson(dovecot, cleanups);
    const acks = new Acknowledger('Processed');
    await acks.acknowledge(ours, 1n, [1]);
    await acks.moveFlagged(ours);
    expect((await dovecot.list('Processed')).map((m) => m.messageId)).toEqual(['<a@cliente.mx>']);
    expect((await dovecot.list('INBOX')).map((m) => m.messageId)).toEqual(['<b@cliente.mx>']);
  });
});
