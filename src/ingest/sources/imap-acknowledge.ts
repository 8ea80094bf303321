import type { ImapFlow } from 'imapflow';
import { ensureMailbox } from './imap-session.js';
import { UNREADABLE_KEYWORD } from './imap-unreadable.js';
import { uidSet } from './uid-set.js';

/** Keyword set on a message once its outcome is committed (RFC 3501 keywords need no declaration). */
export const PROCESSED_KEYWORD = '$VentanillaProcessed';

/**
 * Committed messages are flagged after each batch but moved this many at a time (and at the end of every
 * drain): each MOVE costs Dovecot a rewrite of the mailbox's index, so 5,000 mails moved 100 at a time took it
 * 0.65 s of CPU, 1,000 at a time 0.25 s, on the two cores the backlog needs.
 */
export const MOVE_EVERY = 1000;

/**
 * Marks committed messages on the server: the keyword, then (unless the processed mailbox is empty: flag only)
 * a move there. Only after the commit: a crash in between leaves the message in place, and the next session's
 * sweep (acknowledge without `uids`) finishes the job.
 */
export class Acknowledger {
  /** Committed and flagged in this session, not yet moved. */
  private unmoved: number[] = [];

  /** `onRefused`: told, in words, of a MOVE the server refused (the mail stays flagged in the mailbox meanwhile). */
  constructor(
    private readonly processedMailbox: string,
    private readonly onRefused: (reason: string) => void = () => undefined,
  ) {}

  /** A new session: what an old one left unmoved is found again by the sweep. */
  reset(): void {
    this.unmoved = [];
  }

  /**
   * `uids`: a batch just committed. Without them, the sweep: every message up to the cursor is committed, so it
   * moves all of them still in the mailbox (flagged or not: a crash may come between the flag and the move), or,
   * when nothing is moved, flags those that are not flagged yet.
   */
  async acknowledge(client: ImapFlow, lastUid: bigint, uids?: number[]): Promise<void> {
    if (lastUid <= 0n) return;
    const moving = this.processedMailbox !== '';
    // A message set aside as unreadable (imap-unreadable.ts) stays in the mailbox for a person.
    const query = moving ? { uid: `1:${lastUid}`, unKeyword: UNREADABLE_KEYWORD } : { uid: `1:${lastUid}`, unKeyword: PROCESSED_KEYWORD };
    const committed = uids ?? ((await client.search(query, { uid: true })) || []).filter((u) => BigInt(u) <= lastUid);
    if (committed.length === 0) return;
    // SILENT: the server does not answer with each message's new flags (an untagged FETCH per mail, parsed for nothing).
    await client.messageFlagsAdd(uidSet(committed), [PROCESSED_KEYWORD], { uid: true, silent: true });
    if (!moving) return;
    // concat, not push(...): a sweep's list may be longer than a call's arguments may be.
    this.unmoved = this.unmoved.concat(committed);
    if (!uids || this.unmoved.length >= MOVE_EVERY) await this.moveFlagged(client);
  }

  /** Moves what was flagged and not moved yet (the end of a drain). */
  async moveFlagged(client: ImapFlow): Promise<void> {
    if (this.processedMailbox === '' || this.unmoved.length === 0) return;
    const uids = this.unmoved.splice(0);
    if (await this.move(client, uids)) return;
    this.onRefused(`the server refused to move ${uids.length} processed mail(s) to ${this.processedMailbox} (deleted, full, or not allowed?)`);
    // The folder deleted meanwhile is created again. A refusal that lasts (full, not allowed) must not stop the
    // mailbox: these mails are committed and flagged, so they wait in it for a later drain's move while new mail
    // is read as usual (ending the session here kept new mail from being read, and made it look unreadable).
    await ensureMailbox(client, this.processedMailbox);
    if (!(await this.move(client, uids))) this.unmoved = uids.concat(this.unmoved);
  }

  /** False when the server refused the MOVE; a connection lost during it is an error (the session is over). */
  private async move(client: ImapFlow, uids: number[]): Promise<boolean> {
    // imapflow answers a refused MOVE with false, not an error, and a MOVE cut by a lost connection too.
    if (await client.messageMove(uidSet(uids), this.processedMailbox, { uid: true })) return true;
    if (!client.usable) throw new Error(`the connection closed while ${uids.length} processed mail(s) were moved to ${this.processedMailbox}`);
    return false;
  }
}
