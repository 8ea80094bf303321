// A part's file name as its header wrote it, where mailparser's reading loses it: Netscape 4 and old Windows
// clients wrote the file's path unescaped (`filename="C:\TEMP\nsmailEG.png"`), libmime reads each backslash as
// the escape of the letter after it, and the path's folders ran into the name ("C:TEMPnsmailEG.png"). The
// literal value keeps the separators, so safeFilename can take the base name, as Thunderbird and Gmail show it.

/** A raw header line as mailsplit keeps it: its key lower-cased, the line as it came (bytes as Latin-1 code units). */
export interface RawHeaderLine {
  key: string;
  line: string;
}

// The parameter's quoted value, up to the next quote: an unescaped path has no quote in it.
const QUOTED_PARAM = (name: string) => new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*"([^"]*)"`, 'i');
const FILENAME = QUOTED_PARAM('filename');
const NAME = QUOTED_PARAM('name');
const HAS_FILENAME = /(?:^|;)\s*filename\*?(?:\d+\*?)?\s*=/i;
const HAS_NAME = /(?:^|;)\s*name\*?(?:\d+\*?)?\s*=/i;

/**
 * The name a part's header gives it, taken literally, when it is a path written without escapes (a backslash
 * before a letter: nobody escapes a letter); null when mailparser's reading of it stands. Content-Disposition's
 * filename first, as mailparser takes it, else Content-Type's name.
 */
export function unescapedPathName(lines: readonly RawHeaderLine[] | false | undefined): string | null {
  if (!lines) return null;
  const value = (key: string) => lines.find((l) => l.key === key)?.line.slice(key.length + 1).replace(/\r?\n[ \t]+/g, ' ');
  const disposition = value('content-disposition');
  if (disposition && HAS_FILENAME.test(disposition)) return literalPath(FILENAME.exec(disposition)?.[1]);
  const type = value('content-type');
  return type && HAS_NAME.test(type) ? literalPath(NAME.exec(type)?.[1]) : null;
}

function literalPath(quoted: string | undefined): string | null {
  // An encoded word ("=?utf-8?Q?...?=") is mailparser's to decode.
  if (!quoted || !/\\[^\\"]/.test(quoted) || /=\?[^?]+\?[bq]\?/i.test(quoted)) return null;
  const bytes = Buffer.from(quoted, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return quoted; // Not UTF-8: the Latin-1 a Windows client of that age wrote.
  }
}
