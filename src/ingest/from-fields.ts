import { headerEnd } from './header-end.js';

// How many From fields a mail's header block has, read from its bytes. RFC 5322 allows one. A mail with two is a
// composition attack (Chen et al., "Composition Kills", USENIX Security 2020): the receiving server authenticates
// one of them (DMARC on the attacker's own domain, passing) and the parser reads the other (a customer's address),
// so the desk would believe an address nothing vouched for. Counted here, not from the parser's header lines:
// mailparser keeps only the first field's addresses, and drops a field written the obsolete way ("From :", RFC 5322
// 4.5.3), which mail servers read. The header block is the parser's (header-end.ts): a field it reads as a header is
// counted, also one after a bare CR ("\r\n\rFrom: b"), which an earlier rule took for the block's end.

/** The From fields of the header block: a line that starts "From", then spaces or tabs and a colon (not an mbox "From " line). */
export function fromFieldCount(head: Buffer): number {
  const text = head.toString('latin1');
  const block = text.slice(0, headerEnd(text)?.head ?? text.length);
  return block.match(/^from[ \t]*:/gim)?.length ?? 0;
}
