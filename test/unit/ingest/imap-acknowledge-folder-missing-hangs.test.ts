import type { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { Acknowledger } from '../../../src/ingest/sources/imap-acknowledge.js';

// README: flags and moves are put off "after two sessions in a row ended that way ... and an answered MOVE starts
// the count over". While the processed folder is missing no MOVE is ever sent, and the flag is not taken for the
// last command of a pass: nothing starts the count over, so two lost connections days apart put flags off.
describe('Acknowledger, processed folder missing', () => {
  it('answered flags between two failed sessions start the count over (two sessions in a row, not two ever)', async () => {
    let hang = false;
    const server = {
      usable: true,
      capabilities: new Map([['MOVE', true]]),
      search: async () => [1, 2],
      messageFlagsAdd: async () => {
        if (hang) throw new Error('Connection not available');
        return true;
      },
    } as unknown as ImapFlow;
    const now = 0;
    const acks = new Acknowledger('Processed', undefined, () => now);
    acks.processedFolder('the server refused to create Processed: Too many mailboxes');
    // Session 1: the connection is lost in the sweep's flag.
    hang = true;
    acks.reset();
    await expect(acks.acknowledge(server, 2n)).rejects.toThrow();
    expect(acks.sessionFailed(true)).toBe(null);
    // Session 2 (days of them): every flag answered.
    hang = false;
    acks.reset();
    await acks.acknowledge(server, 2n);
    await acks.acknowledge(server, 3n, [3]);
    // Session 3: lost once more in a flag. Not two in a row: nothing is put off.
    hang = true;
    acks.reset();
    await expect(acks.acknowledge(server, 3n)).rejects.toThrow();
    expect(acks.sessionFailed(true)).toBe(null);
  });
});
