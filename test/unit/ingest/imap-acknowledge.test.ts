import type { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { Acknowledger, MOVE_EVERY, PROCESSED_KEYWORD } from '../../../src/ingest/sources/imap-acknowledge.js';
import { uidSet } from '../../../src/ingest/sources/uid-set.js';
import { UNREADABLE_KEYWORD } from '../../../src/ingest/sources/imap-unreadable.js';

// What the daemon asks of the IMAP server once mail is committed: each batch flagged at once, moves grouped
// MOVE_EVERY at a time and at the end of a drain, and a start's sweep that finishes what a crash left.

/** A MOVE's answer from a server with UIDPLUS (Dovecot): where the mails went (COPYUID); the UIDs do not matter here. */
const moved = (target: string) => ({ path: 'INBOX', destination: target, uidMap: new Map<number, number>() });

function fakeServer(inbox: number[] = []) {
  const commands: string[] = [];
  const client = {
    // A server with MOVE (RFC 6851), as Dovecot.
    capabilities: new Map([['MOVE', true]]),
    search: async (query: { uid: string; unKeyword?: string }) => {
      commands.push(`SEARCH ${query.uid}${query.unKeyword ? ` UNKEYWORD ${query.unKeyword}` : ''}`);
      return inbox;
    },
    messageFlagsAdd: async (range: string, flags: string[]) => void commands.push(`STORE ${range} +${flags.join(' ')}`),
    messageMove: async (range: string, target: string) => (commands.push(`MOVE ${range} ${target}`), moved(target)),
  };
  return { client: client as unknown as ImapFlow, commands };
}

const batch = (from: number, count = 100) => Array.from({ length: count }, (_, i) => from + i);

describe('uidSet', () => {
  it('writes runs of UIDs as ranges, in order', () => {
    expect(uidSet([7, 1, 2, 3, 9, 10])).toBe('1:3,7,9:10');
    expect(uidSet([5])).toBe('5');
    expect(uidSet(batch(1, 5000))).toBe('1:5000');
  });
});

describe('Acknowledger', () => {
  it('flags every batch, moves MOVE_EVERY at a time and the rest at the end of the drain', async () => {
    const { client, commands } = fakeServer();
    const acks = new Acknowledger('Processed');
    const batches = Math.ceil((MOVE_EVERY * 2.5) / 100);
    for (let b = 0; b < batches; b++) await acks.acknowledge(client, BigInt((b + 1) * 100), batch(b * 100 + 1));
    await acks.moveFlagged(client);
    expect(commands.filter((c) => c.startsWith('STORE'))).toHaveLength(batches);
    expect(commands.filter((c) => c.startsWith('MOVE'))).toEqual([`MOVE 1:${MOVE_EVERY} Processed`, `MOVE ${MOVE_EVERY + 1}:${2 * MOVE_EVERY} Processed`, `MOVE ${2 * MOVE_EVERY + 1}:${batches * 100} Processed`]);
    // Every move comes after the flag of the mails it moves.
    expect(commands.indexOf(`STORE ${MOVE_EVERY - 99}:${MOVE_EVERY} +${PROCESSED_KEYWORD}`)).toBeLessThan(commands.indexOf(`MOVE 1:${MOVE_EVERY} Processed`));
  });

  it('at a start, moves everything up to the cursor still in the inbox, flagged or not, but a message set aside as unreadable', async () => {
    const { client, commands } = fakeServer([3, 4, 5, 9]);
    await new Acknowledger('Processed').acknowledge(client, 8n);
    expect(commands).toEqual([`SEARCH 1:8 UNKEYWORD ${UNREADABLE_KEYWORD}`, `STORE 3:5 +${PROCESSED_KEYWORD}`, 'MOVE 3:5 Processed']);
  });

  it('flag only: at a start, flags what is not flagged yet, and never moves', async () => {
    const { client, commands } = fakeServer([2, 3]);
    const acks = new Acknowledger('');
    await acks.acknowledge(client, 3n);
    await acks.acknowledge(client, 4n, [4]);
    await acks.moveFlagged(client);
    expect(commands).toEqual([`SEARCH 1:3 UNKEYWORD ${PROCESSED_KEYWORD}`, `STORE 2:3 +${PROCESSED_KEYWORD}`, `STORE 4 +${PROCESSED_KEYWORD}`]);
  });

  it('a new session forgets what the old one had not moved (its sweep finds it again)', async () => {
    const { client, commands } = fakeServer();
    const acks = new Acknowledger('Processed');
    await acks.acknowledge(client, 100n, batch(1));
    acks.reset();
    await acks.moveFlagged(client);
    expect(commands.filter((c) => c.startsWith('MOVE'))).toEqual([]);
  });

  // A folder deleted meanwhile needs no person: made again (the log says so), the mail goes there, no alert.
  it('a MOVE the server refuses (imapflow answers false): the folder created if missing, the move tried again', async () => {
    const { client, commands } = fakeServer();
    let refusals = 1;
    const folders: string[] = [];
    const server = {
      ...client,
      usable: true,
      list: async () => folders.map((path) => ({ path })),
      mailboxCreate: async (path: string) => void (folders.push(path), commands.push(`CREATE ${path}`)),
      messageMove: async (range: string, target: string) => (commands.push(`MOVE ${range} ${target}`), refusals-- > 0 ? false : moved(target)),
    } as unknown as typeof client;
    const reported: string[] = [];
    const acks = new Acknowledger('Processed', { moveRefused: (reason) => reported.push(reason), folderMadeAgain: () => reported.push('made again') });
    await acks.acknowledge(server, 1n, [1]);
    await acks.moveFlagged(server);
    expect(reported).toEqual(['made again']);
    expect(commands.slice(1)).toEqual(['MOVE 1 Processed', 'CREATE Processed', 'MOVE 1 Processed']);
  });

  // The folder there, refusing our mail (no right to add to it, over quota, read-only): each drain's warning said it
  // again and no person was told. Now told once a spell: again only after a move went through and a later one failed.
  it('a folder there that refuses the MOVE is told once while it refuses, again after it took mail and refused anew', async () => {
    const { client, commands } = fakeServer();
    let takes = false;
    const server = {
      ...client,
      usable: true,
      list: async () => (commands.push('LIST'), [{ path: 'Processed' }]),
      messageMove: async (range: string, target: string) => (commands.push(`MOVE ${range} ${target}`), takes ? moved(target) : false),
    } as unknown as typeof client;
    const told: string[] = [];
    const acks = new Acknowledger('Processed', { moveRefused: (r) => told.push(`refused: ${r}`), moveTaken: () => told.push('taken'), folderMissing: (r) => told.push(`missing: ${r}`) });
    // A backlog of 2,500 in batches of 100, then three drains a poll apart with a mail each.
    for (let b = 0; b < 25; b++) await acks.acknowledge(server, BigInt(b * 100 + 100), batch(b * 100 + 1));
    await acks.moveFlagged(server);
    for (let uid = 2501; uid <= 2503; uid++) {
      await acks.acknowledge(server, BigInt(uid), [uid]);
      await acks.moveFlagged(server);
    }
    expect(told).toEqual(['refused: the server refused to move 1000 processed mail(s) to Processed, which exists (no right to add mail to it, or to delete it from the mailbox; over quota, or read-only?)']);
    // Tried at the first MOVE_EVERY, then at each drain's end only (not at each batch of the backlog), each time
    // with everything left flagged.
    expect(commands.filter((c) => c.startsWith('MOVE'))).toEqual([
      'MOVE 1:1000 Processed',
      'MOVE 1:1000 Processed',
      ...['2500', '2501', '2502', '2503'].flatMap((last) => [`MOVE 1:${last} Processed`, `MOVE 1:${last} Processed`]),
    ]);
    // The right given back: the next drain moves them all, and says so.
    takes = true;
    await acks.acknowledge(server, 2504n, [2504]);
    await acks.moveFlagged(server);
    expect(commands.at(-1)).toBe('MOVE 1:2504 Processed');
    expect(told.slice(1)).toEqual(['taken']);
    // Refused anew (the quota full again): a new spell, told again, once.
    takes = false;
    for (let uid = 2505; uid <= 2506; uid++) {
      await acks.acknowledge(server, BigInt(uid), [uid]);
      await acks.moveFlagged(server);
    }
    expect(told.slice(2)).toEqual([expect.stringMatching(/^refused: the server refused to move 1 processed mail\(s\) to Processed, which exists/)]);
  });

  it('a MOVE still refused leaves the mails flagged for the next drain; one cut by a lost connection ends the session', async () => {
    const { client, commands } = fakeServer();
    const server = { ...client, usable: true, list: async () => [{ path: 'Processed' }], messageMove: async (range: string) => (commands.push(`MOVE ${range}`), false) };
    const acks = new Acknowledger('Processed');
    await acks.acknowledge(server as unknown as typeof client, 1n, [1]);
    await acks.moveFlagged(server as unknown as typeof client);
    await acks.acknowledge(server as unknown as typeof client, 2n, [2]);
    await acks.moveFlagged(server as unknown as typeof client);
    expect(commands.filter((c) => c.startsWith('MOVE'))).toEqual(['MOVE 1', 'MOVE 1', 'MOVE 1:2', 'MOVE 1:2']);
    server.usable = false;
    await expect(acks.moveFlagged(server as unknown as typeof client)).rejects.toThrow('the connection closed while 2 processed mail(s) were moved to Processed');
  });

  // A server with MOVE but without UIDPLUS never says where the mails went (COPYUID): each move is followed by one
  // SEARCH, which finds none of them left, and that is all (no move again, nothing reported refused).
  it('a server without COPYUID: one SEARCH after each MOVE, and no more when all went', async () => {
    const { client, commands } = fakeServer();
    let inbox = [1, 2, 3];
    const server = {
      ...client,
      usable: true,
      // What of the three is still in the inbox.
      search: async (query: { uid: string }) => (commands.push(`SEARCH ${query.uid}`), inbox),
      messageMove: async (range: string, target: string) => (commands.push(`MOVE ${range} ${target}`), (inbox = []), { path: 'INBOX', destination: target }),
    } as unknown as typeof client;
    const reported: string[] = [];
    const acks = new Acknowledger('Processed', { moveRefused: (reason) => reported.push(reason) });
    await acks.acknowledge(server, 3n, [1, 2, 3]);
    await acks.moveFlagged(server);
    expect(commands.slice(1)).toEqual(['MOVE 1:3 Processed', 'SEARCH 1:3']);
    expect(reported).toEqual([]);
  });

  // A processed folder the server will not create: each batch past MOVE_EVERY and each poll's end did a MOVE, a
  // LIST and a CREATE, all refused, and a warning. Now it is told once, asked for every 15 minutes, and when made
  // everything flagged meanwhile is moved.
  it('a processed folder the server will not create is told once and asked for every 15 minutes; made, it gets all the mail', async () => {
    const { client, commands } = fakeServer();
    let creatable = false;
    const folders: string[] = [];
    const server = {
      ...client,
      usable: true,
      list: async () => (commands.push('LIST'), folders.map((path) => ({ path }))),
      mailboxCreate: async (path: string) => {
        commands.push(`CREATE ${path}`);
        if (!creatable) throw Object.assign(new Error('Command failed'), { responseText: 'Too many mailboxes' });
        folders.push(path);
      },
      messageMove: async (range: string, target: string) => (commands.push(`MOVE ${range} ${target}`), folders.includes(target) ? moved(target) : false),
    } as unknown as typeof client;
    const told: string[] = [];
    let now = 0;
    const acks = new Acknowledger('Processed', { moveRefused: (r) => told.push(`refused: ${r}`), folderMissing: (r) => told.push(`missing: ${r}`), folderMade: () => told.push('made') }, () => now);
    // The session's start could not make it either.
    acks.processedFolder('the server refused to create Processed: Too many mailboxes');
    // A backlog: 1,500 mails in batches of 100, then drains a poll apart for 14 minutes.
    for (let b = 0; b < 15; b++) await acks.acknowledge(server, BigInt(b * 100 + 100), Array.from({ length: 100 }, (_, i) => b * 100 + i + 1));
    for (; now < 14 * 60_000; now += 60_000) await acks.moveFlagged(server);
    expect(commands.filter((c) => !c.startsWith('STORE'))).toEqual([]);
    expect(told).toEqual(['missing: the server refused to create Processed: Too many mailboxes']);
    // 15 minutes on: asked again, still refused, and silently.
    now = 15 * 60_000;
    await acks.moveFlagged(server);
    await acks.moveFlagged(server);
    expect(commands.filter((c) => !c.startsWith('STORE'))).toEqual(['LIST', 'CREATE Processed']);
    expect(told).toHaveLength(1);
    // The limit raised: at the next ask, made, and everything flagged meanwhile moved.
    creatable = true;
    now = 30 * 60_000;
    await acks.moveFlagged(server);
    expect(commands.filter((c) => !c.startsWith('STORE')).slice(2)).toEqual(['LIST', 'CREATE Processed', 'MOVE 1:1500 Processed']);
    expect(told.slice(1)).toEqual(['made']);
  });

  // A server that never answers a MOVE (or a flag) of recorded mail ended every session in the sweep that opens
  // it, before any new mail was read: the mailbox stopped for good. The cursor, not the flag or the move, is what
  // keeps a mail from being processed twice, so they can wait.
  describe('flags and moves the server leaves unanswered, session after session', () => {
    function hangingServer() {
      const { client, commands } = fakeServer([1, 2]);
      let hang = true;
      const server = {
        ...client,
        usable: true,
        messageMove: async (range: string, target: string) => {
          commands.push(`MOVE ${range} ${target}`);
          if (hang) throw new Error('Connection not available');
          return moved(target);
        },
      } as unknown as typeof client;
      return { server, commands, answer: (answers = true) => (hang = !answers) };
    }
    const start = Date.parse('2026-11-30T10:00:00Z');

    it('are put off after two sessions ended in them: the sessions after read new mail without them; then tried again, the wait doubling', async () => {
      const { server, commands, answer } = hangingServer();
      let now = start;
      const acks = new Acknowledger('Processed', undefined, () => now);
      // Two sessions end in the sweep's MOVE.
      for (let session = 0; session < 2; session++) {
        acks.reset();
        await expect(acks.acknowledge(server, 2n)).rejects.toThrow('Connection not available');
        expect(acks.sessionFailed(true)).toBe(session === 0 ? null : 15 * 60_000);
      }
      // Put off: no sweep, no flag, no move, nothing asked of the server.
      acks.reset();
      const asked = commands.length;
      expect(acks.sweepOwed()).toBe(false);
      await acks.acknowledge(server, 3n, [3]);
      await acks.moveFlagged(server);
      expect(commands.length).toBe(asked);
      // Fifteen minutes later the next drain sweeps again; it hangs once more: put off for 30 minutes at once.
      now += 15 * 60_000;
      expect(acks.sweepOwed()).toBe(true);
      await expect(acks.acknowledge(server, 3n)).rejects.toThrow('Connection not available');
      expect(acks.sessionFailed(true)).toBe(30 * 60_000);
      now += 30 * 60_000;
      // The server answers again: the sweep moves everything, and the waits start over.
      answer();
      acks.reset();
      await acks.acknowledge(server, 3n);
      expect(commands.at(-1)).toBe('MOVE 1:2 Processed');
      expect(acks.sweepOwed()).toBe(false);
      // It hangs again later: two sessions again, and 15 minutes again.
      answer(false);
      for (let session = 0; session < 2; session++) {
        acks.reset();
        await expect(acks.acknowledge(server, 3n)).rejects.toThrow('Connection not available');
        expect(acks.sessionFailed(true)).toBe(session === 0 ? null : 15 * 60_000);
      }
    });

    it('a session that failed while new mail was fetched, or without a command of theirs failing, does not count', async () => {
      const { server } = hangingServer();
      const acks = new Acknowledger('Processed', undefined, () => start);
      for (let session = 0; session < 3; session++) {
        acks.reset();
        await expect(acks.acknowledge(server, 2n)).rejects.toThrow();
        // A FETCH of new mail was out too: the failure is counted where unreadable mail is (imap-unreadable.ts).
        expect(acks.sessionFailed(false)).toBe(null);
      }
      for (let session = 0; session < 3; session++) {
        acks.reset();
        // A connection lost while idle: none of these commands failed.
        expect(acks.sessionFailed(true)).toBe(null);
      }
    });
  });
});

