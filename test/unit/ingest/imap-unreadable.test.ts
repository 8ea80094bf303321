import { describe, expect, it } from 'vitest';
import { StuckWatch } from '../../../src/ingest/sources/imap-unreadable.js';

describe('StuckWatch: when to read one message at a time, and when to set one aside', () => {
  it('careful after two failures at one cursor; set aside only after two careful failures at one cursor', () => {
    const w = new StuckWatch();
    w.failed(10n);
    expect(w.careful()).toBe(false);
    w.failed(10n);
    expect(w.careful()).toBe(true);
    expect(w.setAside(10n)).toBe(false); // those two read batches, not the one message
    w.failed(11n); // the careful session recorded UID 11, then failed on the next
    expect(w.setAside(11n)).toBe(false);
    w.failed(11n);
    expect(w.setAside(11n)).toBe(true);
    expect(w.setAside(12n)).toBe(false);
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
