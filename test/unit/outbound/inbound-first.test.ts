import { describe, expect, it } from 'vitest';
import { InboundFirst } from '../../../src/outbound/inbound-first.js';

function clocked(maxHoldMs: number) {
  let now = 1_000_000;
  return { hold: new InboundFirst(maxHoldMs, () => now), advance: (ms: number) => (now += ms) };
}

describe('inbound first: the outbox waits while a backlog is recorded', () => {
  it('does not hold without a backlog (a pushed mail is acknowledged at once)', () => {
    const { hold } = clocked(60_000);
    expect(hold.holding()).toBe(false);
    expect(hold.caughtUp()).toBe(false);
  });

  it('holds from the backlog until the mailbox is caught up, and says a backlog ended', () => {
    const { hold, advance } = clocked(60_000);
    expect(hold.backlogStarted()).toBe(true);
    advance(5_000);
    expect(hold.backlogStarted()).toBe(false); // the same backlog, drained again
    expect(hold.holding()).toBe(true);
    expect(hold.caughtUp()).toBe(true);
    expect(hold.holding()).toBe(false);
    expect(hold.caughtUp()).toBe(false);
  });

  it('never holds longer than the limit, however long the backlog flows', () => {
    const { hold, advance } = clocked(60_000);
    hold.backlogStarted();
    advance(59_999);
    expect(hold.holding()).toBe(true);
    advance(1);
    expect(hold.holding()).toBe(false);
    // The next drains of the same backlog do not start the wait again.
    hold.backlogStarted();
    expect(hold.holding()).toBe(false);
    // Once caught up, a new backlog holds again.
    hold.caughtUp();
    hold.backlogStarted();
    expect(hold.holding()).toBe(true);
  });
});
