// How many From fields a mail's header block has, read from its bytes. RFC 5322 allows one. A mail with two is a
// composition attack (Chen et al., "Composition Kills", USENIX Security 2020): the receiving server authenticates
// one of them (DMARC on the attacker's own domain, passing) and the parser reads the other (a customer's address),
// so the desk would believe an address nothing vouched for. Counted here, not from the parser's header lines:
// mailparser keeps only the first field's addresses, and drops a field written the obsolete way ("From :", RFC 5322
// 4.5.3), which mail servers read.

/** Where the header block ends: the first empty line (CRLF or LF), or the end of what was read. */
function headerBlockEnd(head: Buffer): number {
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  const ends = [crlf, lf].filter((at) => at !== -1);
  return ends.length > 0 ? Math.min(...ends) : head.length;
}

/** The From fields of the header block: a line that starts "From", then spaces or tabs and a colon (not an mbox "From " line). */
export function fromFieldCount(head: Buffer): number {
  const block = head.subarray(0, headerBlockEnd(head)).toString('latin1');
  return block.match(/^from[ \t]*:/gim)?.length ?? 0;
}
