// What is read of a raw mail's bytes before it is parsed. Apart from the parser (parse.ts): the recording
// thread reads a big mail's head (pipeline.ts) without loading mailparser.

/** How far into a mail a `charset=utf-7` is looked for. */
export const UTF7_SCAN_BYTES = 1024 * 1024;

/** Bare CRs are the line ends (a stray CR inside a CRLF mail is left alone). */
export function endsLinesWithBareCr(raw: Buffer): boolean {
  // Counted on the bytes: every mail passes here, and a copy of it as text with two regex scans (an array of
  // every line end) showed in the preparation worker's profile.
  let bareCrs = 0;
  for (let at = raw.indexOf(0x0d); at !== -1; at = raw.indexOf(0x0d, at + 1)) if (raw[at + 1] !== 0x0a) bareCrs++;
  if (bareCrs === 0) return false;
  let lineFeeds = 0;
  for (let at = raw.indexOf(0x0a); at !== -1 && lineFeeds < bareCrs; at = raw.indexOf(0x0a, at + 1)) lineFeeds++;
  return bareCrs > lineFeeds;
}
