// An mbox file (RFC 4155): mails one after the other, each behind a "From <sender> <date>" line, a body line that
// starts with "From " written ">From " (mboxrd: one ">" more on any ">...From " line). `ingest` reads .mbx files,
// which are such mailboxes (Eudora's In.mbx, Outlook Express 4's), and a mail saved by mutt or formail has its line.

/** A separator: after an empty line (or first in the file), "From ", the envelope sender, a date with its time. */
const SEPARATOR = /^From \S+ .*\b\d{1,2}:\d{2}(:\d{2})?\b/;

/** Whether `head` (the file's first bytes) starts with an mbox separator line. */
export function startsWithSeparator(head: Buffer): boolean {
  const end = head.indexOf(10);
  return SEPARATOR.test(head.subarray(0, end === -1 ? head.length : end).toString('latin1'));
}

/** The mails of an mbox, in order, each without its separator line and the empty line that ends it, ">From " unescaped. */
export async function* mboxMails(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let current: Buffer[] | null = null;
  let previousBlank = true;
  const finish = (lines: Buffer[]) => {
    const last = lines.at(-1);
    if (last && /^\r?\n$/.test(last.toString('latin1'))) lines.pop();
    return Buffer.concat(lines);
  };
  function* take(line: Buffer): Generator<Buffer> {
    const text = line.toString('latin1');
    if (previousBlank && SEPARATOR.test(text)) {
      if (current && current.length > 0) yield finish(current);
      current = [];
      previousBlank = false;
      return;
    }
    current ??= [];
    current.push(/^>+From /.test(text) ? line.subarray(1) : line);
    previousBlank = /^\r?\n$/.test(text);
  }
  let rest = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      yield* take(Buffer.from(data.subarray(start, nl + 1)));
      start = nl + 1;
    }
    rest = Buffer.from(data.subarray(start));
  }
  if (rest.length > 0) yield* take(rest);
  if (current !== null && (current as Buffer[]).length > 0) yield finish(current);
}
