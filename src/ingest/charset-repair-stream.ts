import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { boundaryLine, namedHeader, textPartOf, type TextPart } from './charset-repair.js';

// The repair of charset-repair.ts for a big mail, read as a stream: a mail past BIG_MAIL_BYTES lost the letters of
// its mislabelled text ("Ma�ana") that the same mail with a smaller attachment kept. The decision needs a text part's
// body before its header may be passed on, so a text part is held until the boundary after it; every other part
// (the attachments) flows through line by line, and whatever outgrows the bounds below is passed on as written.

/** A text part bigger than this (a log written as text/plain) is left as declared: it is not held whole. */
const MAX_HELD_BYTES = 1024 * 1024;
/** A line longer than this (8-bit bytes written raw) is taken in pieces: it is no boundary and no header. */
const MAX_LINE_BYTES = 64 * 1024;

/** What the transform holds back: a header block, or a text part's header and body until its boundary. */
type Held = { kind: 'header'; lines: string[]; bytes: number } | { kind: 'text'; part: TextPart; blank: string; body: string[]; bytes: number };

class TextCharsetsNamed extends Transform {
  /** Whether a part's charset was named (else the mail passed through unchanged). */
  changed = false;
  private readonly boundaries = new Set<string>();
  /** The mail starts with its header block. */
  private held: Held | null = { kind: 'header', lines: [], bytes: 0 };
  /** The text after the last line feed. */
  private partial = '';
  /** The next line is the end of a line already taken in pieces. */
  private midLine = false;
  private out: string[] = [];

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const text = this.partial + chunk.toString('latin1');
    let from = 0;
    while (from < text.length) {
      // In a part's body only a boundary line matters: the lines up to the next one that starts with "--" go on whole.
      if (this.held === null && !this.midLine && !text.startsWith('--', from)) {
        const dashes = text.indexOf('\n--', from);
        const to = dashes === -1 ? text.lastIndexOf('\n') + 1 : dashes + 1;
        if (to <= from) break;
        this.out.push(text.slice(from, to));
        from = to;
        continue;
      }
      const end = text.indexOf('\n', from);
      if (end === -1) break;
      this.line(text.slice(from, end + 1));
      from = end + 1;
    }
    this.partial = text.slice(from);
    if (this.partial.length > MAX_LINE_BYTES) {
      // Its pieces are a text part's (HTML written on one line) while it is held; anything else is passed on.
      if (this.held?.kind !== 'text') this.passHeld();
      this.midLine = true;
      this.piece(this.partial);
      this.partial = '';
    }
    this.send();
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.partial !== '') this.line(this.partial);
    // A text part that runs to the end of the mail: decided on what there is, as charset-repair.ts does.
    if (this.held?.kind === 'text') this.decide(this.held);
    this.passHeld();
    this.send();
    done();
  }

  private line(line: string): void {
    if (this.midLine) {
      this.midLine = false;
      return this.piece(line);
    }
    const held = this.held;
    if (held?.kind === 'header') return this.headerLine(held, line);
    if (held?.kind === 'text') {
      if (boundaryLine(line, this.boundaries) === null) return this.hold(held, held.body, line);
      this.decide(held);
    }
    this.out.push(line);
    // A part's header block follows its boundary line (not the closing one).
    if (boundaryLine(line, this.boundaries) === 'opens') this.held = { kind: 'header', lines: [], bytes: 0 };
  }

  /** A piece of a line passed on in pieces. */
  private piece(text: string): void {
    if (this.held?.kind === 'text') this.hold(this.held, this.held.body, text);
    else this.out.push(text);
  }

  private headerLine(held: Held & { kind: 'header' }, line: string): void {
    if (line.trim() !== '') return this.hold(held, held.lines, line);
    const part = textPartOf(held.lines, this.boundaries);
    if (part) {
      this.held = { kind: 'text', part, blank: line, body: [], bytes: 0 };
      return;
    }
    this.out.push(held.lines.join(''), line);
    this.held = null;
  }

  private hold(held: Held, lines: string[], line: string): void {
    lines.push(line);
    held.bytes += line.length;
    if (held.bytes > MAX_HELD_BYTES) this.passHeld();
  }

  /** The text part with its charset named if its body is not UTF-8. */
  private decide(held: Held & { kind: 'text' }): void {
    const named = namedHeader(held.part, held.body.join(''));
    this.changed ||= named !== null;
    this.out.push((named ?? held.part.header).join(''), held.blank, held.body.join(''));
    this.held = null;
  }

  /** Whatever is held, passed on as written. */
  private passHeld(): void {
    const held = this.held;
    if (held?.kind === 'header') this.out.push(held.lines.join(''));
    if (held?.kind === 'text') this.out.push(held.part.header.join(''), held.blank, held.body.join(''));
    this.held = null;
  }

  private send(): void {
    if (this.out.length === 0) return;
    this.push(Buffer.from(this.out.join(''), 'latin1'));
    this.out = [];
  }
}

/**
 * The mail with the charset of each text part that mailparser would read as UTF-8 named, as withTextCharsetsNamed
 * does for a mail in memory; `changed()`, once it has been read, tells whether any was. An error of `input` is the
 * returned stream's; destroying the returned stream destroys `input`.
 */
export function withTextCharsetsNamedStream(input: Readable): { stream: Readable; changed: () => boolean } {
  const named = new TextCharsetsNamed();
  return { stream: pipeline(input, named, () => undefined), changed: () => named.changed };
}
