import { writtenContentSha256 } from '../written-content.js';

/**
 * The key that makes a mail's effect unique (DOMAIN.md rule 1): its Message-ID, or, lacking one, a hash of what
 * its sender wrote (written-content.ts), not of its raw bytes: the copy an MTA pipes in and the one fetched
 * from the mailbox carry other trace fields, and must still be one mail. The same mail delivered to two
 * support addresses, or fetched again after a crash, has one key. `raw` is read only when there is no Message-ID.
 */
export async function dedupKeyOf(messageId: string | null, raw: () => Iterable<Buffer> | AsyncIterable<Buffer>): Promise<string> {
  return messageId ? `mid:${messageId}` : `content:${await writtenContentSha256(raw())}`;
}

/**
 * The key versions before the content key gave a mail without Message-ID (a hash of its raw bytes): rows they
 * recorded carry it still, and the same bytes arriving again are known by it (record-mail.ts).
 */
export function rawBytesKeyOf(messageId: string | null, rawSha256: string): string | null {
  return messageId ? null : `raw:${rawSha256}`;
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
