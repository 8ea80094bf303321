import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';

// A part's header parameter written on a line of its own without the indentation that folds it
// ("Content-Type: multipart/alternative;" then "boundary=..." at the start of the next line: some gateways,
// Verizon's and Apache James's among them). mailparser drops such a line, and with the boundary lost the whole
// text of the mail, and its attachments. parse.ts reads a mail that came out empty again with them folded back:
// in memory (withParameterLinesFolded) or, a big mail, as a stream (withParameterLinesFoldedStream), byte for byte
// the same; a big one only when its first reading saw such a line (withParameterLinesSeen).

const PARAMETER_NAMES = ['boundary', 'charset', 'name', 'filename', 'format', 'delsp', 'type', 'report-type', 'protocol', 'micalg'];
const UNFOLDED = new RegExp(`(;[ \\t]*\\r?\\n)((?:${PARAMETER_NAMES.join('|')})[ \\t]*=)`, 'gi');
const LONGEST_NAME = Math.max(...PARAMETER_NAMES.map((n) => n.length));
/** The end of a chunk that may be the start of an unfolded parameter line: decided with the next chunk. */
const MAY_BE_UNFOLDED = new RegExp(`^;[ \\t]*(?:\\r|\\r?\\n[a-z-]{0,${LONGEST_NAME}}[ \\t]*)?$`, 'i');
/** A longer undecided end (a run of blanks after a ";") is passed on as written: memory stays bounded. */
const MAX_CARRIED_CHARS = 64 * 1024;

const folded = (text: string) => text.replace(UNFOLDED, '$1\t$2');

/** The mail with its unfolded parameter lines folded back (a tab in front), or null when it has none. */
export function withParameterLinesFolded(raw: Buffer): Buffer | null {
  const text = raw.toString('latin1');
  const out = folded(text);
  return out === text ? null : Buffer.from(out, 'latin1');
}

/** UNFOLDED for a test (a global regex keeps its place between tests). */
const HAS_UNFOLDED = new RegExp(UNFOLDED.source, 'i');
const SEMICOLON = 0x3b;

/**
 * A mail's text cut into pieces that are decided on their own: a match holds no ";" after its first character, so
 * only one from the last ";" of a chunk can run past it, and that end is carried to the next chunk.
 */
class Pieces {
  private carried = '';

  /** Whether an end is carried: a chunk without ";" is a piece of its own only when none is. */
  get carrying(): boolean {
    return this.carried !== '';
  }

  /** The text decided once `chunk` is added. */
  take(chunk: Buffer): string {
    const text = this.carried + chunk.toString('latin1');
    const last = text.lastIndexOf(';');
    const undecided = last >= 0 && text.length - last <= MAX_CARRIED_CHARS && MAY_BE_UNFOLDED.test(text.slice(last));
    this.carried = undecided ? text.slice(last) : '';
    return undecided ? text.slice(0, last) : text;
  }

  /** What is carried at the end of the mail. */
  rest(): string {
    const rest = this.carried;
    this.carried = '';
    return rest;
  }
}

class ParameterLinesFolded extends Transform {
  /** Whether a line was folded (else the mail passed through unchanged). */
  changed = false;
  private readonly pieces = new Pieces();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pass(this.pieces.take(chunk));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.pass(this.pieces.rest());
    done();
  }

  private pass(text: string): void {
    if (text === '') return;
    const out = folded(text);
    this.changed ||= out !== text;
    this.push(Buffer.from(out, 'latin1'));
  }
}

/** The mail as it is, looked at on its way: `found` once a line withParameterLinesFolded would fold is seen. */
class ParameterLinesSeen extends Transform {
  found = false;
  private readonly pieces = new Pieces();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // Attachments (base64) hold no ";": their chunks are not turned into text.
    if (!this.found && (this.pieces.carrying || chunk.includes(SEMICOLON))) this.found = HAS_UNFOLDED.test(this.pieces.take(chunk));
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.found ||= HAS_UNFOLDED.test(this.pieces.rest());
    done();
  }
}

/**
 * The mail with its unfolded parameter lines folded back, as withParameterLinesFolded does for a mail in memory,
 * passed on as it arrives (at most the end of a chunk after a ";" is held); `changed()`, once it has been read,
 * tells whether any line was. An error of `input` is the returned stream's; destroying it destroys `input`.
 */
export function withParameterLinesFoldedStream(input: Readable): { stream: Readable; changed: () => boolean } {
  const fold = new ParameterLinesFolded();
  return { stream: pipeline(input, fold, () => undefined), changed: () => fold.changed };
}

/**
 * The mail passed on as it is, with `found()` telling, once it has been read, whether withParameterLinesFoldedStream
 * would fold a line back: a big mail read as nothing is streamed again folded back only then (parse.ts), not once
 * more for nothing. An error of `input` is the returned stream's; destroying it destroys `input`.
 */
export function withParameterLinesSeen(input: Readable): { stream: Readable; found: () => boolean } {
  const look = new ParameterLinesSeen();
  return { stream: pipeline(input, look, () => undefined), found: () => look.found };
}
