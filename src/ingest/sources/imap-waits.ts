// The IMAP source's two waits (imap.ts): for news after a drain, which the server's EXISTS, a closed connection
// or stop() cut short, and between sessions after a failure, which only stop() ends early.

export class ImapWaits {
  private wakeUp: (() => void) | null = null;
  private endBackoff: (() => void) | null = null;
  private woken = false;

  /** News, a closed connection, stop(): the wait for news ends now, or the drain under way is followed by another. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** A drain starts: it reads what woke the source until now. */
  drainStarts(): void {
    this.woken = false;
  }

  /** Something woke the source since the drain started: drain again rather than wait. */
  get wokenSinceDrain(): boolean {
    return this.woken;
  }

  /** stop(): ends either wait. */
  stop(): void {
    this.endBackoff?.();
    this.wake();
  }

  /** The wait between sessions: only stop() ends it early (a failed client's late 'close' also wakes the loop). */
  backoff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.endBackoff = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.endBackoff = null;
    });
  }

  /** The wait for news: the poll interval, unless wake() comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).then(() => {
      this.wakeUp = null;
    });
  }
}
