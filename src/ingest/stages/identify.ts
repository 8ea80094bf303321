import type { InboundMail } from '../parse.js';

/**
 * The key that makes a mail's effect unique (DOMAIN.md rule 1): its Message-ID, or, lacking one, its raw
 * bytes. The same mail delivered to two support addresses, or fetched again after a crash, has one key.
 */
export function dedupKeyOf(mail: Pick<InboundMail, 'messageId'>, rawSha256: string): string {
  return mail.messageId ? `mid:${mail.messageId}` : `raw:${rawSha256}`;
}

/** Our own addresses (the support address, its plus-addresses, the mailbox login) are never CCs of a ticket. */
export function isSupportAddress(address: string, supportAddresses: string[]): boolean {
  const lower = address.toLowerCase();
  return supportAddresses.some((support) => {
    const at = support.lastIndexOf('@');
    const local = support.slice(0, at).toLowerCase();
    const domain = support.slice(at + 1).toLowerCase();
    return lower === support.toLowerCase() || (lower.startsWith(`${local}+`) && lower.endsWith(`@${domain}`));
  });
}
