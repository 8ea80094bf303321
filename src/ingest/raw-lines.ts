// What the main thread needs to know of a raw mail before parsing it, without loading the parser (parse.ts
// and mailparser, ~0.2 s to load: the daemon's main thread parses only single mails, after start-up).

/** How far into a mail a `charset=utf-7` is looked for. */
export const UTF7_SCAN_BYTES = 1024 * 1024;

/** Bare CRs are the line ends (a stray CR inside a CRLF mail is left alone). */
export function endsLinesWithBareCr(raw: Buffer): boolean {
  if (!raw.includes(0x0d)) return false;
  const text = raw.toString('latin1');
  return (text.match(/\r(?!\n)/g)?.length ?? 0) > (text.match(/\n/g)?.length ?? 0);
}
