import type { ImapFlow } from 'imapflow';
import { CopiedMarks } from './imap-copied-mark.js';
import { uidSet } from './uid-set.js';

/**
 * One of the Acknowledger's commands (imap-acknowledge.ts): a failure marks its session, and the answer to the last
 * one of a pass (`last`) starts its count of hung sessions over.
 */
export type Ask = <T>(what: string, command: () => Promise<T>, last?: boolean) => Promise<T>;

/**
 * Gets a batch of committed, flagged mails into the processed folder: UID MOVE where the server has it, else COPY
 * then a delete of what was surely copied. The Acknowledger keeps what the session learns of it (refusals, waits).
 */
export class ProcessedMove {
  /**
   * `keptAfterDeletion`: told how many mails were copied to the folder and still here after their deletion
   * (copyThenDelete), for the Acknowledger to report, and which of them are marked copied (imap-copied-mark.ts):
   * their deletion alone is asked for again at the next drain's end.
   */
  constructor(
    private readonly client: ImapFlow,
    private readonly processedMailbox: string,
    private readonly ask: Ask,
    private readonly keptAfterDeletion: (count: number, marked: number[]) => void,
  ) {}

  /**
   * False when the server refused the MOVE; a connection lost during it is an error (the session is over).
   * A message someone else deleted meanwhile, which this session was not told of yet, makes Dovecot refuse the
   * whole MOVE (`NO [EXPUNGEISSUED] Some of the requested messages no longer exist`: none moved), and imapflow
   * takes that answer for success: the mails stayed in the mailbox, flagged, until the session ended. A MOVE
   * that moved mail says where to (COPYUID, UIDPLUS); without it, a SEARCH (which also brings the news of the
   * deletion) tells what is still here, and that is moved once more.
   */
  async move(uids: number[]): Promise<boolean> {
    let left = uids;
    for (let tries = 0; tries < 2; tries++) {
      const still = this.client.capabilities.has('MOVE') ? await this.moveOnce(left) : await this.copyThenDelete(left);
      if (still === null) return false;
      left = still;
      if (left.length === 0) return true;
    }
    return false;
  }

  /** One UID MOVE: what of `uids` is still in the mailbox after it ([] when it said where all went); null: refused. */
  private async moveOnce(uids: number[]): Promise<number[] | null> {
    const what = `${uids.length} processed mail(s) were moved to ${this.processedMailbox}`;
    const answer = await this.ask(what, () => this.client.messageMove(uidSet(uids), this.processedMailbox, { uid: true }), true);
    if (!answer) return null;
    return answer.uidMap ? [] : this.stillHere(uids);
  }

  /**
   * A server without MOVE (RFC 6851): COPY, then \Deleted and EXPUNGE of what was surely copied, and only that.
   * imapflow's own fallback deleted the whole range after a COPY refused for a message a person deleted meanwhile
   * (EXPUNGEISSUED, taken for success, nothing copied): the others were expunged, copied nowhere. Surely copied:
   * what COPYUID names; without it, all of them when the SEARCH after the COPY finds every one still here (a
   * message gone before the COPY, the only cause of that refusal, would be missing). Otherwise nothing is deleted
   * and what is still here is copied again (a server that copied part of it then holds two copies of those in the
   * processed folder: two copies, not none). A COPYUID naming part of them is Dovecot's answer when some were
   * deleted and this session knew it: the rest are gone, not copied again. Not checked by a SEARCH of the processed
   * folder by Message-ID before copying again: SEARCH reads only the selected mailbox (selecting that folder and the
   * inbox again mid-session, Dovecot offers no MULTISEARCH), an ever longer header scan, and a Message-ID is not
   * one mail (a mail put back after it was moved, or one without any, would be deleted here copied nowhere): what
   * was copied is marked so on the inbox message instead (imap-copied-mark.ts), and only deleted again later.
   * What is still here after all: null when refused.
   */
  private async copyThenDelete(uids: number[]): Promise<number[] | null> {
    // Copied in an earlier pass and kept by the server when deleted (imap-copied-mark.ts): only deleted again.
    const marks = new CopiedMarks(this.client, this.processedMailbox, this.ask);
    const folder = await marks.folderNow();
    const already = await marks.copiedAlready(uids, folder);
    const skip = new Set(already);
    const toCopy = uids.filter((uid) => !skip.has(uid));
    let sure = already;
    if (toCopy.length > 0) {
      const copied = await this.ask(`${toCopy.length} processed mail(s) were copied to ${this.processedMailbox}`, () => this.client.messageCopy(uidSet(toCopy), this.processedMailbox, { uid: true }));
      if (!copied) return null;
      let newly: number[];
      if (copied.uidMap) newly = toCopy.filter((uid) => copied.uidMap?.has(uid));
      else {
        const still = await this.stillHere(uids);
        if (!still) return null;
        const here = new Set(still);
        if (toCopy.some((uid) => !here.has(uid))) return still;
        newly = toCopy;
      }
      // Marked before the deletion: a server that keeps them is not given another copy by a later sweep.
      await marks.mark(newly, folder === null ? null : (copied.uidValidity ?? folder));
      sure = already.concat(newly);
    }
    if (sure.length > 0 && !(await this.deleteCopied(sure))) return null;
    // Dovecot without the right to delete here (ACL 't', 'e') answers OK to the \Deleted flag and the EXPUNGE and
    // deletes nothing: the mail stays, copied. Told (moved()), and not copied again: marked copied, its deletion
    // alone is asked for again at each drain's end and by a later session's sweep (where the mark is not kept, only
    // by that sweep, which copies it once more). One only marked \Deleted (left for a person's EXPUNGE) was deleted.
    const kept = sure.length > 0 ? await this.ask('the mailbox was searched for mail kept after its deletion', () => this.client.search({ uid: uidSet(sure), deleted: false }, { uid: true })) : [];
    if (!kept) return null;
    this.keptAfterDeletion(kept.length, kept.length > 0 ? await marks.copiedAlready(kept, folder) : []);
    // A Set: a sweep's list may hold tens of thousands.
    const deleted = new Set(sure);
    const rest = uids.filter((uid) => !deleted.has(uid));
    return rest.length === 0 ? [] : this.stillHere(rest);
  }

  /**
   * Deletes the mails surely copied. Without UIDPLUS there is no UID EXPUNGE, and a plain EXPUNGE removes every
   * \Deleted mail of the mailbox: one a person marked deleted in a client that does not expunge (Outlook's way on
   * IMAP), not recorded yet, would be lost. Then ours are only marked \Deleted, left for that person's EXPUNGE,
   * and the sweeps pass over them (acknowledge). A mail marked between the SEARCH and the EXPUNGE is the one risk left.
   */
  private async deleteCopied(sure: number[]): Promise<boolean> {
    const what = `${sure.length} processed mail(s) copied to ${this.processedMailbox} were deleted from the mailbox`;
    if (!this.client.capabilities.has('UIDPLUS')) {
      const ours = new Set(sure);
      const marked = await this.ask('the mailbox was searched for mail marked deleted', () => this.client.search({ deleted: true }, { uid: true }));
      if (!marked) return false;
      if (marked.some((uid) => !ours.has(uid))) {
        return this.ask(what, () => this.client.messageFlagsAdd(uidSet(sure), ['\\Deleted'], { uid: true, silent: true }), true);
      }
    }
    return this.ask(what, () => this.client.messageDelete(uidSet(sure), { uid: true }), true);
  }

  /** Which of `uids` the mailbox still holds; null when the SEARCH was refused. */
  private async stillHere(uids: number[]): Promise<number[] | null> {
    const search = () => this.client.search({ uid: uidSet(uids) }, { uid: true });
    return (await this.ask('the mailbox was searched for mail left unmoved', search)) || null;
  }}
