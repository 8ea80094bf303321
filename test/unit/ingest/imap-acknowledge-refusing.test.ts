import type { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { Acknowledger } from '../../../src/ingest/sources/imap-acknowledge.js';
import { refusalKeeper } from '../../../src/ingest/sources/imap-refusals.js';

// A processed folder that refuses our mail for hours: the daemon reconnects meanwhile (a connection lost, a server
// restarted), and a second daemon on the same database may record mail between this one's drains (each takes the
// mailbox's lease in turn). Each of those starts a sweep of every recorded mail still in the inbox.

/** A server with MOVE whose processed folder is there and refuses it; `inbox`: what a SEARCH finds up to the cursor. */
function refusingServer(inbox: number[]) {
  const commands: string[] = [];
  const server = {
    usable: true,
    capabilities: new Map([['MOVE', true]]),
    search: async (query: { uid: string }) => (commands.push(`SEARCH ${query.uid}`), inbox.filter((uid) => uid <= Number(query.uid.split(':')[1]))),
    messageFlagsAdd: async (range: string) => void commands.push(`STORE ${range}`),
    list: async () => [{ path: 'Processed' }],
    messageMove: async (range: string) => (commands.push(`MOVE ${range}`), false),
  };
  return { server, client: server as unknown as ImapFlow, commands };
}

describe('a processed folder refusing our mail across sessions and sweeps', () => {
  it('is told once over reconnects, each session trying the move once at its sweep and once more at its drain', async () => {
    const { client, commands } = refusingServer([1, 2, 3]);
    const told: string[] = [];
    const acks = new Acknowledger('Processed', { moveRefused: (r) => told.push(r) });
    for (let session = 0; session < 5; session++) {
      acks.reset();
      await acks.acknowledge(client, 3n);
      await acks.moveFlagged(client);
    }
    expect(told).toEqual(['the server refused to move 3 processed mail(s) to Processed, which exists (no right to add mail to it, or to delete it from the mailbox; over quota, or read-only?)']);
    // Per session: the sweep's MOVE, and the drain's at its end, each tried twice (the folder listed between).
    expect(commands.filter((c) => c.startsWith('MOVE'))).toHaveLength(5 * 4);
  });

  // Each sweep added every mail still in the inbox to the list of those left unmoved, which held them already:
  // the list grew by the whole inbox at each sweep of a session that lasts days, and each message counted them twice.
  it('a sweep in the middle of a session (another daemon moved the cursor) does not count the mails left unmoved twice', async () => {
    const { server, client } = refusingServer([1, 2, 3, 4, 5, 6]);
    const acks = new Acknowledger('Processed');
    await acks.acknowledge(client, 3n);
    await acks.moveFlagged(client);
    // The other daemon recorded 4, then 5 and 6, between this one's drains.
    await acks.acknowledge(client, 4n);
    await acks.moveFlagged(client);
    await acks.acknowledge(client, 6n);
    server.usable = false;
    await expect(acks.moveFlagged(client)).rejects.toThrow('the connection closed while 6 processed mail(s) were moved to Processed');
  });

  // The server's words come from imapflow's logger, which hears every refused command of the session: the alert
  // gives those of the last MOVE, not of a SEARCH or a flag refused earlier.
  it("the alert gives the words of the last refused MOVE, never an earlier command's", async () => {
    const { server, client } = refusingServer([1]);
    const keeper = refusalKeeper();
    keeper.attach(client);
    const refuse = (words: string, code?: string) => keeper.logger.warn({ err: { responseText: words, serverResponseCode: code } });
    let moves = 0;
    server.messageMove = async () => (++moves === 2 ? refuse('Quota exceeded (mailbox for user is full) (0.001 + 0.000 secs).', 'OVERQUOTA') : undefined, false);
    const told: string[] = [];
    const acks = new Acknowledger('Processed', { moveRefused: (r) => told.push(r) });
    refuse('Invalid search', 'CANNOT');
    await acks.acknowledge(client, 1n, [1]);
    await acks.moveFlagged(client);
    expect(told).toEqual(['the server refused to move 1 processed mail(s) to Processed, which exists: [OVERQUOTA] Quota exceeded (mailbox for user is full).']);

    // A new spell whose MOVE the server refuses without words imapflow logs: the guess, not the old words.
    const quiet = refusingServer([2]);
    const acks2 = new Acknowledger('Processed', { moveRefused: (r) => told.push(r) });
    keeper.attach(quiet.client);
    refuse('Invalid search', 'CANNOT');
    await acks2.acknowledge(quiet.client, 2n, [2]);
    await acks2.moveFlagged(quiet.client);
    expect(told[1]).not.toContain('search');
  });
});
