import { delimiterIn, partBody } from './bare-cr-lines.js';

// A mail's lines with each run of CRs before an LF made one CRLF (cr-cr-lf.ts), walked line by line, in chunks cut
// anywhere. The body of a file (a part neither text, nor multipart, nor an enclosed mail) sent `binary` or `8bit` is
// not text in lines: a `\r\r\n` among its bytes is the file's (a picture, a PDF), also in a plain CRLF mail imported
// byte for byte from a file or stdin, and was made a CRLF too (the customer's file stored damaged). Such a body is
// passed on byte for byte up to the boundary line that ends it, as bare-cr-lines.ts keeps it in an old Mac mail;
// the line end before that boundary is the boundary's (RFC 2046 5.1.1): written as a CRLF when it is the same CR CR
// LF the boundary line ends with (a mail of CR CR LF lines), else as it came (the parser takes its CRLF or LF). Only
// a header block's lines decide which bodies are files: a field below a `\r\r\n` empty line stays the body's.

/**
 * A delimiter line is no longer (mailsplit reads none past its boundary, `--`, 998 spaces and the line end): a longer
 * line is passed on before its end comes, not held whole.
 */
const LONGEST_DELIMITER = 4096;
/** Where a line's end starts: the run of CRs before its LF, and the LF; none for a mail's last line without one. */
function endAt(line: string): number {
  if (line.charCodeAt(line.length - 1) !== 0x0a) return line.length;
  let at = line.length - 1;
  while (at > 0 && line.charCodeAt(at - 1) === 0x0d) at--;
  return at;
}
/** Each run of CRs before an LF is one line end: a CRLF. A lone LF stays an LF. */
const asRead = (end: string) => (end.length > 1 ? '\r\n' : end);

export class CrCrLfLines {
  private mode: 'header' | 'body' | 'verbatim' = 'header';
  private header: string[] = [];
  private readonly boundaries = new Set<string>();
  /** The line being read, its LF not come yet. */
  private pending = '';
  /** Part of the line being read was passed on already (a long line): it is no delimiter. */
  private midLine = false;
  /** A file's last line end, written once the next line says whether its boundary follows. */
  private heldEnd = '';

  /** What may be passed on of the mail so far. */
  push(chunk: Buffer): Buffer {
    const text = chunk.toString('latin1');
    const out: string[] = [];
    let from = 0;
    for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', from)) {
      const line = this.pending + text.slice(from, lf + 1);
      this.pending = '';
      from = lf + 1;
      this.line(line, out);
    }
    this.pending += text.slice(from);
    if (this.mode !== 'header' && this.pending.length > LONGEST_DELIMITER) this.passLongLine(out);
    return Buffer.from(out.join(''), 'latin1');
  }

  /** The rest: the last line, without an LF. */
  end(): Buffer {
    const out: string[] = [];
    if (this.pending !== '') this.line(this.pending, out);
    out.push(this.heldEnd);
    this.pending = '';
    this.heldEnd = '';
    return Buffer.from(out.join(''), 'latin1');
  }

  private line(raw: string, out: string[]): void {
    const at = endAt(raw);
    const end = raw.slice(at);
    const content = raw.slice(0, at);
    const delimiter = this.midLine ? null : delimiterIn(content, this.boundaries);
    this.midLine = false;
    if (this.mode === 'verbatim') {
      if (!delimiter) {
        out.push(this.heldEnd, content);
        this.heldEnd = end;
        return;
      }
      const boundarys = end.length > 2 && this.heldEnd.endsWith(end);
      out.push(boundarys ? `${this.heldEnd.slice(0, -end.length)}\r\n` : this.heldEnd);
      this.heldEnd = '';
    }
    out.push(content, asRead(end));
    if (this.mode === 'header') {
      if (content !== '') this.header.push(content);
      else {
        this.mode = partBody(this.header, this.boundaries);
        this.header = [];
      }
    } else if (delimiter === 'open') {
      this.mode = 'header';
      this.header = [];
    } else if (delimiter === 'close') this.mode = 'body';
  }

  /** A long line of a body passed on but for its last CRs (perhaps the start of its end): it is no delimiter. */
  private passLongLine(out: string[]): void {
    let keep = this.pending.length;
    while (keep > 0 && this.pending.charCodeAt(keep - 1) === 0x0d) keep--;
    if (this.mode === 'verbatim') out.push(this.heldEnd);
    this.heldEnd = '';
    out.push(this.pending.slice(0, keep));
    this.pending = this.pending.slice(keep);
    this.midLine = true;
  }
}
