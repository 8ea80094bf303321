import type { Logger } from 'pino';
import { ticketSubject } from '../../domain/thread-refs.js';
import { heldTooLargeDetail } from '../../lifecycle/held-too-large.js';
import { closeIfWindowOver, windowOverAt } from '../../lifecycle/jobs.js';
import { startTicket, type LifecycleDeps } from '../../lifecycle/transitions.js';
import { restartWindowForUnreadAnswer } from '../../lifecycle/window-restart.js';
import type { Tx } from '../../store/database.js';
import { alreadyLoggedRaw, type InboundOutcome } from '../../store/inbound-log-repo.js';
import { HELD_FORGED } from '../../store/access-repo.js';
import { enqueueNotice } from '../../outbound/notices.js';
import { addTicketEvent, createTicket, ensureContact, touchTicket, type StoredTicket } from '../../store/tickets-repo.js';
import type { PeekedHeaders } from '../peek-headers.js';
import { DEFAULT_ACCESS, type AccessSettings } from './access.js';
import { isSupportAddress } from './identify.js';
import { continuesATicket } from './too-large-continues.js';
import { machineWrittenReason, screenTooLarge, type TooLargeScreen } from './too-large-screen.js';
import { ticketTooLargeAnswers } from './too-large-thread.js';
import { closedWhileUnread, undoCloseForTooLarge } from './too-large-close-undone.js';
import { addTooLargeNote, megabytes, tooLargeNotice } from './too-large-note.js';
import { keyForTooLarge, noteReusedMessageId } from './reused-message-id.js';

type Peek = PeekedHeaders;

export interface TooLargeMail {
  peek: Peek;
  dedupKey: string;
  sha256: string;
  size: number;
  limit: number;
  /** The hash of what its sender wrote (written-content.ts): with a Message-ID, what its copies are known by. */
  written: string | null;
  now: Date;
  /** When its SLA clock starts (apply.ts slaStartOf). */
  slaFrom?: Date;
  /** When it reached the mailbox, if before `now` (apply.ts answeredAtOf): a waiting ticket's window is judged then. */
  answeredAt?: Date;
}

/**
 * The outcome of a mail above MAX_MESSAGE_BYTES, and the key it is logged under: a ticket (not for our own mail or
 * one without a From), or the duplicate it is. Another mail under a Message-ID already recorded goes under a key of
 * its own (stages/reused-message-id.ts): it was dropped as a duplicate, its sender never told.
 */
export async function recordTooLarge(
  tx: Tx,
  deps: { lifecycle: LifecycleDeps; ownAddresses: string[]; log: Logger; access?: AccessSettings; secret?: string; supportAddress?: string },
  mail: TooLargeMail,
): Promise<{ outcome: InboundOutcome; ticketNumber: number | null; detail: string; dedupKey: string; contentFingerprint: string | null }> {
  const { peek, sha256, size, limit, now } = mail;
  const key = await keyForTooLarge(tx, mail.dedupKey, { messageId: peek.messageId, rawSha256: sha256, written: mail.written });
  const detail = `${size} bytes > MAX_MESSAGE_BYTES ${limit}; raw mail kept`;
  if (key.kind === 'duplicate' || (await alreadyLoggedRaw(tx, sha256, 'too_large'))) {
    return { outcome: 'duplicate', ticketNumber: key.kind === 'duplicate' ? key.ticketNumber : null, detail, dedupKey: key.dedupKey, contentFingerprint: null };
  }
  const from = peek.from;
  const ownMail = from !== null && isSupportAddress(from, deps.ownAddresses);
  const answeredAt = mail.answeredAt ?? now;
  const closedInTime = (id: number) => closedWhileUnread(tx, deps.lifecycle, id, answeredAt, now);
  const windowOver = async (id: number) => (await windowOverAt(tx, deps.lifecycle, id, now)) !== null;
  // Only a person's answer undoes the timer's close (apply.ts: a machine's reply is never one): an out-of-office of
  // one of the ticket's people, in time, passed the hold as continuing the closed ticket, then opened its own unheld.
  const personal = from !== null && machineWrittenReason({ ...peek, from }) === null;
  const continues = !from || ownMail ? false : await continuesATicket(tx, deps.secret, { ...peek, from }, windowOver, personal ? closedInTime : undefined);
  const screen = !from || ownMail ? null : await screenTooLarge(tx, deps.access ?? DEFAULT_ACCESS, { ...peek, from }, continues);
  let ticketNumber: number | null = null;
  if (from && screen) {
    const input = { peek: { ...peek, from }, dedupKey: key.dedupKey, sha256, size, limit, now, slaFrom: mail.slaFrom, answeredAt: mail.answeredAt, screen };
    // A reply of one of a ticket's people goes on that ticket (too-large-thread.ts); not one held (forged, or new mail).
    const found =
      screen.hold === false && deps.secret && deps.supportAddress
        ? await ticketTooLargeAnswers(tx, { secret: deps.secret, supportAddress: deps.supportAddress }, input.peek, screen.believed ?? false, hersOn(screen) ? closedInTime : undefined)
        : null;
    // Her answer after the window ended, the tick not run yet: the ticket is closed now, as a readable late answer
    // closes it (apply.ts), and the mail opens its own, as one to a closed ticket does (too-large-thread.ts). It went on
    // the ticket, which the next tick closed with "we received nothing", her mail unread on it.
    const answered = found && hersOn(screen) && (await closeIfWindowOver(tx, deps.lifecycle, found.id, now, answeredAt)) ? null : found;
    // And the other way round: the tick closed it while her answer, in time, waited unread (too-large-close-undone.ts).
    const undone = answered?.status === 'closed' ? await undoCloseForTooLarge(tx, deps.lifecycle, answered, { ...input, answeredAt, silent: Boolean(screen.silent) }) : null;
    const open = answered && answered.status !== 'closed' ? answered : null;
    ticketNumber = undone ?? (open ? await noteTooLargeOnTicket(tx, deps.lifecycle, open, input) : await openTooLargeTicket(tx, deps.lifecycle, input));
  }
  const recorded = { outcome: 'too_large' as const, ticketNumber, detail: screen?.silent ? `${detail}; not answered: ${screen.silent}` : detail };
  const noted = key.reused ? await noteReusedMessageId(tx, deps.log, key.reused, recorded, now) : recorded;
  return { ...noted, detail: noted.detail ?? detail, dedupKey: key.dedupKey, contentFingerprint: mail.written };
}

/**
 * A mail too large to parse is never dropped silently: it becomes a ticket (support sees it in the queue,
 * with the raw mail's hash), and the sender is told once how to send it instead.
 */
export async function openTooLargeTicket(
  tx: Tx,
  deps: LifecycleDeps,
  input: { peek: Peek & { from: string }; dedupKey: string; sha256: string; size: number; limit: number; now: Date; slaFrom?: Date; answeredAt?: Date; screen?: TooLargeScreen },
): Promise<number> {
  const contact = await ensureContact(tx, input.peek.from, input.peek.fromName);
  const ticket = await createTicket(tx, {
    subject: ticketSubject(input.peek.subject ?? ''),
    requesterId: contact.id,
    impact: 'medium',
    urgency: 'medium',
    priority: 'normal',
    ccs: [],
    createdAt: input.now,
    held: Boolean(input.screen?.hold),
    openedByMachine: input.screen?.machineWritten ?? null,
  });
  await addTooLargeNote(tx, ticket.id, input);
  const hold = input.screen?.hold ?? false;
  if (hold) {
    // No clock and no mail until the sender is authorised (lifecycle/access-actions.ts releases it), as a held new mail.
    await addTicketEvent(tx, { ticketId: ticket.id, type: 'held_for_authorisation', actor: 'system', detail: hold === 'forged' ? HELD_FORGED : heldTooLargeDetail({ size: input.size, limit: input.limit, sha256: input.sha256, silent: input.screen?.silentAtRelease ?? null }), at: input.now });
    return ticket.number;
  }
  // Not answered when its sender is not believed, it is spam or a machine's (too-large-screen.ts).
  await startTicket(tx, deps, ticket.id, input.now, input.screen?.silent ? null : tooLargeNotice(input), input.slaFrom);
  return ticket.number;
}

/** A believed person's mail (not a machine's): an answer of hers for a ticket waiting for her. */
const hersOn = (screen: TooLargeScreen): boolean => screen.believed === true && !screen.machineWritten;

type TooLargeInput = Parameters<typeof openTooLargeTicket>[2];

/**
 * A too-large reply of one of the ticket's people (too-large-thread.ts): its note on the ticket, whose status and
 * SLA clock stay as they were (nothing in it could be read: the notice asks for it again), and the too_large notice in
 * the ticket's thread, answering that mail, to its sender alone: the one who must send it again smaller. Addressed
 * to the requester with the sender copied, it told her "your mail was too large" of a colleague's mail; its sender
 * is not made a copy of the ticket either (a reply read on the normal path never makes its sender one). A ticket
 * waiting for its customer (pending, or solved in its window) counts it as her answer: its window starts again from
 * it (lifecycle/window-restart.ts), unless a machine wrote it or its From is not believed (no answer of hers).
 */
async function noteTooLargeOnTicket(tx: Tx, deps: LifecycleDeps, ticket: StoredTicket, input: TooLargeInput): Promise<number> {
  await ensureContact(tx, input.peek.from, input.peek.fromName);
  await addTooLargeNote(tx, ticket.id, input);
  const hers = input.screen !== undefined && hersOn(input.screen);
  const why = `a mail of ${megabytes(input.size)} too large to read, its sender asked to send it again smaller`;
  const restarted = hers && (await restartWindowForUnreadAnswer(tx, deps, ticket.id, { from: input.peek.from, now: input.now, answeredAt: input.answeredAt ?? input.now, why }));
  if (!restarted) await touchTicket(tx, ticket.id, input.now);
  if (!input.screen?.silent) await enqueueNotice(tx, deps.notices, { ...tooLargeNotice(input), ticketId: ticket.id, now: input.now, autoSubmitted: 'auto-replied', onlyTo: input.peek.from });
  return ticket.number;
}
