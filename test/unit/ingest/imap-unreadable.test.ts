import { describe, expect, it } from 'vitest';
import { StuckWatch } from '../../../src/ingest/sources/imap-unreadable.js';

describe('StuckWatch: when to read one message at a time, and when to set one aside', () => {
  it('careful after two failures at one cursor; set aside only after two careful failures at one cursor', () => {
    const w = new StuckWatch();
    w.failed(10n);
    expect(w.careful()).toBe(false);
    w.failed(10n);
    expect(w.careful()).toBe(true);
    expect(w.setAside(10n)).toBeNull(); // those two read batches, not the one message
    w.failed(11n); // the careful session recorded UID 11, then failed on the next
    expect(w.setAside(11n)).toBeNull();
    w.failed(11n);
    expect(w.setAside(11n)).toBe('closed');
    expect(w.setAside(12n)).toBeNull();
  });
  it('a FETCH left unanswered (a silent connection) counts too, but needs three sessions where a closed one needs two', () => {
    // A server that hangs on one message, for good, held the mailbox behind it for ever: a silent connection
    // did not count at all, since a network can lose one. Three sessions in a row silent at one place, then three
    // reading that one message alone, are the message's doing.
    const w = new StuckWatch();
    w.failed(10n, 'silent');
    w.failed(10n, 'silent');
    expect(w.careful()).toBe(false);
    w.failed(10n, 'silent');
    expect(w.careful()).toBe(true);
    w.failed(10n, 'silent');
    w.failed(10n, 'silent');
    expect(w.setAside(10n)).toBeNull();
    w.failed(10n, 'silent');
    expect(w.setAside(10n)).toBe('silent');
    // A closed connection weighs as before: two careful ones set aside, and say so.
    const closed = new StuckWatch();
    for (let i = 0; i < 4; i++) closed.failed(5n);
    expect(closed.setAside(5n)).toBe('closed');
    // Mixed: one closed and two silent sessions make it careful; three careful failures of either kind set aside.
    const mixed = new StuckWatch();
    mixed.failed(7n, 'silent');
    mixed.failed(7n);
    expect(mixed.careful()).toBe(false);
    mixed.failed(7n, 'silent');
    expect(mixed.careful()).toBe(true);
    mixed.failed(7n, 'silent');
    mixed.failed(7n);
    expect(mixed.setAside(7n)).toBeNull();
    mixed.failed(7n, 'silent');
    expect(mixed.setAside(7n)).toBe('silent');
  });

  it('a session that drains the mailbox ends it all; failures at different places never add up', () => {
    const w = new StuckWatch();
    w.failed(10n);
    w.failed(20n);
    expect(w.careful()).toBe(false);
    w.failed(20n);
    w.drained();
    expect(w.careful()).toBe(false);
    w.failed(null);
    expect(w.careful()).toBe(false);
  });
});
