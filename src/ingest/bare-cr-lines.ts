// An old Mac mail's bare CRs made CRLFs for mailparser, which splits lines at LF only (parse.ts; which mails are read
// so: raw-head.ts bareCrsEndLines). Its LFs and CRLFs are line ends already: a mail of mixed line ends (a relay's
// trace fields, a body rewritten in LF lines, a stray LF) reads every one of them as a line break. Only a copy is
// made: the raw mail kept, and its hashes, are the bytes as they came.
//
// The body of a file (a part neither text, nor multipart, nor an enclosed mail) sent `binary` or `8bit` is not text
// in lines: its CR bytes are the file's, and were made CRLFs too (the picture or PDF the customer sent came out
// damaged). Such a body is copied byte for byte up to the boundary line that ends it; only the line end before that
// boundary, which is the boundary's (RFC 2046 5.1.1), is made a CRLF for the parser to see it. Base64 and
// quoted-printable bodies are text in lines: their line ends are dropped when decoded, so any line end will do.

/** A line and its end: CRLF, a bare CR, an LF, or none (the last line). */
const LINE = /([^\r\n]*)(\r\n|\r|\n|)/y;

const asCrlf = (end: string) => (end === '\r' ? '\r\n' : end);

/** The mail with every bare CR a CRLF, but in the bodies of files sent binary or 8bit. */
export function withBareCrsAsCrlf(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const out: string[] = [];
  const boundaries = new Set<string>();
  let mode: 'header' | 'body' | 'verbatim' = 'header';
  let header: string[] = [];
  // In a verbatim body, a line's end is written once the next line says whether a boundary follows it.
  let heldEnd = '';
  for (let at = 0; at < text.length; ) {
    LINE.lastIndex = at;
    const [whole, line = '', end = ''] = LINE.exec(text) as RegExpExecArray;
    at += whole.length;
    const delimiter = delimiterIn(line, boundaries);
    if (mode === 'verbatim') {
      if (!delimiter) {
        out.push(heldEnd, line);
        heldEnd = end;
        continue;
      }
      out.push(asCrlf(heldEnd));
      heldEnd = '';
    }
    out.push(line, asCrlf(end));
    if (mode === 'header') {
      if (line !== '') header.push(line);
      else {
        mode = partBody(header, boundaries);
        // A forwarded mail's header block is its own: its Content-Type (and boundary) read, not the part's again.
        header = [];
      }
    } else if (delimiter === 'open') {
      mode = 'header';
      header = [];
    } else if (delimiter === 'close') mode = 'body';
  }
  out.push(heldEnd);
  return Buffer.from(out.join(''), 'latin1');
}

/** How a part's body is read, from its header lines; a multipart's boundary is added to those known (also cr-cr-lf-lines.ts). */
export function partBody(lines: string[], boundaries: Set<string>): 'header' | 'body' | 'verbatim' {
  const fields = lines.join('\r\n').replace(/\r\n[ \t]+/g, ' ');
  const type = /^content-type[ \t]*:[ \t]*([^\r\n]*)/im.exec(fields)?.[1] ?? '';
  const encoding = /^content-transfer-encoding[ \t]*:[ \t]*([^\s;]*)/im.exec(fields)?.[1]?.toLowerCase() ?? '';
  const boundary = /boundary[ \t]*=[ \t]*(?:"([^"]+)"|([^\s;]+))/i.exec(type);
  if (boundary) boundaries.add((boundary[1] ?? boundary[2] ?? '').trimEnd());
  // A multipart or an enclosed mail sent `binary` holds parts in lines; a text sent so is lines of text.
  const file = type !== '' && !/^(?:text|message|multipart)\//i.test(type);
  if (file && (encoding === 'binary' || encoding === '8bit')) return 'verbatim';
  // A forwarded mail's own header block follows its part's.
  return /^message\/rfc822/i.test(type) ? 'header' : 'body';
}

/** Whether the line is a known boundary's delimiter (`--b`) or close delimiter (`--b--`). */
export function delimiterIn(line: string, boundaries: Set<string>): 'open' | 'close' | null {
  if (!line.startsWith('--') || boundaries.size === 0) return null;
  const name = line.slice(2).trimEnd();
  if (boundaries.has(name)) return 'open';
  return name.endsWith('--') && boundaries.has(name.slice(0, -2)) ? 'close' : null;
}
