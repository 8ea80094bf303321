// An mbox file (RFC 4155): mails one after the other, each behind a "From <sender> <date>" line, a body line that
// starts with "From " written ">From " (mboxrd: one ">" more on any ">...From " line). `ingest` reads .mbx files,
// which are such mailboxes (Eudora's In.mbx, Outlook Express 4's), and a mail saved by mutt or formail has its line.
// The file is scanned once for where its mails start, keeping only the first bytes of each line, so neither a big
// mail nor a long line is ever held (README: a big mail streams); each mail is then read from its byte range.

/**
 * A separator's line: "From ", the envelope sender, an asctime date ("Mon Jan 01 12:00:00 2001", the day often
 * space-padded after two spaces), a zone before or after the year and "remote from <host>" as old writers added
 * them. A body line such as "From 9:00 to 11:30 the portal failed" is none: it was taken for one and cut a mail.
 */
const SEPARATOR =
  /^From \S+ +(Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d{2}(:\d{2})?( +([A-Z]{1,5}|[+-]\d{4}))? +\d{4}( +([A-Z]{1,5}|[+-]\d{4}))?( +remote from \S+)? *\r?\n?$/i;
/** A header field's start: a separator is followed by the mail's first header (an empty line is none). */
const HEADER_FIELD = /^[!-9;-~]+:/;
/** The bytes of a line looked at: a separator or a field name is shorter; a longer line is neither. */
const LINE_HEAD_BYTES = 200;

/** Whether `head` (the file's first bytes) starts with an mbox separator line followed by a header field. */
export function startsWithSeparator(head: Buffer): boolean {
  const end = head.indexOf(10);
  if (end === -1 || end >= LINE_HEAD_BYTES) return false;
  return SEPARATOR.test(head.toString('latin1', 0, end + 1)) && HEADER_FIELD.test(head.toString('latin1', end + 1, end + 1 + LINE_HEAD_BYTES));
}

/** A mail's bytes in the file: after its separator line, before the empty line that ends it (`end` excluded). */
export interface MailRange {
  start: number;
  end: number;
}

/**
 * The byte ranges of an mbox's mails, in order, from one pass over its chunks: linear (each chunk is searched for
 * line ends once) and in bounded memory (at most LINE_HEAD_BYTES of the current line are kept, whatever its length).
 */
export async function mboxMailRanges(chunks: AsyncIterable<Buffer>): Promise<MailRange[]> {
  const separators: Array<{ start: number; contentStart: number; blankBefore: number }> = [];
  let candidate: (typeof separators)[number] | null = null;
  const head = Buffer.alloc(LINE_HEAD_BYTES);
  let headLength = 0;
  let lineStart = 0;
  // The line before a separator is empty (or there is none: the file's start); its length is dropped from the mail.
  let previousBlank = true;
  let previousLength = 0;
  let lastBlank = false;
  const endLine = (lineEnd: number) => {
    const text = head.toString('latin1', 0, headLength);
    if (candidate && HEADER_FIELD.test(text)) separators.push(candidate);
    candidate = null;
    const whole = lineEnd - lineStart <= LINE_HEAD_BYTES;
    if (previousBlank && whole && SEPARATOR.test(text)) candidate = { start: lineStart, contentStart: lineEnd, blankBefore: previousLength };
    previousBlank = lastBlank = whole && /^\r?\n$/.test(text);
    previousLength = lineEnd - lineStart;
    lineStart = lineEnd;
    headLength = 0;
  };
  let offset = 0;
  for await (const chunk of chunks) {
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(10, from);
      const to = nl === -1 ? chunk.length : nl + 1;
      if (headLength < LINE_HEAD_BYTES) headLength += chunk.copy(head, headLength, from, Math.min(to, from + LINE_HEAD_BYTES - headLength));
      from = to;
      if (nl !== -1) endLine(offset + to);
    }
    offset += chunk.length;
  }
  if (offset > lineStart) endLine(offset);
  // The last mail ends before the file's last line when that is empty, as every other one before its separator.
  const fileEnd = lastBlank ? offset - previousLength : offset;
  return separators.map((s, i) => {
    const next = separators[i + 1];
    return { start: s.contentStart, end: Math.max(s.contentStart, next ? next.start - next.blankBefore : fileEnd) };
  });
}
