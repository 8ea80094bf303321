import { anyLineEndHeaderEnd, parserHeaderEnd } from './header-end.js';
import { endsLinesWithBareCr } from './raw-head.js';

// How many From fields a mail's header block has, read from its bytes. RFC 5322 allows one. A mail with two is a
// composition attack (Chen et al., "Composition Kills", USENIX Security 2020): the receiving server authenticates
// one of them (DMARC on the attacker's own domain, passing) and the parser reads the other (a customer's address),
// so the desk would believe an address nothing vouched for. Counted here, not from the parser's header lines:
// mailparser keeps only the first field's addresses, and drops a field written the obsolete way ("From :", RFC 5322
// 4.5.3), which mail servers read.
//
// The block is read both ways a reader may read it, and the larger count taken: with LF line ends (mailparser, and
// servers, on a mail of LF or CRLF lines: "\r\n\rFrom: b" is a second field to them), and with every bare CR a line
// end too (mailparser on an old Mac mail, parse.ts; a reader that takes a bare CR for a line end). Which way the
// parser reads a mail is decided on more bytes than a peek has (the whole mail, its first MiB): a body of bare-CR
// lines made an LF mail's "\r\n\rFrom: b" read the Mac way, its block ended before the second field, which a server
// reading LF lines may have authenticated. A field is named as mailparser (mailsplit) names it: the text before its
// colon, over folded lines, trimmed of what JavaScript trims ("\vFrom:", "From\xa0:", "From\r\n :" are From fields
// to it; a count of lines starting "From" missed them while the parser read them).

//
// Only the bytes read are counted (a too-large mail's peek and a big mail's parse: its first MiB). When they are a
// mail's first bytes and its header block does not end within them, a From field after them would go uncounted (a
// forged mail's block padded past them): the count is then UNENDED, and the mail believed from no one, as one with
// two From fields is (analyse-mail.ts, too-large-screen.ts). An old Mac mail's block ends at its first empty line of
// bare CRs, as the peek and the parser read it: it has no LF at all, so no LF-read empty line anywhere (every
// too-large one was held as forged).

/** The count of a header block that does not end within the bytes read: how many From fields it has is not known. */
export const UNENDED = 'unended';
/** The From addresses a mail shows (its first field's, and one more for each field after it), or UNENDED. */
export type FromCount = number | typeof UNENDED;

/**
 * The From fields of the header block (not an mbox "From " line, not a folded line's "from:"). `read`: 'whole' when
 * `head` is the whole mail; 'start' when it is only its first bytes (UNENDED if the parser's header end is not in them).
 */
export function fromFieldCount(head: Buffer, read: 'whole' | 'start' = 'whole'): FromCount {
  const text = head.toString('latin1');
  const lfEnd = parserHeaderEnd(text);
  const anyEnd = anyLineEndHeaderEnd(text);
  if (read === 'start' && !endsWithin(head, text, lfEnd !== null, anyEnd !== null)) return UNENDED;
  const lfBlock = text.slice(0, lfEnd?.head ?? text.length);
  const crBlock = text.slice(0, anyEnd?.head ?? text.length);
  return Math.max(fromFieldsIn(lfBlock, /\r?\n/g), fromFieldsIn(crBlock, /\r\n|\r|\n/g));
}

/** Whether a mail's first bytes hold the end of its header block for every reader the count reads it as. */
function endsWithin(head: Buffer, text: string, lfEnded: boolean, anyEnded: boolean): boolean {
  // The parser's end, not the earliest: a reader of LF lines goes on past a bare-CR empty line (and every empty line
  // the other way is one to the parser too).
  if (lfEnded) return true;
  // An old Mac mail, read with its bare CRs as line ends (header-end.ts headerEnd, parse.ts): ended at its empty
  // line. A reader of LF lines is still on its first line: with no LF in the bytes, no field of its can follow but
  // after a first line longer than they are (a MiB), which no server takes as one field. Bare CRs and some LFs
  // (a mixed mail) still count UNENDED: an LF reader may be between fields.
  return anyEnded && endsLinesWithBareCr(head) && !text.includes('\n');
}

/** Fields named "from" as mailsplit names them, the block's lines ended by `lineEnds` (global). */
function fromFieldsIn(block: string, lineEnds: RegExp): number {
  let count = 0;
  // The current field's text while no colon is seen: its name may end on a folded line.
  let nameSoFar: string | null = null;
  const named = (name: string) => name.trim().toLowerCase() === 'from';
  for (let start = 0, first = true; start <= block.length; first = false) {
    lineEnds.lastIndex = start;
    const end = lineEnds.exec(block);
    const line = block.slice(start, end ? end.index : block.length);
    start = end ? end.index + end[0].length : block.length + 1;
    const folded = !first && (line[0] === ' ' || line[0] === '\t');
    if (folded && nameSoFar === null) continue;
    const colon = line.indexOf(':');
    if (colon < 0) {
      nameSoFar = folded ? `${nameSoFar}\r\n${line}` : line;
      continue;
    }
    if (named(folded ? `${nameSoFar}\r\n${line.slice(0, colon)}` : line.slice(0, colon))) count++;
    nameSoFar = null;
  }
  return count;
}

/** The From count of a mail whose first field names `firstFieldAddresses` addresses and whose block has `fields`. */
export const fromCountOf = (firstFieldAddresses: number, fields: FromCount): FromCount =>
  fields === UNENDED ? UNENDED : firstFieldAddresses + Math.max(0, fields - 1);

/** Why a mail whose From count is not 1 is believed from no one. */
export const severalFromsReason = (count: FromCount): string =>
  count === UNENDED
    ? 'its header block does not end within its first MiB, all that is read of it: a From field after that, as a forged mail hides one, could not be counted'
    : `${count} From addresses`;
