import type { Tx } from '../../store/database.js';
import { isFreeMailDomain } from '../../domain/free-mail.js';
import { namedList } from '../../domain/named-list.js';
import { domainOf } from '../../domain/thread-refs.js';
import type { ThreadVia } from '../../domain/threading.js';
import { addTicketEvent, organisationDomains, type StoredTicket } from '../../store/tickets-repo.js';
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

/** How a mail found its ticket, for its copies: `byOurMail` when through one of our mails (a signed Message-ID, the plus-address). */
export interface CopiesMatch {
  via: ThreadVia;
  byOurMail: boolean;
  ticket: StoredTicket;
}

/**
 * The copies a mail matched to its ticket may add. A mail found by the subject tag, or by a Message-ID that is not
 * one of ours, proves nothing of its writer: the [#n] is a number anyone can count to, an inbound Message-ID one that
 * every customer of an ERP writing `<1@erp.local>` knows (or anyone who saw a forwarded copy), and the From a line
 * anyone can write, unless a trusted server vouches for it (stages/authenticity.ts verdict 'pass'). Its words still
 * reach the ticket, but copies the ticket would not otherwise trust do not become its own: else "From:
 * ana@cliente.mx", "[#1042]" and "Cc: me" got the writer every later answer about Ana's case. The ticket's own
 * people and its organisation's addresses are copied (`trustedByTicket`): with no TRUSTED_AUTHSERV_IDS no From is
 * ever vouched for, and a customer's own reply lost every copy, silently. A reply to one of our mails shows its
 * writer received them, and copies as before.
 */
export async function copiesOnMatch(tx: Tx, copies: MailCopies, match: CopiesMatch | null, fromVouched: boolean): Promise<MailCopies & { why?: WithheldWhy }> {
  if (!match || match.byOurMail || fromVouched || copies.ccs.length === 0) return copies;
  const outsiders = await outsidersOf(tx, match.ticket, copies.ccs);
  if (outsiders.length === 0) return copies;
  const why = match.via === 'subject-tag' ? 'tag-alone' : 'foreign-reference';
  return { ccs: copies.ccs.filter((a) => !outsiders.includes(a)), withheld: [...new Set([...copies.withheld, ...outsiders])], why };
}

/**
 * Those of `addresses` the ticket does not trust without proof. It trusts its requester and CCs, and addresses of its
 * organisation: in a domain registered as the requester's organisation's, or in the requester's own domain when no
 * free mail provider's (a gmail.com customer makes no gmail.com user her colleague), or in a subdomain of either
 * (jefe@mx.cliente.mx is Ana's of cliente.mx: a company's subdomains are its own to hand out).
 */
async function outsidersOf(tx: Tx, ticket: StoredTicket, addresses: readonly string[]): Promise<string[]> {
  const people = new Set([ticket.requester, ...ticket.ccs].map((a) => a.toLowerCase()));
  const own = domainOf(ticket.requester);
  const registered = ticket.organisationId !== null ? await organisationDomains(tx, ticket.organisationId) : [];
  // Exact registered domains are trusted as registered; only a subdomain asks that its parent be no mail provider's.
  const parents = [own, ...registered].filter((d) => !isFreeMailDomain(d));
  const outsiders: string[] = [];
  for (const address of addresses) {
    if (people.has(address.toLowerCase())) continue;
    const domain = domainOf(address);
    if (registered.includes(domain) || parents.some((parent) => domain === parent || domain.endsWith(`.${parent}`))) continue;
    outsiders.push(address);
  }
  return outsiders;
}

/** Why a mail's To/Cc were not copied: the desk was in neither (a Bcc), or the mail proved nothing of its writer. */
export type WithheldWhy = 'bcc' | 'tag-alone' | 'foreign-reference';
const UNTRUSTED = "no trusted server vouched for its From, and they are neither the ticket's people nor of its organisation";
const WITHHELD_WHY: Record<WithheldWhy, string> = {
  bcc: 'the desk is in neither To nor Cc (a Bcc, or an address not in SUPPORT_ALIASES)',
  'tag-alone': `the mail named its ticket by the subject tag alone, ${UNTRUSTED}`,
  'foreign-reference': `the mail named its ticket by a Message-ID not one of ours, ${UNTRUSTED}`,
};

export const CCS_WITHHELD = 'ccs_withheld';
/** A mail to hundreds: the event names the first of them and counts the rest. */
const NAMED_AT_MOST = 10;

/** Records on the ticket that the mail's To/Cc were not made its CCs, and why; nothing when none were left out. */
export async function noteCcsWithheld(tx: Tx, ticketId: number, withheld: readonly string[], at: Date, why: WithheldWhy = 'bcc'): Promise<void> {
  if (withheld.length === 0) return;
  const detail = `${WITHHELD_WHY[why]}: ${namedList(withheld, NAMED_AT_MOST)}`;
  await addTicketEvent(tx, { ticketId, type: CCS_WITHHELD, actor: 'system', detail, at });
}
