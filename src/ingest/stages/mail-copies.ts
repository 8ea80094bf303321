import type { Tx } from '../../store/database.js';
import { addTicketEvent } from '../../store/tickets-repo.js';
import type { InboundMail } from '../parse.js';
import { throughMailingList } from './automatic.js';
import { isSupportAddress } from './identify.js';

// Whom a mail's To and Cc make people of its ticket. A mail that names none of the desk's addresses in To or Cc
// reached it by a Bcc (a customer writing to a vendor, the desk copied in secret), or by an address the desk does
// not know as its own: the people it is addressed to do not know of the desk, and copying them on its notices
// would tell them of the Bcc and mail them about the customer's case. They are left out, and an event on the
// ticket says why (the mail keeps its To and Cc). A mailing list's post is no secret copy: the desk is one of the
// list's members, and the list's people are copied as ever.

/** `ccs`: the mail's To/Cc people (not its sender, not the desk) to copy; `withheld`: those left out. */
export interface MailCopies {
  ccs: string[];
  withheld: string[];
}

export function copiesOf(mail: Pick<InboundMail, 'to' | 'cc' | 'headers'>, sender: string, ownAddresses: string[]): MailCopies {
  const named = [...mail.to, ...mail.cc].map((a) => a.address);
  const others = named.filter((a) => a !== sender && !isSupportAddress(a, ownAddresses));
  const deskNamed = named.some((a) => isSupportAddress(a, ownAddresses));
  return deskNamed || throughMailingList(mail) !== null ? { ccs: others, withheld: [] } : { ccs: [], withheld: [...new Set(others)] };
}

/**
 * The copies a mail matched to its ticket may add. A mail that names its ticket by the subject tag alone proves
 * nothing of its writer: the [#n] is a number anyone can count to, the From a line anyone can write, unless a
 * trusted server vouches for it (stages/authenticity.ts verdict 'pass'). Its words still reach the ticket (an
 * Outlook reply that lost its headers), but its copies do not become the ticket's: else "From: ana@cliente.mx",
 * "[#1042]" and "Cc: me" got the writer every later answer about Ana's case. A reply to one of our mails (its signed
 * Message-ID, the plus-address) shows its writer received them.
 */
export function copiesOnMatch(copies: MailCopies, via: string | null, fromVouched: boolean): MailCopies & { why?: WithheldWhy } {
  if (via !== 'subject-tag' || fromVouched || copies.ccs.length === 0) return copies;
  return { ccs: [], withheld: [...new Set([...copies.withheld, ...copies.ccs])], why: 'tag-alone' };
}

/** Why a mail's To/Cc were not copied: the desk was in neither (a Bcc), or the mail named its ticket by the tag alone. */
export type WithheldWhy = 'bcc' | 'tag-alone';
const WITHHELD_WHY: Record<WithheldWhy, string> = {
  bcc: 'the desk is in neither To nor Cc (a Bcc, or an address not in SUPPORT_ALIASES)',
  'tag-alone': 'the mail named its ticket by the subject tag alone, and no trusted server vouched for its From',
};

export const CCS_WITHHELD = 'ccs_withheld';
/** A mail to hundreds: the event names the first of them and counts the rest. */
const NAMED_AT_MOST = 10;

/** Records on the ticket that the mail's To/Cc were not made its CCs, and why; nothing when none were left out. */
export async function noteCcsWithheld(tx: Tx, ticketId: number, withheld: readonly string[], at: Date, why: WithheldWhy = 'bcc'): Promise<void> {
  if (withheld.length === 0) return;
  const rest = withheld.length - NAMED_AT_MOST;
  const names = `${withheld.slice(0, NAMED_AT_MOST).join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
  const detail = `${WITHHELD_WHY[why]}: ${names}`;
  await addTicketEvent(tx, { ticketId, type: CCS_WITHHELD, actor: 'system', detail, at });
}
