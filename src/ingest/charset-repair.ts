import { isUtf8 } from 'node:buffer';

// mailparser reads a text part whose charset is missing, or declared UTF-8 or ASCII, as UTF-8: the Latin-1 bytes
// of old clients and web forms become U+FFFD, and an HTML part's own <meta charset> is never looked at. When what
// it read has U+FFFD, the mail is read again with each such part's charset named (parse.ts): its <meta> charset,
// else Windows-1252, in which every byte is a letter (a superset of Latin-1, what such senders write).

const FALLBACK_CHARSET = 'windows-1252';
/** Charsets mailparser does not convert from (it takes the bytes as UTF-8). */
const READ_AS_UTF8 = /^(?:utf-?8|us-?ascii|ascii)$/i;
const META_CHARSET = /<meta\b[^>]*?charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})/i;
/** How far into a part's body its <meta> is looked for. */
export const META_SCAN_CHARS = 4096;

/** The raw mail with the charset of each text part that mailparser would read as UTF-8 named; null when none is. */
export function withTextCharsetsNamed(raw: Buffer): Buffer | null {
  const lines = raw.toString('latin1').split(/(?<=\n)/);
  const boundaries = new Set<string>();
  const out: string[] = [];
  let changed = false;
  let header: string[] | null = [];
  for (const [i, line] of lines.entries()) {
    if (header === null) {
      out.push(line);
      // A part's header block follows its boundary line (not the closing one).
      if (boundaryLine(line, boundaries) === 'opens') header = [];
      continue;
    }
    if (line.trim() !== '') {
      header.push(line);
      continue;
    }
    const part = textPartOf(header, boundaries);
    const named = part && namedHeader(part, partBody(lines, i + 1, boundaries));
    changed ||= named !== null;
    out.push(...(named ?? header), line);
    header = null;
  }
  if (header) out.push(...header);
  return changed ? Buffer.from(out.join(''), 'latin1') : null;
}

/** A text part whose charset mailparser would take as UTF-8: whether it is depends on its body. */
export interface TextPart {
  header: string[];
  /** Where its Content-Type field is in `header` (-1: none) and the line after it. */
  at: number;
  end: number;
  field: string;
  type: 'text/plain' | 'text/html';
  encoding: string;
}

/** The part of this header block that needs its body looked at, or null; records the block's boundary. */
export function textPartOf(header: string[], boundaries: Set<string>): TextPart | null {
  const at = header.findIndex((l) => /^content-type\s*:/i.test(l));
  let end = at + 1;
  while (at >= 0 && end < header.length && /^[ \t]/.test(header[end] as string)) end++;
  const field = at >= 0 ? header.slice(at, end).join('') : '';
  const boundary = /boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(field);
  if (boundary) boundaries.add((boundary[1] ?? boundary[2]) as string);
  const type = at >= 0 ? (/^content-type\s*:\s*([^;\s]+)/i.exec(field)?.[1] ?? '').toLowerCase() : 'text/plain';
  if (type !== 'text/plain' && type !== 'text/html') return null;
  const declared = /charset\s*=\s*"?([^";\s]+)/i.exec(field)?.[1];
  if (declared && !READ_AS_UTF8.test(declared)) return null;
  const encoding = (header.find((l) => /^content-transfer-encoding\s*:/i.test(l)) ?? '').split(':')[1]?.trim().toLowerCase() ?? '';
  return { header, at, end, field, type, encoding };
}

/** The part's header block with its charset named, or null when its body (latin1 text, as written) is UTF-8 indeed. */
function namedHeader(part: TextPart, body: string): string[] | null {
  // A part that is UTF-8 indeed is read right: only one whose bytes are not is named.
  return isUtf8(decoded(body, part.encoding)) ? null : headerWithCharset(part, body.slice(0, META_SCAN_CHARS));
}

/**
 * The header block of a part whose bytes are not UTF-8 with its charset named: the <meta> one of an HTML part (looked
 * for in `bodyStart`, its body's first META_SCAN_CHARS as written), else Windows-1252.
 */
export function headerWithCharset(part: TextPart, bodyStart: string): string[] {
  const { header, at, end, field, type } = part;
  const meta = type === 'text/html' ? META_CHARSET.exec(bodyStart)?.[1] : undefined;
  const charset = meta && !READ_AS_UTF8.test(meta) ? meta : FALLBACK_CHARSET;
  // Its other parameters (format=flowed...) kept, on one line.
  const kept = at >= 0 ? field.replace(/\r?\n[ \t]+/g, ' ').replace(/;\s*charset\s*=\s*"?[^";\s]+"?/i, '').trimEnd() : `Content-Type: ${type}`;
  const named = `${kept}; charset=${charset}\r\n`;
  return at >= 0 ? [...header.slice(0, at), named, ...header.slice(end)] : [...header, named];
}

/** A part's body as written (latin1 text), up to the next boundary line of its mail. */
function partBody(lines: string[], from: number, boundaries: Set<string>): string {
  let to = from;
  while (to < lines.length && boundaryLine(lines[to] as string, boundaries) === null) to++;
  return lines.slice(from, to).join('');
}

/** A boundary line of the mail: one that opens a part, the closing one (`--boundary--`), or null. */
export function boundaryLine(line: string, boundaries: Set<string>): 'opens' | 'closes' | null {
  const m = /^--(.+?)(--)?\s*$/.exec(line);
  if (!m || !boundaries.has(m[1] as string)) return null;
  return m[2] ? 'closes' : 'opens';
}

/** The part's bytes once its transfer encoding is undone. */
function decoded(body: string, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body, 'base64');
  if (encoding === 'quoted-printable') {
    return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  }
  return Buffer.from(body, 'latin1');
}
