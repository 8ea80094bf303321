import type { ImapFlow } from 'imapflow';
import type { Ask } from './imap-move.js';
import { uidSet } from './uid-set.js';

/**
 * Keyword set on an inbox message once a server without MOVE copied it to the processed folder, before it is
 * deleted (copyThenDelete, imap-move.ts), followed by that folder's UIDVALIDITY. Dovecot without the right to
 * delete from the inbox (ACL 't', 'e') answers OK to the deletion and keeps the mail: the sweep of each later
 * session (a reconnect, a restart) copied it once more, one more copy in the folder per session while the right
 * was missing. A message carrying the keyword of the folder as it is now is not copied again: only its deletion is
 * asked for again. The UIDVALIDITY: a folder deleted meanwhile (a person rid of its duplicates) and made again has
 * a new one, and what was copied into the old one is copied again before it leaves the inbox, not deleted on the
 * word of a copy that is gone. Set on the inbox message only, after the COPY: the copy does not carry it, so a mail
 * a person puts back from the folder is copied again. Only a mail copied once more while its mark could not be read
 * (the STATUS or the SEARCH refused, the inbox's PERMANENTFLAGS without `\*` for a while, two daemons at once) gives
 * the folder a second copy that carries it: that one put back is deleted on the word of the first copy, still there.
 * A crash between the COPY and the keyword leaves one more copy, never a mail deleted uncopied. Not checked: a
 * person deleting one copy from the folder while its message waits in the inbox (finding it would mean selecting
 * the folder mid-session).
 */
const COPIED_KEYWORD_PREFIX = '$VentanillaCopiedTo';

/** The keyword of mail copied into the processed folder of UIDVALIDITY `uidValidity`. */
export const copiedKeyword = (uidValidity: bigint) => `${COPIED_KEYWORD_PREFIX}${uidValidity}`;

export class CopiedMarks {
  constructor(
    private readonly client: ImapFlow,
    private readonly processedMailbox: string,
    private readonly ask: Ask,
  ) {}

  /**
   * The processed folder's UIDVALIDITY now, when its copies can be marked; null otherwise. A server whose
   * PERMANENTFLAGS does not offer new keywords (`\*`) would not keep the mark: there every session's sweep copies
   * a kept mail once more (one more copy per session, none lost). A folder missing or a STATUS refused: null (nothing marked counts,
   * and the COPY that follows is refused all the same).
   */
  async folderNow(): Promise<bigint | null> {
    const flags = this.client.mailbox ? this.client.mailbox.permanentFlags : undefined;
    if (flags && !flags.has('\\*')) return null;
    // imapflow throws for a refused STATUS: false instead, and a connection lost meanwhile is still an error (ask).
    const status = () => this.client.status(this.processedMailbox, { uidValidity: true }).catch(() => false as const);
    const answer = await this.ask(`the UIDVALIDITY of ${this.processedMailbox} was asked for`, status);
    return answer ? (answer.uidValidity ?? null) : null;
  }

  /** Which of `uids` were copied into the folder of `uidValidity` already (their deletion kept them here). */
  async copiedAlready(uids: number[], uidValidity: bigint | null): Promise<number[]> {
    if (uidValidity === null) return [];
    const search = () => this.client.search({ uid: uidSet(uids), keyword: copiedKeyword(uidValidity) }, { uid: true });
    return (await this.ask('the mailbox was searched for mail copied already', search)) || [];
  }

  /** Marks `uids`, just copied into the folder of `uidValidity`. Refused, or not kept: they are copied again next time. */
  async mark(uids: number[], uidValidity: bigint | null | undefined): Promise<void> {
    if (uids.length === 0 || uidValidity === null || uidValidity === undefined) return;
    const store = () => this.client.messageFlagsAdd(uidSet(uids), [copiedKeyword(uidValidity)], { uid: true, silent: true });
    await this.ask(`${uids.length} mail(s) copied to ${this.processedMailbox} were marked so`, store);
  }
}
