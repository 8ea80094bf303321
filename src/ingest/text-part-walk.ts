import { boundaryLine, textPartOf, type TextPart } from './charset-repair.js';

// A big mail's parts, walked as its text streams by (latin1: one char a byte), for charset-repair-stream.ts: each
// header block is held until it ends, its text parts' bodies are shown to a visitor, and everything else flows
// through. Only boundary lines matter in a body, so the lines up to the next one that starts with "--" go on whole;
// memory stays bounded by the limits below, and the walk does not depend on how the text is cut into chunks (the
// mail is walked twice, once to judge its text parts and once to name their charsets: both walks must agree).

/** A header block longer than this is no header block: it is passed on as written, and its part taken as no text part. */
const MAX_HEADER_BYTES = 1024 * 1024;
/** A body line longer than this (8-bit bytes written raw) is taken in pieces: it is no boundary. */
const MAX_LINE_BYTES = 64 * 1024;

export interface PartVisitor {
  /**
   * A part's header block, the `index`-th of the mail (the mail's own is the first), as written; `part` when it is a
   * text part whose charset may need naming (charset-repair.ts textPartOf). Returns the lines to pass on.
   */
  header(index: number, lines: string[], part: TextPart | null): string[];
  /** A piece of the current text part's body, as written. */
  textBody(text: string): void;
  /** The current text part's body ended: at a boundary line, or at the end of the mail. */
  textEnd(): void;
}

export class TextPartWalk {
  private readonly boundaries = new Set<string>();
  /** The header block being read (the mail starts with one); null in a body. */
  private header: { lines: string[]; bytes: number } | null = { lines: [], bytes: 0 };
  private inText = false;
  private index = 0;
  /** The text after the last line feed. */
  private partial = '';
  /** The next line is the end of a line already taken in pieces. */
  private midLine = false;
  private out: string[] = [];

  /** `passOn`: whether the text is passed on (false: only looked at, nothing collected). */
  constructor(private readonly visitor: PartVisitor, private readonly passOn: boolean) {}

  /** Walks the next chunk; returns what is passed on. */
  add(chunk: string): string {
    const text = this.partial + chunk;
    let from = 0;
    while (from < text.length) {
      if (this.header === null && !this.midLine && !text.startsWith('--', from)) {
        const dashes = text.indexOf('\n--', from);
        const to = dashes === -1 ? text.lastIndexOf('\n') + 1 : dashes + 1;
        if (to <= from) break;
        this.body(text.slice(from, to));
        from = to;
        continue;
      }
      const end = text.indexOf('\n', from);
      if (end === -1) break;
      this.line(text.slice(from, end + 1));
      from = end + 1;
    }
    this.partial = text.slice(from);
    // Past what a whole line could be (in a header block: what is left of its bound), it is taken in pieces.
    if (this.partial.length > (this.header ? MAX_HEADER_BYTES - this.header.bytes : MAX_LINE_BYTES)) {
      this.longLine(this.partial);
      this.partial = '';
      this.midLine = true;
    }
    return this.take();
  }

  /** The end of the mail: a text part that runs to it is judged on what there is, as charset-repair.ts does. */
  end(): string {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
    this.endText();
    if (this.header) this.passHeader();
    return this.take();
  }

  private line(line: string): void {
    if (this.midLine) {
      this.midLine = false;
      return this.body(line);
    }
    if (this.header) return this.headerLine(this.header, line);
    if (line.length > MAX_LINE_BYTES) return this.longLine(line);
    const boundary = boundaryLine(line, this.boundaries);
    if (boundary === null) return this.body(line);
    this.endText();
    this.pass(line);
    // A part's header block follows its boundary line (not the closing one).
    if (boundary === 'opens') this.header = { lines: [], bytes: 0 };
  }

  /** A line too long to be a boundary or to fit in its header block, whole or its first piece. */
  private longLine(text: string): void {
    if (this.header) this.passHeader();
    this.body(text);
  }

  private headerLine(header: { lines: string[]; bytes: number }, line: string): void {
    // Checked first, as it is for a line still coming in pieces: a blank one that long ends no header block either.
    if (header.bytes + line.length > MAX_HEADER_BYTES) return this.longLine(line);
    if (line.trim() !== '') {
      header.lines.push(line);
      header.bytes += line.length;
      return;
    }
    const part = textPartOf(header.lines, this.boundaries);
    const lines = this.visitor.header(this.index++, header.lines, part);
    this.pass(lines.join(''));
    this.pass(line);
    this.header = null;
    this.inText = part !== null;
  }

  /** The header block held, passed on as written; what follows is taken as the body of no text part. */
  private passHeader(): void {
    this.pass((this.header?.lines ?? []).join(''));
    this.header = null;
    this.inText = false;
  }

  private body(text: string): void {
    if (this.inText) this.visitor.textBody(text);
    this.pass(text);
  }

  private endText(): void {
    if (this.inText) this.visitor.textEnd();
    this.inText = false;
  }

  private pass(text: string): void {
    if (this.passOn && text !== '') this.out.push(text);
  }

  private take(): string {
    const text = this.out.join('');
    this.out = [];
    return text;
  }
}
