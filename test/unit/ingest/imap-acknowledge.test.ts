import type { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { Acknowledger, MOVE_EVERY, PROCESSED_KEYWORD } from '../../../src/ingest/sources/imap-acknowledge.js';
import { uidSet } from '../../../src/ingest/sources/uid-set.js';
import { UNREADABLE_KEYWORD } from '../../../src/ingest/sources/imap-unreadable.js';

// What the daemon asks of the IMAP server once mail is committed: each batch flagged at once, moves grouped
// MOVE_EVERY at a time and at the end of a drain, and a start's sweep that finishes what a crash left.

function fakeServer(inbox: number[] = []) {
  const commands: string[] = [];
  const client = {
    search: async (query: { uid: string; unKeyword?: string }) => {
      commands.push(`SEARCH ${query.uid}${query.unKeyword ? ` UNKEYWORD ${query.unKeyword}` : ''}`);
      return inbox;
    },
    messageFlagsAdd: async (range: string, flags: string[]) => void commands.push(`STORE ${range} +${flags.join(' ')}`),
    messageMove: async (range: string, target: string) => (commands.push(`MOVE ${range} ${target}`), { path: target }),
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

  it('a MOVE the server refuses (imapflow answers false) is reported, the folder created if missing, the move tried again', async () => {
    const { client, commands } = fakeServer();
    let refusals = 1;
    const folders: string[] = [];
    const server = {
      ...client,
      usable: true,
      list: async () => folders.map((path) => ({ path })),
      mailboxCreate: async (path: string) => void (folders.push(path), commands.push(`CREATE ${path}`)),
      messageMove: async (range: string, target: string) => (commands.push(`MOVE ${range} ${target}`), refusals-- > 0 ? false : { path: target }),
    } as unknown as typeof client;
    const reported: string[] = [];
    const acks = new Acknowledger('Processed', (reason) => reported.push(reason));
    await acks.acknowledge(server, 1n, [1]);
    await acks.moveFlagged(server);
    expect(reported).toEqual(['the server refused to move 1 processed mail(s) to Processed (deleted, full, or not allowed?)']);
    expect(commands.slice(1)).toEqual(['MOVE 1 Processed', 'CREATE Processed', 'MOVE 1 Processed']);
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
});
