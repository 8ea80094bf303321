import { afterEach, describe, expect, it } from 'vitest';
import { fetchPending } from '../../src/ingest/sources/imap-pending.js';
import { mail } from '../support/app.js';
import { dovecotAvailable, startDovecot } from '../support/dovecot.js';
import { ourSessionAndAPerson } from '../support/imap-person.js';

// People read the support mailbox too. A flag another client changed on a message this session knows is told in
// the answer to this session's next command: Dovecot writes it as an untagged FETCH of FLAGS, without UID, after
// the FETCH's own rows, and imapflow hands it to the FETCH as one more row. Its UID undefined, the listing of new
// mail failed (BigInt(undefined)) and the session with it.
describe.skipIf(!dovecotAvailable())('the listing of new mail', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('skips a flag change another client made meanwhile, and lists every new message once', async () => {
    const dovecot = await startDovecot();
    cleanups.push(() => dovecot.stop());
    for (let i = 0; i < 3; i++) await dovecot.append(mail());
    const { ours, person } = await ourSessionAndAPerson(dovecot, cleanups);
    await person.messageFlagsAdd('1', ['\\Seen'], { uid: true });

    const pending = await fetchPending(ours, 1n);
    expect(pending.map((m) => [m.uid, (m.source?.length ?? 0) > 0])).toEqual([[2, true], [3, true]]);
  });
});
