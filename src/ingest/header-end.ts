// Where a mail's header block ends, read from its text (latin1): one rule for every reader of raw header bytes
// (the From-field count, the peek of a mail too large to parse, the written-content hash), so they agree on what is
// header and what is body. The empty line may end in LF, CRLF or a bare CR, and mix with the header lines' ends
// (LF lines then a CRLF blank line, as a gateway that rewrites only some lines leaves): a reader that knew only
// "\r\n\r\n" and "\n\n" read the body as header, and a forwarded mail's quoted "From:" as a second From field.

/** The empty line ending the header block: `head` is where the header ends, `body` where the body starts; null if not seen. */
export function headerEnd(head: string): { head: number; body: number } | null {
  if (/^\r?\n/.test(head)) return { head: 0, body: head.indexOf('\n') + 1 };
  if (/^\r[^\n]/.test(head)) return { head: 0, body: 1 };
  // A line end (CRLF, LF or bare CR) followed by another. `\n\r` is a bare-CR blank line after an LF or CRLF line,
  // known only once the next character is seen: a CR last in a chunk read may be the start of a CRLF.
  const match = /\r?\n\r?\n|\r\r|\n\r(?=[^\n])/.exec(head);
  return match ? { head: match.index, body: match.index + match[0].length } : null;
}
