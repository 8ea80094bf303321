// A recipient our SMTP server refused at RCPT TO because the address does not exist ("550 5.1.1 User unknown": a
// relay that verifies recipients, or delivery straight to the reader's MX) is the news a hard-bounce DSN brings later
// (README "Bounces and suppression"), and is suppressed the same way: otherwise every bulletin and notice knocked at
// the dead address again, and mail providers judge a sender by how often it tries unknown users. Only a dead address
// counts, read as the bounce classifier reads a DSN (ingest/classify/reason.ts): relaying denied, a policy or spam
// block, a disabled or full mailbox or any 4xx says nothing about the address and suppresses nothing.

import { findStatus, normaliseStatus } from '../ingest/classify/text.js';
import { isHard, reasonOf } from '../ingest/classify/reason.js';
import { inTransaction, type Db } from '../store/database.js';
import { suppressForHardBounce } from '../store/suppression-repo.js';
import type { RefusedRecipient } from './mailer.js';

const DAY_MS = 86_400_000;
/**
 * A refusal about our sender, given at RCPT TO (Postfix delays its sender checks to it): "550 5.1.0 <soporte@…>:
 * Sender address rejected". It would name every recipient of every mail, none of them dead.
 */
const ABOUT_SENDER = /\bsender\b|\bmail from\b|\bremitente\b|\bremetente\b|\bexpéditeur\b/i;
const SENDER_STATUSES = new Set(['5.1.7', '5.1.8']);

/** The refusal says the address itself is dead (user or host unknown, moved, a domain that takes no mail). */
export function refusedAddressIsDead(r: RefusedRecipient): boolean {
  const code = r.responseCode;
  if (code === undefined || code < 500 || code > 599) return false;
  const status = normaliseStatus(findStatus(r.response));
  if (status !== null && (!status.startsWith('5.') || SENDER_STATUSES.has(status))) return false;
  if (ABOUT_SENDER.test(r.response)) return false;
  const reason = reasonOf({ status, replyCode: String(code), text: r.response, commandText: 'RCPT TO' });
  return isHard(true, reason);
}

/**
 * Suppresses, for `hardDays` (SUPPRESSION_DAYS), the refused addresses that are dead. The mails still queued to them
 * are left out by the drainer's screening before each batch it sends (suppressed-recipients.ts). Returns those
 * suppressed, for the log.
 */
export async function suppressDeadRecipients(db: Db, refused: RefusedRecipient[], opts: { hardDays: number; now: Date }): Promise<string[]> {
  const dead = refused.filter(refusedAddressIsDead);
  if (dead.length === 0) return [];
  const until = new Date(opts.now.getTime() + opts.hardDays * DAY_MS);
  await inTransaction(db, async (tx) => {
    for (const r of dead) {
      const status = normaliseStatus(findStatus(r.response));
      await suppressForHardBounce(tx, { email: r.address, status, detail: `refused at sending: ${r.response}`, now: opts.now }, until);
    }
  });
  return dead.map((r) => r.address.toLowerCase());
}
