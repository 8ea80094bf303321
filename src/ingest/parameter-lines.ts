import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';

// A part's header parameter written on a line of its own without the indentation that folds it
// ("Content-Type: multipart/alternative;" then "boundary=..." at the start of the next line: some gateways,
// Verizon's and Apache James's among them). mailparser drops such a line, and with the boundary lost the whole
// text of the mail, and its attachments. parse.ts reads a mail that came out empty again with them folded back:
// in memory (withParameterLinesFolded) or, a big mail, as a stream (withParameterLinesFoldedStream), byte for byte
// the same.

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

class ParameterLinesFolded extends Transform {
  /** Whether a line was folded (else the mail passed through unchanged). */
  changed = false;
  /** The end of the text so far that may start an unfolded parameter line. */
  private carried = '';

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const text = this.carried + chunk.toString('latin1');
    // A match holds no ";" after its first character: only one from the last ";" can run past this chunk.
    const last = text.lastIndexOf(';');
    const undecided = last >= 0 && text.length - last <= MAX_CARRIED_CHARS && MAY_BE_UNFOLDED.test(text.slice(last));
    this.carried = undecided ? text.slice(last) : '';
    this.pass(undecided ? text.slice(0, last) : text);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.pass(this.carried);
    done();
  }

  private pass(text: string): void {
    if (text === '') return;
    const out = folded(text);
    this.changed ||= out !== text;
    this.push(Buffer.from(out, 'latin1'));
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
