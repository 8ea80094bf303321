import type { Address, InboundMail } from '../parse.js';
import { isSupportAddress } from './identify.js';

// A contact form on the desk's website mails each request from one address of its own, with the customer's address
// in Reply-To. The desk names those addresses (FORM_SENDERS): such a mail is the customer's, and its requester the
// Reply-To address. Without the setting the form's no-reply address was the requester, got no acknowledgement (a
// machine's address), and the customer heard nothing. The customer's address is taken on the form's word, so the
// mail is never believed more than one whose From nothing authenticates (analyse-mail.ts): no administrator
// commands, no survey answers, no ticket joined by its [#n] tag.

/** The customer a form's mail is from; null when it is no form's, or its Reply-To does not name exactly one other person. */
export function formRequester(mail: InboundMail, formSenders: readonly string[], ownAddresses: string[]): { form: string; requester: Address } | null {
  const from = mail.from?.address;
  if (!from || mail.fromCount !== 1 || !formSenders.includes(from)) return null;
  const [requester, ...more] = mail.replyTo ?? [];
  if (!requester || more.length > 0 || formSenders.includes(requester.address) || isSupportAddress(requester.address, ownAddresses)) return null;
  return { form: from, requester };
}
