// Files sent uuencoded: Outlook 2000 and Netscape did it in plain-text mail, and Unix scripts still do
// (`uuencode report.pdf report.pdf | mail`). A file may sit in the text itself, between a "begin 644 name" line
// and an "end" line, or fill a MIME part whose Content-Transfer-Encoding is x-uuencode, which mailparser passes
// on undecoded. Either way the agent read pages of "M9W5E..." lines and got no file, or a file nothing opens.
// Pure: lines in, bytes out (encoded-parts.ts reads a big part's lines from the store as a stream).

/** A part's Content-Transfer-Encoding that says uuencode. */
export const UUENCODE_TRANSFER = /^(x-)?uu(encode|e)?$/;
const BEGIN = /^begin [0-7]{3,4} (.+)$/;

/** The file's name a "begin" line gives; null when it is no "begin 644 name" line. */
export function beginName(line: string): string | null {
  return BEGIN.exec(line.trimEnd())?.[1]?.trim() || null;
}

/** The bytes of one uuencoded line, or null when it is not one (its length character promises more than it has). */
export function decodeLine(line: string): Buffer | null {
  if (!/^[\x20-\x60]+$/.test(line)) return null;
  const length = (line.charCodeAt(0) - 32) & 63;
  const chars = line.slice(1);
  // Some relays strip trailing spaces, which are zero bits here: a short line is read as if they were still there.
  if (chars.length + 4 < Math.ceil(length / 3) * 4) return null;
  const out = Buffer.alloc(length);
  const value = (i: number) => (chars.charCodeAt(i) - 32) & 63;
  for (let i = 0, o = 0; o < length; i += 4) {
    const [a, b, c, d] = [value(i), value(i + 1), value(i + 2), value(i + 3)];
    out[o++] = (a << 2) | (b >> 4);
    if (o < length) out[o++] = ((b & 15) << 4) | (c >> 2);
    if (o < length) out[o++] = ((c & 3) << 6) | d;
  }
  return out;
}

export interface UuencodedFile {
  name: string;
  content: Buffer;
}

/** The file whose "begin" line is lines[start]: its bytes and the index of its "end" line; null when it is not one. */
function fileAt(lines: string[], start: number): { file: UuencodedFile; end: number } | null {
  const name = beginName(lines[start]!);
  if (!name) return null;
  const chunks: Buffer[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trimEnd() === 'end') return { file: { name, content: Buffer.concat(chunks) }, end: i };
    if (line === '') return null;
    const bytes = decodeLine(line);
    if (!bytes) return null;
    chunks.push(bytes);
  }
  return null;
}

/** A part sent with Content-Transfer-Encoding x-uuencode: the file in it, or null when it holds none. */
export function uudecodePart(content: Buffer): UuencodedFile | null {
  const lines = content.toString('latin1').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith('begin ')) {
      const found = fileAt(lines, i);
      if (found) return found.file;
    }
  }
  return null;
}

/**
 * The files uuencoded in a plain text, and the text without them. Only whole blocks, "begin" to "end" with every
 * line between a uuencoded one, are taken: a customer's "begin 644 ..." quoted in a sentence stays as written.
 */
export function takeUuencodedFiles(text: string): { text: string; files: UuencodedFile[] } {
  if (!text.includes('begin ')) return { text, files: [] };
  const lines = text.split('\n');
  const kept: string[] = [];
  const files: UuencodedFile[] = [];
  for (let i = 0; i < lines.length; i++) {
    const found = lines[i]!.startsWith('begin ') ? fileAt(lines, i) : null;
    if (found) {
      files.push(found.file);
      i = found.end;
    } else kept.push(lines[i]!);
  }
  return files.length === 0 ? { text, files } : { text: kept.join('\n').replace(/\s+$/, '\n'), files };
}
