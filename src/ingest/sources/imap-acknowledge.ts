import type { ImapFlow } from 'imapflow';
import type { ProcessedFolderReports } from './imap-processed-folder.js';
import { takeRefusal } from './imap-refusals.js';
import { ProcessedMove } from './imap-move.js';
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

/** Sessions in a row that ended with one of our flags or moves unanswered (no FETCH of new mail out) before they wait. */
const HUNG_TO_PUT_OFF = 2;
/** How long they wait the first time; each wait that ends in another such session is twice as long, to the cap. */
const FIRST_WAIT_MS = 15 * 60_000;
const MAX_WAIT_MS = 4 * 60 * 60_000;
/**
 * How often a processed folder the server would not create is asked for again: a refused CREATE mostly lasts until
 * a person changes something (the setting, a limit, a right), and each poll's MOVE, LIST and CREATE said it again.
 */
const FOLDER_RETRY_MS = 15 * 60_000;
const NO_REPORTS: ProcessedFolderReports = { moveRefused: () => undefined, moveTaken: () => undefined, folderMissing: () => undefined, folderMade: () => undefined, folderMadeAgain: () => undefined };

/**
 * Marks committed messages on the server: the keyword, then (unless the processed mailbox is empty: flag only)
 * a move there. Only after the commit: a crash in between leaves the message in place, and the next session's
 * sweep (acknowledge without `uids`) finishes the job.
 */
export class Acknowledger {
  /** Committed and flagged in this session, not yet moved. */
  private unmoved: number[] = [];
  /** One of our commands failed in this session (the connection lost or given up while it was out). */
  private failedThisSession = false;
  /**
   * A server that never answers a flag or MOVE of recorded mail ended each session in the sweep that opens it,
   * before any new mail was read. The cursor, not the keyword or the folder, keeps a mail from being processed
   * twice: so after HUNG_TO_PUT_OFF such sessions they wait, new mail is read meanwhile, and a sweep tries again.
   */
  private hungSessions = 0;
  private waitMs = 0;
  private putOffUntil = 0;
  /** Mail recorded while put off: neither flagged nor moved until a sweep. */
  private owed = false;
  /**
   * The processed folder the server would not create, and when to ask again: until then recorded mail is only
   * flagged (no MOVE, LIST, CREATE at each batch and each poll). Kept across sessions: a new one asks at its start.
   */
  private folderMissing: { retryAt: number } | null = null;
  /**
   * The processed folder is there but refuses our mail (no right to add to it, over quota, read-only): told once
   * until a move goes through again, not at each drain. Kept across sessions, as folderMissing.
   */
  private refusing = false;
  /** Copied to the processed folder and still here after their deletion, in this move (copyThenDelete, imap-move.ts). */
  private kept = 0;
  /** Of those, the ones marked copied: their deletion alone is asked for again at the next drain's end. */
  private keptMarked: number[] = [];

  /**
   * `reports`: a MOVE refused by the folder there, and taken again; the folder missing, made at last (each once a
   * spell); the mail stays flagged meanwhile.
   */
  constructor(
    private readonly processedMailbox: string,
    private readonly reports: Partial<ProcessedFolderReports> = NO_REPORTS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A session's start asked for the processed folder (openSession): `refused`, the server's refusal in words, or null. */
  processedFolder(refused: string | null): void {
    if (refused !== null) this.folderRefused(refused);
    else if (this.folderMissing) this.folderMade();
  }

  private folderRefused(reason: string): void {
    if (!this.folderMissing) this.reports.folderMissing?.(reason);
    this.folderMissing = { retryAt: this.now() + FOLDER_RETRY_MS };
  }

  private folderMade(): void {
    this.folderMissing = null;
    this.reports.folderMade?.();
  }

  /** A new session: what an old one left unmoved is found again by the sweep. */
  reset(): void {
    this.unmoved = [];
    this.failedThisSession = false;
  }

  /**
   * The session ended in failure; `noFetchOut`: no FETCH of new mail was out then (those failures count toward
   * setting a message aside instead: imap-unreadable.ts). Returns how long flags and moves are now put off, when
   * this session's failure was one of theirs and made them wait; null otherwise.
   */
  sessionFailed(noFetchOut: boolean): number | null {
    if (!noFetchOut || !this.failedThisSession) return null;
    // Once put off, the first sweep that hangs again puts them off at once, for twice as long.
    if (++this.hungSessions < HUNG_TO_PUT_OFF && this.waitMs === 0) return null;
    this.waitMs = Math.min(this.waitMs === 0 ? FIRST_WAIT_MS : this.waitMs * 2, MAX_WAIT_MS);
    this.putOffUntil = this.now() + this.waitMs;
    this.owed = true;
    return this.waitMs;
  }

  /** Mail was left unflagged while they waited, and the wait is over: the next drain sweeps. */
  sweepOwed(): boolean {
    return this.owed && !this.puttingOff();
  }

  private puttingOff(): boolean {
    return this.now() < this.putOffUntil;
  }

  /**
   * One of our commands: a failure marks the session. The answer to the last one of a pass (the MOVE; the flag
   * when mail is only flagged) means the server answers them again: the count and the wait start over.
   */
  private async ask<T>(client: ImapFlow, what: string, command: () => Promise<T>, last = false): Promise<T> {
    let answer: T;
    try {
      answer = await command();
      // imapflow answers false, not an error, for a command cut by a lost connection as for one refused.
      if (answer === false && !client.usable) throw new Error(`the connection closed while ${what}`);
    } catch (error) {
      this.failedThisSession = true;
      throw error;
    }
    if (last) this.hungSessions = this.waitMs = 0;
    return answer;
  }

  /**
   * `uids`: a batch just committed. Without them, the sweep: every message up to the cursor is committed, so it
   * moves all of them still in the mailbox (flagged or not: a crash may come between the flag and the move), or,
   * when nothing is moved, flags those that are not flagged yet.
   */
  async acknowledge(client: ImapFlow, lastUid: bigint, uids?: number[]): Promise<void> {
    if (lastUid <= 0n) return;
    if (this.puttingOff()) return;
    if (!uids) this.owed = false;
    const moving = this.processedMailbox !== '';
    // A message set aside as unreadable (imap-unreadable.ts) stays in the mailbox for a person; one marked deleted
    // was copied and waits for an EXPUNGE (copyThenDelete), or a person deleted it: neither is moved again.
    const query = moving ? { uid: `1:${lastUid}`, unKeyword: UNREADABLE_KEYWORD, deleted: false } : { uid: `1:${lastUid}`, unKeyword: PROCESSED_KEYWORD };
    const committed = uids ?? ((await this.ask(client, 'the mailbox was searched for recorded mail', () => client.search(query, { uid: true }))) || []).filter((u) => BigInt(u) <= lastUid);
    if (committed.length === 0) return;
    // SILENT: the server does not answer with each message's new flags (an untagged FETCH per mail, parsed for nothing).
    // The flag is the pass's last command when no MOVE follows it (flag only, or the folder missing meanwhile): its
    // answer starts the count of hung sessions over, as a MOVE's does.
    const flagIsLast = !moving || this.folderMissing !== null;
    await this.ask(client, `${committed.length} processed mail(s) were flagged`, () => client.messageFlagsAdd(uidSet(committed), [PROCESSED_KEYWORD], { uid: true, silent: true }), flagIsLast);
    if (!moving) return;
    // concat, not push(...): a sweep's list may be longer than a call's arguments may be. A sweep finds again
    // what this session left unmoved (a folder refusing it, while another daemon moved the cursor): not added twice.
    this.unmoved = uids ? this.unmoved.concat(committed) : joined(this.unmoved, committed);
    // While the folder refuses, the mails left unmoved stay past MOVE_EVERY: tried at each drain's end, not each batch.
    if (!uids || (this.unmoved.length >= MOVE_EVERY && !this.refusing)) await this.moveFlagged(client);
  }

  /** Moves what was flagged and not moved yet (the end of a drain). */
  async moveFlagged(client: ImapFlow): Promise<void> {
    if (this.processedMailbox === '' || this.unmoved.length === 0 || this.puttingOff()) return;
    if (this.folderMissing) {
      if (this.now() < this.folderMissing.retryAt) return;
      const refused = await ensureMailbox(client, this.processedMailbox);
      if (refused !== null) return this.folderRefused(refused);
      this.folderMade();
    }
    const uids = this.unmoved.splice(0);
    this.kept = 0;
    this.keptMarked = [];
    const keep = (count: number, marked: number[]) => {
      this.kept += count;
      this.keptMarked = this.keptMarked.concat(marked);
    };
    const mover = new ProcessedMove(client, this.processedMailbox, (what, command, last) => this.ask(client, what, command, last), keep);
    if (await mover.move(uids)) return this.moved();
    // The folder deleted meanwhile is created again (and the log says so), and the move tried once more: only a
    // refusal after that needs a person. One that lasts (full, not allowed, a folder the server will not create) must not stop the mailbox:
    // these mails are committed and flagged, so they wait in it for a later drain's move while new mail is read as
    // usual (ending the session here kept new mail from being read, and made it look unreadable).
    const notCreated = await ensureMailbox(client, this.processedMailbox, () => this.reports.folderMadeAgain?.());
    // The words of the refusal told are those of the last try, not of an older command.
    takeRefusal(client);
    if (notCreated === null && (await mover.move(uids))) return this.moved();
    this.unmoved = uids.concat(this.unmoved);
    if (notCreated !== null) this.folderRefused(notCreated);
    else {
      const words = takeRefusal(client);
      const why = words ? `: ${words}` : ' (no right to add mail to it, or to delete it from the mailbox; over quota, or read-only?)';
      this.moveRefused(`the server refused to move ${uids.length} processed mail(s) to ${this.processedMailbox}, which exists${why}`);
    }
  }

  /** The move went through; mail the server kept here after copying it (copyThenDelete) is refused all the same. */
  private moved(): void {
    this.unmoved = joined(this.unmoved, this.keptMarked);
    if (this.kept === 0) return this.moveTaken();
    this.moveRefused(`the server kept ${this.kept} processed mail(s) in the mailbox after they were copied to ${this.processedMailbox} and deleted (no right to delete there?)`);
  }

  /**
   * The folder there refused the move, in the server's words when known (imap-refusals.ts): told once a spell
   * (each drain's warning never reached a person).
   */
  private moveRefused(reason: string): void {
    if (!this.refusing) this.reports.moveRefused?.(reason);
    this.refusing = true;
  }

  /** A move went through: a refusal after it is a new spell, told again. */
  private moveTaken(): void {
    if (this.refusing) this.reports.moveTaken?.();
    this.refusing = false;
  }
}

/** `list` and what of `more` it does not hold yet (a Set: a sweep's list may hold tens of thousands). */
function joined(list: number[], more: number[]): number[] {
  const held = new Set(list);
  return list.concat(more.filter((uid) => !held.has(uid)));
}
