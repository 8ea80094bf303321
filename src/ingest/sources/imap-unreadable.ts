import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { advanceCursor } from '../../store/cursor-repo.js';
import { inTransaction, type Db } from '../../store/database.js';
import { logInbound } from '../../store/inbound-log-repo.js';
import { listPending } from './imap-pending.js';
import { enqueueOperatorAlert, type AlertDeps } from '../../outbound/operator-alerts.js';
import { setAsideAlert } from '../quarantined-alert.js';

// A message the server cannot return at all (Dovecot closes the connection on its FETCH: a mail file it may not
// read, a corrupt one) fails every session at the same place, and would stop the mailbox there for good. So:
// after two sessions failed with the cursor at the same place, the sessions read one message at a time, none
// ahead, until one drains the mailbox; when two of those failed with the cursor at one place, the first message
// above it is the one, and it is set aside: logged, skipped by the cursor, flagged, and left in the mailbox for a
// person. Never a message that was read: only one whose own FETCH failed, alone, twice.
//
// A server that hangs on a message (its FETCH never answered: IMAP_TIMEOUT_SECONDS) stops the mailbox as surely.
// A connection can also go silent on the way (a NAT, a firewall), so a silent session weighs less: three in a
// row at one place make the sessions careful, and three careful ones (of either kind) set the message aside.

/** Keyword of a message set aside: the sweep that moves processed mail leaves it where it is. */
export const UNREADABLE_KEYWORD = '$VentanillaUnreadable';

/** How a session failed: the server closed the connection, or left a command unanswered. */
export type SessionFailure = 'closed' | 'silent';

const CLOSED_TO_ACT = 2;
const ANY_TO_ACT = 3;

/** Counts the sessions that failed with the cursor at one place; any session that drains the mailbox resets it. */
export class StuckWatch {
  private at: bigint | null = null;
  private closed = 0;
  private silent = 0;
  /** Of those, the failures of sessions that read one message at a time. */
  private carefulClosed = 0;
  private carefulSilent = 0;
  private carefulNow = false;

  failed(cursor: bigint | null, how: SessionFailure = 'closed'): void {
    if (cursor === null) return;
    if (cursor !== this.at) {
      this.at = cursor;
      this.closed = this.silent = this.carefulClosed = this.carefulSilent = 0;
    }
    if (how === 'closed') this.closed++;
    else this.silent++;
    if (this.carefulNow) {
      if (how === 'closed') this.carefulClosed++;
      else this.carefulSilent++;
    }
    if (this.closed >= CLOSED_TO_ACT || this.closed + this.silent >= ANY_TO_ACT) this.carefulNow = true;
  }

  drained(): void {
    this.at = null;
    this.closed = this.silent = this.carefulClosed = this.carefulSilent = 0;
    this.carefulNow = false;
  }

  /** Read one message at a time, none ahead. */
  careful(): boolean {
    return this.carefulNow;
  }

  /** Whether to set the first message above this cursor aside, and why; null: not (yet). */
  setAside(cursor: bigint): SessionFailure | null {
    if (this.at !== cursor) return null;
    if (this.carefulClosed >= CLOSED_TO_ACT) return 'closed';
    return this.carefulClosed + this.carefulSilent >= ANY_TO_ACT ? 'silent' : null;
  }
}

export interface SetAsideTarget {
  db: Db;
  /** ALERT_ADDRESS and what an alert needs (outbound/operator-alerts.ts); absent: the log alone. */
  alerts?: AlertDeps;
  account: string;
  mailbox: string;
  uidValidity: bigint;
}

/**
 * Records `uid` as set aside (inbound outcome `quarantined`, without a raw copy: there is none) and moves the
 * cursor past it in one transaction, then flags it on the server. A crash between the two leaves it unflagged:
 * the sweep then moves it to the processed folder, where it still is, and the log row says what happened.
 */
export async function setAsideUnreadable(client: ImapFlow, target: SetAsideTarget, uid: number, why: SessionFailure, now: Date): Promise<void> {
  const sourceRef = `${target.mailbox};UIDVALIDITY=${target.uidValidity};UID=${uid}`;
  const how = why === 'closed' ? 'the connection closed on each FETCH of it, alone' : 'the server left the FETCH of it, alone, unanswered (IMAP_TIMEOUT_SECONDS) session after session';
  const detail = `the IMAP server could not return this message: ${how}; left in ${target.mailbox} with the keyword ${UNREADABLE_KEYWORD}`;
  await inTransaction(target.db, async (tx) => {
    await logInbound(tx, {
      source: 'imap', sourceRef, dedupKey: null, messageId: null, fromAddress: null, subject: null, size: 0, rawSha256: '',
      outcome: 'quarantined', ticketNumber: null, detail, at: now,
    });
    await advanceCursor(tx, target.account, target.mailbox, target.uidValidity, BigInt(uid));
    await enqueueOperatorAlert(tx, target.alerts, setAsideAlert({ mailbox: target.mailbox, uid, how, keyword: UNREADABLE_KEYWORD }, now));
  });
  await client.messageFlagsAdd(String(uid), [UNREADABLE_KEYWORD], { uid: true, silent: true });
}

/** The message the careful sessions failed on, set aside (above); the cursor past it. */
export async function setAsideFirstAbove(client: ImapFlow, target: SetAsideTarget, lastUid: bigint, why: SessionFailure, log: Pick<Logger, 'error'>): Promise<bigint> {
  const [first] = await listPending(client, lastUid);
  if (!first) return lastUid;
  const how = why === 'closed' ? 'the connection closed on each FETCH of it' : 'each FETCH of it went unanswered';
  log.error({ uid: first.uid, mailbox: target.mailbox, why: how }, `a message the IMAP server cannot return was set aside: left in the mailbox with the keyword ${UNREADABLE_KEYWORD}`);
  await setAsideUnreadable(client, target, first.uid, why, new Date());
  return BigInt(first.uid);
}
