import { countryFromAddress, guessLanguage } from '../domain/language.js';
import { inTransaction, isUniqueViolation, type Tx } from '../store/database.js';
import { loggedUnder, logInbound, type InboundLogEntry, type InboundOutcome } from '../store/inbound-log-repo.js';
import { keepRawMail, rawMailInDatabase } from '../store/raw-mails.js';
import { addMessage, addTicketEvent, ensureContact } from '../store/tickets-repo.js';
import { templateOfOurMail } from '../store/outbox-repo.js';
import { forwardsAMessage, verifySignedMessageId } from '../domain/thread-refs.js';
import type { InboundMail } from './parse.js';
import type { IngestResult, IngestSource, PipelineDeps } from './pipeline.js';
import { answeredAtOf, applyInbound, onlyThanks } from './stages/apply.js';
import { windowOverAt } from '../lifecycle/jobs.js';
import { recordDeliveryReport } from './stages/bounce.js';
import { screenBulletinMail } from './stages/bulletin-mail.js';
import { applyDeliveryReport } from './stages/suppression.js';
import { resolveThread } from './stages/thread.js';
import { recordSurveyReply } from './stages/survey-reply.js';
import { accessSettings, screenAccess } from './stages/access.js';
import { spamVerdict } from './stages/automatic.js';
import { dedupKeyOf, isSupportAddress, rawBytesKeyOf } from './stages/identify.js';
import { copiesOnMatch } from './stages/mail-copies.js';
import { fingerprintToLog, keyToRecordUnder, noteReusedMessageId } from './stages/reused-message-id.js';
import { readTooLarge } from './stages/too-large-read.js';
import { writtenContentSha256 } from './written-content.js';
import { replyHeaderLanguage } from './visible-text/reply-language.js';
import { analyseMail, visibleTextOf, type AnalysisSettings, type MailAnalysis } from './analyse-mail.js';

function isEscalationContact(contacts: Map<number, string[]>, address: string): boolean {
  for (const list of contacts.values()) if (list.some((a) => a.toLowerCase() === address)) return true;
  return false;
}

/**
 * `dedupKey`: the key the mail was recorded under, when it is not the one it was prepared with; `contentFingerprint`:
 * for its log row, when that row is all it leaves (both stages/reused-message-id.ts).
 */
type Recorded = { outcome: InboundOutcome; ticketNumber: number | null; detail: string | null; dedupKey?: string; contentFingerprint?: string };

/** A raw mail being recorded: its bytes when they are to be kept with its outcome, null when it is a blob file already. */
export type KeptRaw = { size: number; sha256: string; content: Buffer | null };

/** A parsed mail ready to be recorded: its attachments stored, and the writes that make its one effect. */
export interface PreparedMail {
  dedupKey: string;
  sha256: string;
  /** The raw mail, kept (store/raw-mails.ts) in the transaction that records it; null when it is a blob file already. */
  raw: Buffer | null;
  source: IngestSource;
  base: Omit<InboundLogEntry, 'outcome' | 'ticketNumber' | 'detail'>;
  /** The mail's effect, in the caller's transaction. */
  body: (tx: Tx) => Promise<Recorded>;
}

/**
 * A parsed mail's one effect, in one transaction with its log row (and the source's cursor): screening
 * first (loops, machine-written mail), then the ticket it belongs to, then what it does there.
 */
export async function recordMail(deps: PipelineDeps, parsed: InboundMail, raw: KeptRaw, source: IngestSource, now: Date): Promise<IngestResult> {
  const [result] = await recordPrepared(deps, [await prepareMail(deps, parsed, raw, source, now)]);
  return result as IngestResult;
}

/**
 * Several prepared mails in one transaction, in order, each with its raw mail, its log row and the source's cursor write:
 * they commit together or not at all (a burst costs one commit, not one per mail). A failure of one fails
 * them all; the caller then records them one by one (pipeline.ts ingestMany).
 */
export async function recordPrepared(deps: PipelineDeps, mails: PreparedMail[]): Promise<IngestResult[]> {
  const run = () =>
    inTransaction(deps.db, async (tx) => {
      const results: IngestResult[] = [];
      for (const mail of mails) {
        if (mail.raw) keepRawMail(tx, mail.sha256, mail.raw, mail.base.at);
        const recorded = await mail.body(tx);
        await logInbound(tx, { ...mail.base, ...recorded });
        await mail.source.withinTransaction?.(tx, recorded.outcome);
        results.push({ outcome: recorded.outcome, ticketNumber: recorded.ticketNumber, detail: recorded.detail, dedupKey: recorded.dedupKey ?? mail.dedupKey, rawSha256: mail.sha256 });
      }
      return results;
    });
  try {
    return await run();
  } catch (error) {
    // Two processes took the same mail at once: the loser's unique key fails; run again to log a duplicate.
    if (!isUniqueViolation(error)) throw error;
    return run();
  }
}

/** Screens the parsed mail and stores its attachments; the database writes wait for recordPrepared. */
export async function prepareMail(deps: PipelineDeps, parsed: InboundMail, raw: KeptRaw, source: IngestSource, now: Date): Promise<PreparedMail> {
  const dedupKey = await dedupKeyOf(parsed.messageId, () => keptBytes(raw, deps.blobs));
  return preparedFrom(deps, await analyseMail(analysisSettings(deps), deps.blobs, parsed, { ...raw, dedupKey }), raw.content, source, now);
}

/** The raw mail's bytes: in memory, or read back from the blob file it streamed into. */
export function keptBytes(raw: KeptRaw, blobs: Pick<PipelineDeps['blobs'], 'openRead'>): Iterable<Buffer> | AsyncIterable<Buffer> {
  return raw.content ? [raw.content] : blobs.openRead(raw.sha256);
}

/** The part of the configuration the analysis reads (also handed to the preparation worker). */
export function analysisSettings(deps: Pick<PipelineDeps, 'secret' | 'supportAddress' | 'ownAddresses' | 'maxAttachmentBytes' | 'access' | 'timeZone'>): AnalysisSettings {
  const { secret, supportAddress, ownAddresses, maxAttachmentBytes, timeZone } = deps;
  const { trustedAuthservIds, formSenders } = accessSettings(deps);
  return { secret, supportAddress, ownAddresses, maxAttachmentBytes, trustedAuthservIds, formSenders, timeZone };
}

/** The database half of a mail: the writes of its one effect, given what was worked out without the database. */
export function preparedFrom(deps: PipelineDeps, analysis: MailAnalysis, raw: Buffer | null, source: IngestSource, now: Date): PreparedMail {
  const { mail, sender, dedupKey: preparedKey, sha256, size, report, loop, automatic, authenticity, ccs, ccsWithheld } = analysis;
  const visibleText = visibleTextOf(analysis);
  // Machine-written, or a person's mail that asks for no machine's answer: either way nothing automatic answers it.
  const noAutomaticAnswer = automatic !== null || analysis.noAutoReply !== null;
  const preparedMessage = { ...analysis.message, visibleText };
  // Recorded by an earlier version under the key of its raw bytes: whatever it did then, it is done.
  const legacyKey = rawBytesKeyOf(mail.messageId, sha256);
  const base = { source: source.source, sourceRef: source.sourceRef ?? null, dedupKey: preparedKey, messageId: mail.messageId, fromAddress: sender.address, subject: mail.subject, size, rawSha256: sha256, at: now };

  /** The mail's one effect, recorded under `dedupKey`. */
  const effectUnder = async (tx: Tx, dedupKey: string, message: typeof preparedMessage): Promise<Recorded> => {
    if (loop) {
      deps.log.warn({ from: sender.address, reason: loop.reason }, 'mail loop: our own mail came back; not processed');
      return { outcome: 'loop', ticketNumber: null, detail: loop.reason };
    }
    if (report.kind === 'bounce' || report.kind === 'complaint') {
      // Suppression and complaints first (it checks the log for this report), then the note on its ticket.
      const effect = deps.bulletins ? await applyDeliveryReport(tx, deps.bulletins.config.suppression, { report, dedupKey, now }) : null;
      const recorded = await recordDeliveryReport(tx, { report, secret: deps.secret, message, now });
      return effect ? { ...recorded, detail: `${recorded.detail}; ${effect}` } : recorded;
    }
    // Mail to the bulletin address: subscribe / unsubscribe commands, never a ticket (stages/bulletin-mail.ts); a
    // reader's question or request there goes on. Machine-written mail, spam, a list's copy, another helpdesk's
    // receipt or an away note is nothing there; Outlook's X-Auto-Response-Suppress alone (people's mail) is no sign.
    // To and Cc only: the bulletin address is delivered to the support mailbox, whose Delivered-To every copy may carry.
    const toSupport = [...mail.to, ...mail.cc].some((a) => isSupportAddress(a.address, [deps.supportAddress]));
    const bulletinMail = await screenBulletinMail(tx, deps.bulletins, { mail, sender, visibleText, trusted: authenticity.trusted, automatic: automatic !== null, toSupport, dedupKey, now });
    if (bulletinMail) return bulletinMail;
    // A reply to a survey mail that is only a score is its answer, not a comment (stages/survey-reply.ts).
    const surveyAnswer = automatic || !authenticity.trusted ? null : await recordSurveyReply(tx, { mail, sender: sender.address, senderName: sender.name, visibleText, dedupKey, now, arrivedAt: source.arrivedAt });
    if (surveyAnswer) return surveyAnswer;
    const contact = await ensureContact(tx, sender.address, sender.name, automatic ? {} : {
      clues: { words: guessLanguage(visibleText), header: () => replyHeaderLanguage(mail.text, mail.html), forwarded: forwardsAMessage(mail.subject) },
      country: countryFromAddress(sender.address),
    });
    const thread = await resolveThread(tx, mail, sender.address, contact.organisationId, {
      secret: deps.secret,
      supportAddress: deps.supportAddress,
      senderTrusted: authenticity.trusted,
      automatic: automatic !== null,
      onlyThanks: () => onlyThanks({ silent: noAutomaticAnswer, visibleText, message, sender: sender.address }),
      windowOver: async (ticketId) => (await windowOverAt(tx, deps.lifecycle, ticketId, answeredAtOf(source.arrivedAt, now))) !== null,
    });
    const existing = thread.kind === 'existing' ? thread.ticket : null;
    // Kept on the ticket for the agents, and changes nothing: an out-of-office to one of our notices, or an
    // escalation contact answering the (internal) escalation mail, which carries the ticket's Reply-To.
    const internalNote = async (ticketId: number, type: string, detail: string) => {
      await addMessage(tx, { ...message, ticketId, direction: 'in', internal: true, createdAt: now });
      await addTicketEvent(tx, { ticketId, type, actor: sender.address, detail, at: now });
    };
    if (automatic && existing) {
      await internalNote(existing.id, 'automatic_reply', automatic.reason);
      return { outcome: 'auto_reply', ticketNumber: existing.number, detail: automatic.reason };
    }
    if (existing && isEscalationContact(deps.lifecycle.policies.escalationContacts, sender.address)) {
      await internalNote(existing.id, 'internal_reply', 'an escalation contact');
      return { outcome: 'comment', ticketNumber: existing.number, detail: 'an escalation contact: internal note' };
    }
    // An answer to a lead's escalation digest (lifecycle/escalation-digest.ts: about many tickets, none its own) or to
    // an administrators' alert (outbound/operator-alerts.ts). Their Message-IDs name "ticket 0", which no ticket
    // has, so the answer opened a ticket with the lead or administrator as customer, acknowledged it and put it on
    // the SLA clock.
    const answered = existing ? null : deskMailAnswered(tx, deps.secret, mail);
    if (answered) {
      const detail = `an answer to ${answered}: no ticket`;
      deps.log.info({ from: sender.address }, detail);
      return { outcome: 'comment', ticketNumber: null, detail };
    }
    if (automatic?.kind === 'auto-replied' || automatic?.listNotice) return { outcome: 'auto_reply', ticketNumber: null, detail: `${automatic.reason}; answers no ticket` };
    // Who may open tickets (UNKNOWN_SENDER_POLICY) and administrators' commands: stages/access.ts.
    const access = await screenAccess(tx, deps, { mail, sender, thread, visibleText, authenticity, automatic: automatic !== null, noAutoReply: analysis.noAutoReply !== null, spam: spamVerdict(mail), dedupKey, now });
    if (access.kind === 'done') return access.recorded;
    // Copies of a mail found by the tag or an inbound Message-ID, from a From no trusted server vouched for: only those the ticket trusts (stages/mail-copies.ts).
    const match = thread.kind === 'existing' && thread.ticket ? { via: thread.via, byOurMail: thread.byOurMail === true, ticket: thread.ticket } : null;
    const copies = await copiesOnMatch(tx, { ccs, withheld: ccsWithheld }, match, authenticity.verdict === 'pass');
    const applied = await applyInbound(tx, deps.lifecycle, { thread, requester: { id: contact.id, email: sender.address }, subject: mail.subject, visibleText, ccs: copies.ccs, ccsWithheld: copies.withheld, ccsWithheldWhy: copies.why, now, arrivedAt: source.arrivedAt, readBefore: source.readBefore, message, silent: noAutomaticAnswer, machineWritten: automatic?.reason ?? null, hold: access.hold });
    const asked = access.hold ? await access.afterHold(applied.ticketNumber) : null;
    const detail = [thread.kind === 'existing' ? `via ${thread.via}` : thread.reason, automatic ? `automatic (${automatic.reason}): no answer sent` : analysis.noAutoReply ? `${analysis.noAutoReply}: no automatic answer sent` : null, access.note, asked].filter(Boolean).join('; ');
    return { ...applied, detail };
  };

  // What its sender wrote, hashed only to tell whether it is a mail once too large to parse (stages/too-large-read.ts).
  let writtenHash: Promise<string> | undefined;
  const written = () => (writtenHash ??= writtenContentSha256(raw ? [raw] : deps.blobs.openRead(sha256)));

  const recordedUnderKey = async (tx: Tx): Promise<Recorded> => {
    const writtenOfKept = (kept: string) => writtenOfKeptRaw(tx, deps.blobs, kept);
    // Another mail under a Message-ID already recorded goes under a key of its own (stages/reused-message-id.ts).
    const key = await keyToRecordUnder(tx, preparedKey, { ...preparedMessage, written, writtenOfKept });
    if (key.kind === 'duplicate') return { outcome: 'duplicate', ticketNumber: key.ticketNumber, detail: null, dedupKey: key.dedupKey };
    // A mail once too large to parse, read now that the limit allows: its content goes on the ticket it opened.
    if (key.kind === 'too_large_read') return readTooLarge(tx, deps, { read: key, message: preparedMessage, ccs, ccsWithheld, now, silent: noAutomaticAnswer });
    const legacy = legacyKey ? await loggedUnder(tx, legacyKey) : null;
    if (legacy) return { outcome: 'duplicate', ticketNumber: legacy.ticketNumber, detail: null };
    if (!key.reused) return effectUnder(tx, preparedKey, preparedMessage);
    const recorded = await effectUnder(tx, key.dedupKey, { ...preparedMessage, dedupKey: key.dedupKey });
    return { ...(await noteReusedMessageId(tx, deps.log, key.reused, recorded, now)), dedupKey: key.dedupKey };
  };
  // A mail that leaves only its log row keeps its content's fingerprint there: another mail under its ID is not it.
  const body = async (tx: Tx): Promise<Recorded> => {
    const recorded = await recordedUnderKey(tx);
    const contentFingerprint = fingerprintToLog(recorded, preparedMessage);
    return contentFingerprint ? { ...recorded, contentFingerprint } : recorded;
  };

  return { dedupKey: preparedKey, sha256, raw, source, base, body };
}

/**
 * The hashes of what kept raw mails' senders wrote, by the raw mail's SHA-256 (which fixes its content, so an entry
 * never goes stale). Each mail under a Message-ID used before compares itself with up to ~20 kept mails
 * (stages/reused-message-id.ts): without it, each such mail read and hashed them all again (25 MB mails: ~0.5 GB
 * a mail, in the write transaction).
 */
const writtenOfKeptSeen = new Map<string, string>();
const WRITTEN_OF_KEPT_ENTRIES = 4096;

/** The hash of what the sender of a raw mail kept here wrote (written-content.ts); null when it is not kept. */
async function writtenOfKeptRaw(tx: Tx, blobs: PipelineDeps['blobs'], sha256: string): Promise<string | null> {
  const seen = writtenOfKeptSeen.get(sha256);
  if (seen) return seen;
  const inDatabase = rawMailInDatabase(tx, sha256);
  const written = inDatabase ? await writtenContentSha256([inDatabase]) : blobs.has(sha256) ? await writtenContentSha256(blobs.openRead(sha256)) : null;
  if (written) {
    if (writtenOfKeptSeen.size >= WRITTEN_OF_KEPT_ENTRIES) writtenOfKeptSeen.delete(writtenOfKeptSeen.keys().next().value as string);
    writtenOfKeptSeen.set(sha256, written);
  }
  return written;
}

/**
 * What of ours, about no ticket, the mail answers: an escalation digest or an administrators' alert; null when
 * neither. Only ids we signed for "ticket 0" can be theirs: the outbox is asked about those alone, not about every
 * foreign id a new mail refers to. (Access mails also name "ticket 0": their answers are commands, stages/access.ts.)
 */
function deskMailAnswered(tx: Tx, secret: string, mail: InboundMail): string | null {
  const ours = [...(mail.inReplyTo ? [mail.inReplyTo] : []), ...mail.references].filter((id) => verifySignedMessageId(secret, id) === 0);
  const template = ours.length > 0 ? templateOfOurMail(tx, ours.slice(0, 100)) : null;
  if (template === 'escalation_digest') return 'an escalation digest';
  return template?.startsWith('alert_') ? "an administrators' alert" : null;
}
