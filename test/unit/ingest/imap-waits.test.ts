import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ImapWaits } from '../../../src/ingest/sources/imap-waits.js';

// The IMAP source waits for news after each drain (cut short by EXISTS, a closed connection or stop()) and
// between sessions after a failure (cut short by stop() alone, so a dead server is not hammered).

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Whether the promise has settled, without waiting for any timer. */
async function isDone(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('the wait for news', () => {
  it('lasts the poll interval, unless news comes first', async () => {
    const waits = new ImapWaits();
    const polled = waits.sleep(30_000);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(await isDone(polled)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await isDone(polled)).toBe(true);
    const woken = waits.sleep(30_000);
    waits.wake();
    expect(await isDone(woken)).toBe(true);
  });

  it('news during a drain makes the source drain again instead of waiting', () => {
    const waits = new ImapWaits();
    waits.wake();
    waits.drainStarts();
    expect(waits.wokenSinceDrain).toBe(false);
    waits.wake();
    expect(waits.wokenSinceDrain).toBe(true);
  });
});

describe('the wait between sessions', () => {
  it('news does not cut it short; stop() does', async () => {
    const waits = new ImapWaits();
    const backoff = waits.backoff(8_000);
    waits.wake();
    expect(await isDone(backoff)).toBe(false);
    waits.stop();
    expect(await isDone(backoff)).toBe(true);
    expect(waits.wokenSinceDrain).toBe(true);
  });
});
