import { bareCrsEndLines } from './raw-head.js';

// Where a mail's header block ends, read from its text (latin1), as mailparser will read it: the peek of a mail too
// large to parse must see the fields the parser sees, and the From-field count reads the block both ways
// (from-fields.ts: parserHeaderEnd and anyLineEndHeaderEnd), or a second From a reader takes for a header goes uncounted. mailparser (mailsplit) splits lines at LF only and ends the block at the
// first line that is empty or a lone CR before its LF; a bare CR elsewhere ends nothing ("From: a\r\n\rFrom: b"
// is two From fields to it). Only an old Mac mail, whose line ends are bare CRs (also with some LF lines a relay
// added), is parsed with each bare CR made a CRLF (parse.ts, raw-head.ts bareCrsEndLines): its block ends at its
// first empty line whatever its line ends.

/** The empty line ending the header block: `head` is where the header ends, `body` where the body starts; null if not seen. */
export function headerEnd(head: string): { head: number; body: number } | null {
  // Read only for a mail too large to parse (peek-headers.ts): the text's bytes copied back for the one rule.
  return bareCrsEndLines(Buffer.from(head, 'latin1')) ? anyLineEndHeaderEnd(head) : parserHeaderEnd(head);
}

/**
 * The first empty line whatever its line end and those of the lines before it (LF, CRLF, a bare CR, mixed): the
 * header end of a mail whose bare CRs are line ends (raw-head.ts), and of the written-content hash
 * (written-content.ts), whose keys of stored mails must not change.
 */
export function anyLineEndHeaderEnd(head: string): { head: number; body: number } | null {
  if (/^\r?\n/.test(head)) return { head: 0, body: head.indexOf('\n') + 1 };
  if (/^\r[^\n]/.test(head)) return { head: 0, body: 1 };
  // A line end (CRLF, LF or bare CR) followed by another. `\n\r` is a bare-CR blank line after an LF or CRLF line,
  // known only once the next character is seen: a CR last in a chunk read may be the start of a CRLF.
  const match = /\r?\n\r?\n|\r\r|\n\r(?=[^\n])/.exec(head);
  return match ? { head: match.index, body: match.index + match[0].length } : null;
}

/** mailsplit's rule: the first LF-ended line that is empty or a lone CR. */
export function parserHeaderEnd(head: string): { head: number; body: number } | null {
  const match = /(?:^|\n)(\r?\n)/.exec(head);
  if (!match) return null;
  const body = match.index + match[0].length;
  const emptyLine = body - (match[1] as string).length;
  // The header ends before the line end of its last line (LF or CRLF).
  const end = emptyLine === 0 ? 0 : emptyLine - 1;
  return { head: end > 0 && head[end - 1] === '\r' ? end - 1 : end, body };
}
