import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Tx } from '../../store/database.js';
import { loggedFingerprint, loggedUnder, loggedUnderDerivedKeys, loggedWithOutcomeUnder, type InboundOutcome } from '../../store/inbound-log-repo.js';
import { addTicketEvent, messageByDedupKey, storedMailContent, ticketByNumber } from '../../store/tickets-repo.js';
import { tooLargeToRead, type ReadCandidate, type TooLargeToRead } from './too-large-read.js';

// A Message-ID names one mail (RFC 5322 3.6.4), but some senders give one to several: a web form's mailer that
// always writes <contact@site>, a script, a client that sends an edited mail again under the first one's ID.
// Taken at its word, the second mail was a "duplicate" and lost. So a mail whose key is stored already is a
// duplicate only when it is the same mail, judged by what its sender wrote and every copy of it carries alike:
// its Date, its Subject, its words and its attachments, as parsed (decoded: an MTA that re-encodes a copy to
// quoted-printable changes its bytes, not its words). Not its From: a mailing list rewrites it (DMARC) on the
// copy it passes on. Another mail is recorded under a key of its own, `mid:<id>#<its content's hash>`, so a copy
// of it is a duplicate in turn. A copy that a gateway changed on the way (a list's subject tag or footer, an
// "[EXTERNAL]" banner) is taken for another mail: a second ticket an agent closes, rather than a mail lost.
// A first mail that left no message, only its inbound log row (refused by UNKNOWN_SENDER_POLICY, an administrator's
// command, a survey's answer or an NPS mail's thanks, a command to the bulletin address), is compared by the fingerprint logged with it: the
// form's next customer, the command edited and sent again, the answer changed, is then handled on its own rather
// than answered "duplicate". A mail too large to parse is judged by what its sender wrote (keyForTooLarge); parsed
// later, once the limit allows, it is read into the ticket it opened (too-large-read.ts).

/** What a mail's sameness is judged by: the Message row's columns (store/tickets-repo.ts storedMailContent). */
export interface MailContent {
  sentAt: Date | null;
  subject: string;
  text: string;
  html: string | null;
  attachments: ReadonlyArray<{ sha256: string }>;
}

/** Hex characters of the content hash in a derived key: 64 bits, against the few mails that share one ID. */
const DERIVED_KEY_HASH_CHARS = 16;

/**
 * A hash of the mail's content: the Date's instant, the Subject with its white space made one, the attachments'
 * hashes in any order, and the text (the HTML when it has none) with line ends made one and the white space at
 * line ends and around it dropped (an MTA pipes LF, IMAP serves CRLF; a mailbox may add an empty line).
 */
export function contentFingerprint(mail: MailContent): string {
  const body = mail.text.trim() ? mail.text : (mail.html ?? '');
  return createHash('sha256')
    .update(`${mail.sentAt?.getTime() ?? ''}\n${mail.subject.replace(/\s+/g, ' ').trim()}\n${mail.attachments.map((a) => a.sha256).sort().join(' ')}\n`)
    .update(body.replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, '').trim())
    .digest('hex');
}

export type KeyDecision =
  | { kind: 'duplicate'; dedupKey: string; ticketNumber: number | null }
  /** `reused`: the mail's Message-ID was another mail's (`had`: its ticket, or what it was); it goes under a derived key. */
  | { kind: 'record'; dedupKey: string; reused: Reused | null };

type Reused = { messageId: string; ticketNumber: number | null; had: string };
type Candidate = MailContent & ReadCandidate;

/**
 * The key to record a mail under, the duplicate it is, or the mail too large to parse it is, read now
 * (too-large-read.ts). A new Message-ID costs the one query it always did, and one look in the inbound log (indexed
 * by key); the content is compared only when the key is stored (a copy of that mail, or another under its ID), and
 * not even then when the stored mail has the same raw bytes (a mailbox scanned again).
 */
export async function keyToRecordUnder(tx: Tx, dedupKey: string, mail: Candidate): Promise<KeyDecision | TooLargeToRead> {
  const seen = await messageByDedupKey(tx, dedupKey);
  if (!seen) return mail.messageId ? afterLogRowOnly(tx, dedupKey, { ...mail, messageId: mail.messageId }) : afterLogRowOfContentKey(tx, dedupKey);
  const tooLarge = await tooLargeToRead(tx, dedupKey, mail);
  if (tooLarge) return tooLarge;
  // A key of the content itself (a mail without Message-ID, identify.ts) names one mail already.
  const sameBytes = seen.rawSha256 !== null && seen.rawSha256 === mail.rawSha256;
  if (!mail.messageId || sameBytes) return { kind: 'duplicate', dedupKey, ticketNumber: seen.ticketNumber };
  const fingerprint = contentFingerprint(mail);
  const stored = await storedMailContent(tx, seen.id);
  if (stored && contentFingerprint(stored) === fingerprint) return { kind: 'duplicate', dedupKey, ticketNumber: seen.ticketNumber };
  if (await sameWritten(seen.rawSha256, mail)) return { kind: 'duplicate', dedupKey, ticketNumber: seen.ticketNumber };
  return underDerivedKey(tx, dedupKey, fingerprint, { messageId: mail.messageId, ticketNumber: seen.ticketNumber, had: `#${seen.ticketNumber}` }, mail);
}

/**
 * The stored mail's kept raw copy and this one are what one sender wrote (written-content.ts: its fields and body,
 * line ends made one, servers' trace fields left out). The fingerprint compares attachments by their bytes, and an
 * attachment the sender's client did not encode (a forwarded mail, message/rfc822; a 7bit CSV or .txt) carries the
 * copy's line ends: the MTA's LF copy and the mailbox's CRLF copy of one mail were taken for two mails, two tickets.
 * Asked only when the fingerprints differ (a reused Message-ID, or such a copy): a new mail costs nothing.
 */
async function sameWritten(storedRaw: string | null, mail: Candidate): Promise<boolean> {
  if (!storedRaw || !mail.written || !mail.writtenOfKept) return false;
  const stored = await mail.writtenOfKept(storedRaw);
  return stored !== null && stored === (await mail.written());
}

/**
 * No message under the key: a new Message-ID, or a first mail whose log row is all it left (refused, a command:
 * stages/access.ts and suppression.ts know a second delivery of it by that row). The fingerprint logged with it
 * (fingerprintToLog) tells a copy of it from another mail; a row logged before fingerprints were has none, and the
 * stages' check of the log takes a mail under its key for a duplicate, as it did.
 */
async function afterLogRowOnly(tx: Tx, dedupKey: string, mail: Candidate & { messageId: string }): Promise<KeyDecision | TooLargeToRead> {
  const logged = await loggedFingerprint(tx, dedupKey);
  if (!logged) return { kind: 'record', dedupKey, reused: null };
  const fingerprint = contentFingerprint(mail);
  if (logged.fingerprint === fingerprint || (await sameWritten(logged.rawSha256, mail))) return { kind: 'duplicate', dedupKey, ticketNumber: logged.ticketNumber };
  // A mail too large to parse after that row went under a key of its own (keyForTooLarge): read now, it is that one.
  const tooLarge = await tooLargeToRead(tx, dedupKey, mail);
  if (tooLarge) return tooLarge;
  return underDerivedKey(tx, dedupKey, fingerprint, { messageId: mail.messageId, ticketNumber: logged.ticketNumber, had: logged.outcome }, mail);
}

/**
 * A mail without Message-ID is keyed by what its sender wrote (identify.ts): a row under its key that is all a mail
 * left (a bounce or an out-of-office on no ticket, a refusal) is this very mail's, another copy of it (the MTA's LF
 * and the mailbox's CRLF): a duplicate, not a second bounce in the log. A row of another outcome (quarantined, a
 * loop, too large) left the mail to be processed again.
 */
async function afterLogRowOfContentKey(tx: Tx, dedupKey: string): Promise<KeyDecision> {
  const logged = await loggedWithOutcomeUnder(tx, dedupKey, [...LOG_ROW_ONLY, ...NEVER_A_MESSAGE]);
  return logged ? { kind: 'duplicate', dedupKey, ticketNumber: logged.ticketNumber } : { kind: 'record', dedupKey, reused: null };
}

/**
 * The key for a mail too large to parse (too-large.ts), judged by `written`: the hash of the fields its sender wrote
 * and its body's bytes (written-content.ts), which its log row keeps (a copy that came another way has the same).
 * Another mail under its Message-ID, parsed or not, is never it unless it has the same raw bytes (the limit was
 * raised and the mailbox read again). A too-large mail logged before its row kept the hash takes a mail under its
 * key for a duplicate, as it did.
 */
export async function keyForTooLarge(tx: Tx, dedupKey: string, mail: { messageId: string | null; rawSha256: string; written: string | null }): Promise<KeyDecision> {
  const seen = await messageByDedupKey(tx, dedupKey);
  // Without a Message-ID the key is the written content's hash already (identify.ts).
  if (!mail.messageId || !mail.written) return seen ? { kind: 'duplicate', dedupKey, ticketNumber: seen.ticketNumber } : { kind: 'record', dedupKey, reused: null };
  const logged = await loggedFingerprint(tx, dedupKey);
  if (!seen && !logged) return { kind: 'record', dedupKey, reused: null };
  const ticketNumber = seen?.ticketNumber ?? logged?.ticketNumber ?? null;
  if (seen?.rawSha256 === mail.rawSha256 || logged?.fingerprint === mail.written) return { kind: 'duplicate', dedupKey, ticketNumber };
  if (!logged && (await loggedUnder(tx, dedupKey))?.outcome === 'too_large') return { kind: 'duplicate', dedupKey, ticketNumber };
  return underDerivedKey(tx, dedupKey, mail.written, { messageId: mail.messageId, ticketNumber, had: seen ? `#${seen.ticketNumber}` : (logged?.outcome ?? 'a mail') });
}

/**
 * Another mail than the first under its Message-ID: recorded under `<key>#<hash>`, unless a copy of it is there
 * already: under that key, or, when its text attachments carry the other copy's line ends (sameWritten), under the
 * key that copy's fingerprint gave.
 */
async function underDerivedKey(tx: Tx, dedupKey: string, fingerprint: string, reused: Reused, mail?: Candidate): Promise<KeyDecision> {
  const derived = `${dedupKey}#${fingerprint.slice(0, DERIVED_KEY_HASH_CHARS)}`;
  const again = (await messageByDedupKey(tx, derived)) ?? (await loggedFingerprint(tx, derived));
  if (again) return { kind: 'duplicate', dedupKey: derived, ticketNumber: again.ticketNumber };
  for (const other of mail ? loggedUnderDerivedKeys(tx, dedupKey) : []) {
    if (await sameWritten(other.rawSha256, mail as Candidate)) return { kind: 'duplicate', dedupKey: other.dedupKey, ticketNumber: other.ticketNumber };
  }
  return { kind: 'record', dedupKey: derived, reused };
}

/**
 * The outcomes that leave only a log row without a ticket, by which their stages (access.ts, suppression.ts) know a
 * second delivery; and an automatic reply (an out-of-office, a report that a mail was delivered) that answers none,
 * whose copy was logged as a second auto-reply.
 */
const LOG_ROW_ONLY: ReadonlySet<InboundOutcome> = new Set(['rejected', 'admin_command', 'bounce', 'complaint', 'auto_reply']);
/**
 * The outcomes that never leave a message, even with a ticket: a survey's answer (a CSAT's ticket gets only an
 * event; survey-reply.ts knows a second delivery by the answer's key), a command to the bulletin address (its
 * confirmation is queued once per key: bulletin-mail.ts), a reply to the NPS mail that only thanks (no ticket).
 */
const NEVER_A_MESSAGE: ReadonlySet<InboundOutcome> = new Set(['survey_answer', 'bulletin_command', 'thanks']);

/**
 * The fingerprint to log with a mail whose log row is all it leaves, so that another mail under its Message-ID is
 * not taken for it (afterLogRowOnly); null for every other mail, which costs no hashing.
 */
export function fingerprintToLog(recorded: { outcome: InboundOutcome; ticketNumber: number | null }, mail: MailContent & { messageId: string | null }): string | null {
  const onlyLogRow = NEVER_A_MESSAGE.has(recorded.outcome) || (recorded.ticketNumber === null && LOG_ROW_ONLY.has(recorded.outcome));
  return mail.messageId && onlyLogRow ? contentFingerprint(mail) : null;
}

type Recorded = { outcome: InboundOutcome; ticketNumber: number | null; detail: string | null };

/**
 * Says on the mail's ticket, in its inbound log row and in the log that its Message-ID was another mail's: an
 * agent who finds two tickets behind one ID (a reply to it joins the newer: stages/thread.ts) knows why.
 */
export async function noteReusedMessageId(tx: Tx, log: Logger, reused: Reused, recorded: Recorded, at: Date): Promise<Recorded> {
  const note = `Message-ID <${reused.messageId}> reused: another mail had it (${reused.had}); recorded as a mail of its own`;
  log.warn({ messageId: reused.messageId, firstTicket: reused.ticketNumber, ticket: recorded.ticketNumber }, 'a different mail under a Message-ID already recorded: recorded as a mail of its own');
  const ticket = recorded.ticketNumber !== null ? await ticketByNumber(tx, recorded.ticketNumber) : null;
  if (ticket) await addTicketEvent(tx, { ticketId: ticket.id, type: 'message_id_reused', actor: 'system', detail: note, at });
  return { ...recorded, detail: [recorded.detail, note].filter(Boolean).join('; ') };
}
