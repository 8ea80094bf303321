import type { Logger } from 'pino';
import { effectOfReply } from '../../domain/ticket-status.js';
import { ticketSubject } from '../../domain/thread-refs.js';
import { windowStart } from '../../lifecycle/jobs.js';
import { applyChange, type LifecycleDeps } from '../../lifecycle/transitions.js';
import type { Tx } from '../../store/database.js';
import { loadTicketState, statusEventsSinceTooLargeNote } from '../../store/lifecycle-repo.js';
import { onlyThanks, replyNotice } from './apply.js';
import { tooLargeLoggedUnder, type InboundOutcome, type TooLargeLogged } from '../../store/inbound-log-repo.js';
import { noteCcsWithheld } from './mail-copies.js';
import { addCcs, addTicketEvent, ensureContact, fillInboundMessage, messageByDedupKey, setTicketSubject, ticketByNumber, touchTicket, type MessageContent } from '../../store/tickets-repo.js';

// A mail above MAX_MESSAGE_BYTES opens a ticket whose one message is a note: the mail was not parsed, its raw copy is
// kept (too-large.ts). The administrator who raises the limit has it read: the kept copy written out (`raw-mail`) and
// ingested, another copy of it (delivered to another of our addresses, a Maildir's), the mail moved back to the
// inbox. It was a 'duplicate' of the note (its content lost), or, another copy, a mail of its own under its
// Message-ID: a second ticket, a second mail to the customer. Its content now goes on the note's message, once.
// It is that mail by its key (its Message-ID; without one, the hash of what its sender wrote) and by the evidence
// its log row keeps: the same raw bytes, or the same hash of what its sender wrote, From included.

type KeyDuplicate = { kind: 'duplicate'; dedupKey: string; ticketNumber: number };

/** The mail is the too-large mail `logged`, whose ticket's message (`messageRowId`) still holds the note. */
export type TooLargeToRead = { kind: 'too_large_read'; dedupKey: string; ticketNumber: number; messageRowId: number; logged: TooLargeLogged };

/**
 * What a parsed mail is known by: `written` hashes what its sender wrote (written-content.ts); `writtenOfKept` the
 * same of a raw mail kept here (null when it is not). Both are asked only when needed.
 */
export interface ReadCandidate {
  messageId: string | null;
  rawSha256: string | null;
  written?: () => Promise<string>;
  writtenOfKept?: (rawSha256: string) => Promise<string | null>;
}

/**
 * The too-large mail under this key (or under one derived from it) that this parsed mail is: to be read, or, read
 * already, the duplicate it is; null when it is none of them. Asked only for a key recorded already: a new mail
 * costs nothing.
 */
export async function tooLargeToRead(tx: Tx, dedupKey: string, mail: ReadCandidate): Promise<TooLargeToRead | KeyDuplicate | null> {
  for (const logged of await tooLargeLoggedUnder(tx, dedupKey)) {
    if (!(await isThatMail(logged, mail))) continue;
    if (logged.read) return { kind: 'duplicate', dedupKey: logged.dedupKey, ticketNumber: logged.ticketNumber };
    const note = await messageByDedupKey(tx, logged.dedupKey);
    // The note's message is the one too-large.ts wrote with this raw copy: nothing else took its key.
    if (note && note.rawSha256 === logged.rawSha256) return { kind: 'too_large_read', dedupKey: logged.dedupKey, ticketNumber: note.ticketNumber, messageRowId: note.id, logged };
  }
  return null;
}

async function isThatMail(logged: TooLargeLogged, mail: ReadCandidate): Promise<boolean> {
  if (logged.rawSha256 === mail.rawSha256) return true;
  // Without Message-ID the key is the hash of what its sender wrote: the same key, the same mail.
  if (!mail.messageId) return true;
  if (!mail.written) return false;
  // A row logged before it kept the hash: the hash of its kept raw copy, read once for the copy that may be it.
  const loggedWritten = logged.written ?? (await mail.writtenOfKept?.(logged.rawSha256)) ?? null;
  return loggedWritten !== null && loggedWritten === (await mail.written());
}

/**
 * The mail's content on the message of the ticket it opened (or answered): its text, HTML, attachments, addresses and
 * Date. The ticket keeps its status, clocks and history, and nobody is mailed (its sender was told when it came),
 * unless it was her answer to a ticket waiting for her (answerReadAtLast); the people it was copied to take part, as
 * in a ticket it had opened (none when it named the desk in neither To nor Cc: stages/mail-copies.ts), and the
 * subject is read as the parser reads it (the note's was the raw header). An event says so.
 */
export async function readTooLarge(
  tx: Tx,
  deps: { log: Logger; maxMessageBytes: number; lifecycle: LifecycleDeps },
  // `silent`: machine-written, or a person's that asks for no automatic answer (record-mail.ts noAutomaticAnswer).
  input: { read: TooLargeToRead; message: MessageContent; ccs: string[]; ccsWithheld: string[]; now: Date; silent?: boolean },
): Promise<{ outcome: InboundOutcome; ticketNumber: number; detail: string; dedupKey: string }> {
  const { read, message, now } = input;
  const ticket = await ticketByNumber(tx, read.ticketNumber);
  if (!ticket) throw new Error(`ticket #${read.ticketNumber} of the message ${read.messageRowId} is gone`);
  await fillInboundMessage(tx, read.messageRowId, message, now);
  if (message.fromAddress === read.logged.fromAddress) await ensureContact(tx, message.fromAddress, message.fromName);
  await addCcs(tx, ticket.id, input.ccs.filter((cc) => cc !== ticket.requester));
  await noteCcsWithheld(tx, ticket.id, input.ccsWithheld, now);
  if (ticket.subject === ticketSubject(read.logged.subject ?? '')) await setTicketSubject(tx, ticket.id, ticketSubject(message.subject));
  const attachments = message.attachments.length === 1 ? '1 attachment' : `${message.attachments.length} attachments`;
  const detail = `the mail kept raw as ${read.logged.rawSha256} was read (MAX_MESSAGE_BYTES ${deps.maxMessageBytes}): its text and ${attachments} are on its message`;
  await addTicketEvent(tx, { ticketId: ticket.id, type: 'too_large_read', actor: 'system', detail, at: now });
  const answered = await answerReadAtLast(tx, deps.lifecycle, ticket.id, { read, message, now, silent: input.silent === true });
  if (!answered) await touchTicket(tx, ticket.id, now);
  deps.log.info({ ticket: ticket.number, sha256: read.logged.rawSha256, copy: message.rawSha256 }, 'a mail once too large was read: its content is on its ticket');
  return { outcome: 'too_large_read', ticketNumber: ticket.number, detail, dedupKey: read.dedupKey };
}

/**
 * Her too-large answer to a ticket waiting for her restarted its window (lifecycle/window-restart.ts): it counted as
 * her answer to keep the timer from closing the ticket, not as one support could work on. Read, it is that answer,
 * and does what her readable answer does (DOMAIN.md rules 2 and 4): pending -> open (`customer_answered`), solved ->
 * reopened with its receipt (a reply that only thanks keeps it solved). Before, the ticket stayed pending with her
 * information on it, and the timer closed it "we received nothing" on the restarted date. Nothing when the ticket
 * moved on since (her readable answer, an agent's new question or solution, a close). True when it moved the ticket.
 */
async function answerReadAtLast(tx: Tx, deps: LifecycleDeps, ticketId: number, input: { read: TooLargeToRead; message: MessageContent; now: Date; silent: boolean }): Promise<boolean> {
  const { read, message, now, silent } = input;
  const after = await statusEventsSinceTooLargeNote(tx, ticketId, read.logged.rawSha256);
  if (!after) return false;
  const restarts = after.events.filter((e) => e.type === 'window_restarted').map((e) => e.at.getTime());
  // It restarted the window, the status has not changed since (her readable answer, a close), and the window is the
  // one it or a later too-large mail began (not an agent's new question or solution; an internal note is no move).
  if (restarts[0] !== after.notedAt.getTime() || after.events.some((e) => e.fromStatus !== e.toStatus)) return false;
  const state = await loadTicketState(tx, { id: ticketId });
  const since = state && windowStart(state);
  if (!state || !since || !restarts.includes(since.getTime())) return false;
  if (state.status === 'solved' && onlyThanks({ silent, visibleText: message.visibleText, message, sender: message.fromAddress })) return false;
  const effect = effectOfReply(state.status);
  if (effect.kind !== 'comment' || !effect.newStatus) return false;
  const detail = `the mail kept raw as ${read.logged.rawSha256}, too large when it came (window_restarted), read: her answer`;
  await applyChange(tx, deps, state, { to: effect.newStatus, now, actor: message.fromAddress, event: effect.event, detail, notice: silent ? undefined : replyNotice(effect.event, null, read.dedupKey) });
  return true;
}
