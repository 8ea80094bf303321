/**
 * While a backlog of inbound mail is being recorded (a burst: a mass outage, a legislation deadline), the outbox
 * waits: the two cores go to turning the mails into tickets, and the acknowledgements those tickets queued go out
 * once the mailbox is caught up. They are committed in the outbox with their tickets all along, so nothing is
 * lost by waiting, and a restart sends them. A single pushed mail is no backlog: its acknowledgement goes out at
 * once. So that a mailbox that never catches up cannot starve the outbox, the wait ends after `maxHoldMs`.
 */
export class InboundFirst {
  private since: number | null = null;

  constructor(
    private readonly maxHoldMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The mailbox source found more than one batch to record. True when this starts a hold (not during one). */
  backlogStarted(): boolean {
    if (this.since !== null) return false;
    this.since = this.clock();
    return true;
  }

  /** The mailbox source has recorded everything it found. True when a backlog had been flowing until now. */
  caughtUp(): boolean {
    const wasBacklog = this.since !== null;
    this.since = null;
    return wasBacklog;
  }

  /** True while the outbox should not start sending: a backlog flows, and has not held it for maxHoldMs yet. */
  holding(): boolean {
    return this.since !== null && this.clock() - this.since < this.maxHoldMs;
  }
}
