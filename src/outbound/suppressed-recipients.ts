import { inTransaction, type Db, type Tx } from '../store/database.js';
import type { ClaimedMail } from '../store/outbox-claims.js';
import { retryOutboxMail, type OutboxHeaders } from '../store/outbox-repo.js';
import { failedMail, setRecipients, settleUnsent, type MailRecipients } from '../store/outbox-recipients.js';
import { suppressedSince } from '../store/suppression-repo.js';
import { dropSurveysOfMails } from '../store/survey-repo.js';
import { addTicketEvent } from '../store/tickets-repo.js';
import { suppressedWhy } from './notices.js';
import { parseColumn } from './outgoing-mail.js';

// A suppressed address gets nothing more (README "Bounces and suppression"). A mail not sent yet to one is changed
// the same way wherever that is found: when the bounce is recorded (the mails then queued), by the drainer before it
// sends a batch it claimed (a mail it held then, or retried since), and by `outbox retry`. The address is left out
// of the mail; a mail with only copies left goes to them as its recipients (notices.ts does the same for one
// written so); one with no one left is cancelled, never sent. Not the mails to the desk's own people
// (escalations), which suppression spares too.

/** What leaving the suppressed recipients out of one mail does. */
export interface LeftOut {
  mail: MailRecipients;
  /** The suppressed addresses the mail no longer goes to; `requesters`: those of them it was addressed To. */
  leftOut: string[];
  requesters: string[];
  /** `others`: it goes to `to` and `cc`; `cancelled`: to no one; `done`: it went to the others already (a retry owed to some). */
  outcome: 'others' | 'cancelled' | 'done';
  to: string[];
  cc: string[];
  headers: string;
}

/** Why a mail is not sent to these addresses, with what ends it: as its lastError and on its ticket. */
export function suppressedReason(addresses: string[]): string {
  const lower = addresses.map((a) => a.toLowerCase());
  if (lower.length === 1) return `the address is suppressed after bounces (ventanilla suppressions lift ${lower[0]})`;
  return `the addresses are suppressed after bounces (ventanilla suppressions lift ${lower.join(', ventanilla suppressions lift ')})`;
}

/** The mail without the suppressed recipients (`suppressed`: lower case); null when it names none, or is an escalation. */
export function withoutSuppressed(mail: MailRecipients, suppressed: ReadonlySet<string>): LeftOut | null {
  if (mail.template.startsWith('escalation')) return null;
  const isSuppressed = (a: string) => suppressed.has(a.toLowerCase());
  const to = parseColumn<string[]>(mail.toList);
  const cc = parseColumn<string[]>(mail.ccList);
  const headers = parseColumn<OutboxHeaders>(mail.headers);
  if (headers.envelopeTo) {
    // Owed to some recipients only, with the headers the others got (drainer.ts): those owed that are suppressed go.
    const leftOut = headers.envelopeTo.filter(isSuppressed);
    if (leftOut.length === 0) return null;
    const envelopeTo = headers.envelopeTo.filter((a) => !isSuppressed(a));
    const requesters = leftOut.filter((a) => to.some((t) => t.toLowerCase() === a.toLowerCase()));
    return { mail, leftOut, requesters, outcome: envelopeTo.length > 0 ? 'others' : 'done', to, cc, headers: JSON.stringify({ ...headers, envelopeTo, suppressed: namedSuppressed(headers, leftOut) }) };
  }
  const requesters = to.filter(isSuppressed);
  const leftOut = [...requesters, ...cc.filter(isSuppressed)];
  if (leftOut.length === 0) return null;
  let keptTo = to.filter((a) => !isSuppressed(a));
  let keptCc = cc.filter((a) => !isSuppressed(a));
  // The colleagues in copy still get a ticket's mail that its requester cannot: as its recipients.
  if (keptTo.length === 0) [keptTo, keptCc] = [keptCc, []];
  return { mail, leftOut, requesters, outcome: keptTo.length > 0 ? 'others' : 'cancelled', to: keptTo, cc: keptCc, headers: JSON.stringify({ ...headers, suppressed: namedSuppressed(headers, leftOut) }) };
}

/** The suppressed recipients the mail names (OutboxHeaders.suppressed), with those it now leaves out: each once, lower case. */
function namedSuppressed(headers: OutboxHeaders, leftOut: string[]): string[] {
  return [...new Set([...(headers.suppressed ?? []), ...leftOut.map((a) => a.toLowerCase())])];
}

/**
 * Leaves the suppressed addresses out of these mails, queued, or claimed by `holder`, and says so where the desk
 * looks: the row's recipients or status and lastError (`outbox list`, `tickets show`), the event `notice_suppressed`
 * on its ticket for each requester left out, and a survey taken back is no survey sent. Returns what it changed: a
 * mail no longer queued, or no longer the holder's, is left as it is.
 */
export async function leaveOutSuppressed(tx: Tx, mails: MailRecipients[], suppressed: ReadonlySet<string>, opts: { now: Date; holder: string | null }): Promise<LeftOut[]> {
  const changed: LeftOut[] = [];
  for (const mail of mails) {
    const change = withoutSuppressed(mail, suppressed);
    if (change === null || !applied(tx, change, opts)) continue;
    const copies = change.outcome === 'others' ? [...change.to, ...change.cc] : [];
    if (mail.ticketId !== null) {
      for (const requester of change.requesters) await addTicketEvent(tx, { ticketId: mail.ticketId, type: 'notice_suppressed', actor: 'system', detail: suppressedWhy(mail.template, requester, copies), at: opts.now });
    }
    changed.push(change);
  }
  // A survey whose mail never left was not asked: not a survey sent in the report (README "Surveys").
  await dropSurveysOfMails(tx, changed.filter((c) => c.outcome === 'cancelled').map((c) => c.mail.messageId));
  return changed;
}

function applied(tx: Tx, change: LeftOut, opts: { now: Date; holder: string | null }): boolean {
  const { id } = change.mail;
  const why = suppressedReason(change.leftOut);
  if (change.outcome === 'cancelled') return settleUnsent(tx, id, opts.holder, 'cancelled', why, change.headers, opts.now);
  if (change.outcome === 'done') {
    // Sent to the others already: the refusals for good an earlier try met stay named first (OutboxHeaders.refusedForGood).
    const before = parseColumn<OutboxHeaders>(change.headers).refusedForGood;
    return settleUnsent(tx, id, opts.holder, 'sent', [before, `not sent to ${change.leftOut.join(', ')}: ${why}`].filter(Boolean).join('; '), change.headers, opts.now);
  }
  return setRecipients(tx, id, opts.holder, change);
}

/**
 * Before the drainer sends a batch it claimed: one look at the suppressions for all its recipients (by the primary
 * key). Returns the mails still to send, their recipients as they now are; the others are settled unsent.
 */
export async function screenClaimed(db: Db, rows: ClaimedMail[], holder: string | null, now: Date): Promise<ClaimedMail[]> {
  if (rows.length === 0) return rows;
  const suppressed = suppressedSince(db, rows.flatMap((r) => [...parseColumn<string[]>(r.toList), ...parseColumn<string[]>(r.ccList)]), now);
  if (suppressed.size === 0) return rows;
  const addresses = new Set(suppressed.keys());
  const touched = rows.filter((r) => withoutSuppressed(r, addresses) !== null);
  if (touched.length === 0) return rows;
  const changed = new Map((await inTransaction(db, (tx) => leaveOutSuppressed(tx, touched, addresses, { now, holder }))).map((c) => [c.mail.id, c]));
  const kept: ClaimedMail[] = [];
  for (const row of rows) {
    const change = changed.get(row.id);
    // Touched and not changed: no longer this drainer's (taken over meanwhile); not sent here.
    if (!change && touched.includes(row)) continue;
    if (change && change.outcome !== 'others') continue;
    if (change) Object.assign(row, { toList: JSON.stringify(change.to), ccList: JSON.stringify(change.cc), headers: change.headers });
    kept.push(row);
  }
  return kept;
}

/** An address a failed mail is not retried to: since when it is suppressed. */
export interface SuppressedRecipient {
  address: string;
  since: Date | null;
}

/**
 * `outbox retry`: a failed mail put back in the queue, without its suppressed recipients. `refused` names them when
 * no one else is left to send it to (it stays failed); null when there is no such failed mail.
 */
export async function retryUnsuppressed(
  tx: Tx,
  id: number,
  now: Date,
): Promise<{ retried: true; leftOut: SuppressedRecipient[] } | { retried: false; refused: SuppressedRecipient[] } | null> {
  const mail = failedMail(tx, id);
  if (!mail) return null;
  const since = suppressedSince(tx, [...parseColumn<string[]>(mail.toList), ...parseColumn<string[]>(mail.ccList)], now);
  const change = withoutSuppressed(mail, new Set(since.keys()));
  const named = (change?.leftOut ?? []).map((address) => ({ address: address.toLowerCase(), since: since.get(address.toLowerCase()) ?? null }));
  if (change && change.outcome !== 'others') return { retried: false, refused: named };
  await retryOutboxMail(tx, id, now);
  if (change) await leaveOutSuppressed(tx, [mail], new Set(since.keys()), { now, holder: null });
  return { retried: true, leftOut: named };
}
