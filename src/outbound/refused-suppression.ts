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
/**
 * Words that say the user, mailbox or address does not exist, in English, Spanish and Portuguese: what a refusal
 * without an enhanced code 5.1.x must say to count as dead. Not "mailbox unavailable": RFC 5321's text for any 550,
 * which servers give for a policy or spam block as well.
 */
const NO_SUCH_ADDRESS = new RegExp(
  [
    String.raw`\b(?:user|recipient|mailbox|address|account)\b(?:\s+\S+){0,5}?\s+(?:does ?n[o']?t exist|not exist|not found|unknown)`,
    String.raw`\bunknown (?:user|recipient|mailbox|address)|\bno such (?:user|recipient|mailbox|address|account)`,
    // Yahoo: "554 delivery error: dd This user doesn't have a yahoo.com account".
    String.raw`\buser does ?n[o'’]?t have an? (?:\S+\s+)?account\b`,
    // The verb first: "No existe el usuario", "Não existe o usuário".
    String.raw`\b(?:no|n[aã]o) existe\s+(?:(?:el|la|o|a|ese|esa|esse|essa)\s+)?(?:usuario|usuário|utilizador|destinatari[oa]|destinatári[oa]|buz[oó]n|cuenta|conta|direcci[oó]n|endereço|caixa postal)`,
    String.raw`\b(?:usuario|usuário|utilizador|destinatari[oa]|destinatári[oa]|buz[oó]n|cuenta|conta|direcci[oó]n|endereço|caixa postal)(?:\s+\S+){0,3}?\s+(?:no existe|n[aã]o existe|inexistente|desconocid[oa]|desconhecid[oa]|no encontrad[oa]|n[aã]o encontrad[oa])`,
  ].join('|'),
  'i',
);

/**
 * "550 Invalid recipient", "550 Invalid mailbox: …", "550 <ana@…>: Recipient rejected": a refusal of the recipient
 * itself, when bare (BARE_AFTER); not "Recipient address rejected: Access denied", a Postfix restriction's wording.
 */
const LOOSE = /\b(?:invalid (?:recipient|mailbox)|recipient rejected)\b/i;
/**
 * What may follow a loose wording for it to stay bare: addresses, tags in brackets or parentheses ("(Mode: normal)",
 * "[abc.us2]"; not words alone: "(account suspended)"), links, references with digits ("LPN007_416"), punctuation.
 * Any other words give the reason, one of another kind as often: "Recipient rejected: authentication required" (our
 * relay wanting a login: every address we write to), "Invalid recipient: rejected by RBL", "… account suspended".
 */
const BARE_AFTER = [/<[^>]*>/g, /\bhttps?:\/\/\S+/gi, /\S+@\S+/g, /\([^)]*[@.:\d][^)]*\)/g, /\[[^\]]*\]/g, /\S*\d\S*/g];

function namesNoSuchAddress(response: string): boolean {
  if (NO_SUCH_ADDRESS.test(response)) return true;
  const loose = LOOSE.exec(response);
  if (!loose) return false;
  const bare = (text: string) => BARE_AFTER.reduce((rest, noise) => rest.replace(noise, ' '), text);
  const after = bare(response.slice(loose.index + loose[0].length));
  // The reason may come first too ("Authentication required - recipient rejected", "Account suspended, recipient
  // rejected"): before it, only the codes, an address, a tag, or the same refusal in French (Orange).
  const before = bare(response.slice(0, loose.index)).replace(/[^\p{L}]+/gu, ' ').trim();
  return !/\p{L}/u.test(after) && (before === '' || RESTATED.test(before));
}

/** The loose wording's French twin, which Orange puts before it: "Adresse destinataire invalide. Invalid recipient". */
const RESTATED = /^adresse (?:du |d au moins un )?destinataire invalide$/i;

/**
 * A policy or spam block named in the same refusal ("550 Recipient rejected by policy", "… rejected as spam: invalid
 * recipient list"): the words of a dead address there say nothing sure about it.
 */
const BLOCK = /\bpolic(?:y|ies)\b|\bspam|\bblocked\b|\b(?:black|block|deny|deni)list|\bdenied\b/i;

/**
 * The refusal says the address itself is dead (user or host unknown, moved, a domain that takes no mail). Without an
 * enhanced code 5.1.x, a user unknown (or a text the classifier reads nothing in) only when its words say the user or
 * mailbox does not exist (NO_SUCH_ADDRESS, or a bare LOOSE wording) and name no block (BLOCK): not "your hostname does
 * not exist", a reverse DNS check.
 */
export function refusedAddressIsDead(r: RefusedRecipient): boolean {
  const code = r.responseCode;
  if (code === undefined || code < 500 || code > 599) return false;
  const status = normaliseStatus(findStatus(r.response));
  if (status !== null && (!status.startsWith('5.') || SENDER_STATUSES.has(status))) return false;
  if (ABOUT_SENDER.test(r.response)) return false;
  const reason = reasonOf({ status, replyCode: String(code), text: r.response, commandText: 'RCPT TO' });
  if (status?.startsWith('5.1.')) return isHard(true, reason);
  // Only the classifier's "user unknown" rests on words as loose as "mailbox unavailable": a host unknown ("Unrouteable
  // address"), a user moved or a domain that takes no mail say what they are, and stay dead as a DSN saying so is.
  if (reason !== null && reason !== 'userunknown') return isHard(true, reason);
  return namesNoSuchAddress(r.response) && !BLOCK.test(r.response);
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
