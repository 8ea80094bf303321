import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';

// A part's header parameter written on a line of its own without the indentation that folds it
// ("Content-Type: multipart/alternative;" then "boundary=..." at the start of the next line: some gateways,
// Verizon's and Apache James's among them). mailparser drops such a line, and with the boundary lost the whole
// text of the mail, and its attachments. parse.ts reads a mail that came out empty again with them folded back:
// in memory (withParameterLinesFolded) or, a big mail, as a stream (withParameterLinesFoldedStream), byte for byte
// the same; a big one only when its first reading saw such a line (withParameterLinesSeen).
// The same repair puts back the ";" of a Content-Type whose first parameter is folded onto the next line without it
// ("Content-Type: multipart/mixed" then "\tboundary=...": stalwart's malformed/017): mailparser reads the folded
// line as part of the type and loses the boundary (or a file's name) just the same.

const PARAMETER_NAMES = ['boundary', 'charset', 'name', 'filename', 'format', 'delsp', 'type', 'report-type', 'protocol', 'micalg'];
const UNFOLDED = new RegExp(`(;[ \\t]*\\r?\\n)((?:${PARAMETER_NAMES.join('|')})[ \\t]*=)`, 'gi');
const LONGEST_NAME = Math.max(...PARAMETER_NAMES.map((n) => n.length));
/** The end of a chunk that may be the start of an unfolded parameter line: decided with the next chunk. */
const MAY_BE_UNFOLDED = new RegExp(`^;[ \\t]*(?:\\r|\\r?\\n[a-z-]{0,${LONGEST_NAME}}[ \\t]*)?$`, 'i');
/** A longer undecided end (a run of blanks after a ";") is passed on as written: memory stays bounded. */
const MAX_CARRIED_CHARS = 64 * 1024;

/** A type or subtype (RFC 2045's token, at most 127 characters: RFC 6838). */
const TOKEN = "[!#$%&'*+.^_`|~0-9a-z-]{1,127}";
const NAMES = PARAMETER_NAMES.join('|');
/** A parameter's name and "=" (RFC 2231's `name*0*=` too). */
const PARAMETER = `(?:${NAMES})(?:\\*\\d{1,3})?\\*?[ \\t]{0,64}=`;
/** A parameter's whole value on its line: a quoted string or a token (one folded or left open ends the chain). */
const VALUE = '(?:"[^"\\r\\n]{0,256}"|[^\\s;"]{1,256})';
/**
 * A line's end, its ";" or not, and the blanks that fold the next line. Blanks without a ";" are one run (up to 128,
 * as two runs around an optional ";" were): split in two they could be matched 65 ways, each tried again for every
 * folded line after it (17 us a byte of such lines).
 */
const FOLD = '(?:[ \\t]{0,64};[ \\t]{0,64}|[ \\t]{0,128})\\r?\\n[ \\t]{1,64}';
/** How many parameters one match spans on the type's own line: more than a Content-Type has. */
const MAX_INLINE = 4;
/** How much of a header a stream holds back (Pieces), and so how much of an UNTYPED match is repaired (within). */
const MAX_UNTYPED_CHARS = 8 * 1024;
/**
 * How many folded parameters one match spans: as many as MAX_UNTYPED_CHARS can hold (a folded line of a parameter is 8
 * characters at least: "\n name=x"). Bounded all the same: each one repeated is a step V8 keeps to go back to, and a
 * chain of hundreds of thousands (an 8 MB Content-Type) overflowed its stack (RangeError) where `*` stood.
 */
const MAX_FOLDED = MAX_UNTYPED_CHARS / 8;
/** A parameter after its ";" on the type's own line. */
const INLINE = `[ \\t]{0,64};[ \\t]{0,64}${PARAMETER}[ \\t]{0,64}${VALUE}`;
/**
 * A Content-Type line of a type (and whole parameters after their ";"), and the folded lines after it that each hold
 * one whole parameter, as many as MAX_UNTYPED_CHARS holds, up to the start of the last one: a ";" goes at the end of
 * each of its lines that has none (UNSEPARATED_END). A folded value or quoted string, or anything else on a line, ends
 * the chain (the lines after it are not touched). Linear: each step has one way to match (a value holds no blank, a
 * fold's blanks are one run unless a ";" splits them), so a chain that ends is given back one step, not tried again
 * from each line. Once longer than MAX_UNTYPED_CHARS, a match is repaired only as far as within() says.
 */
const UNTYPED = new RegExp(
  `(?<![^\\n])content-type:[ \\t]{0,64}${TOKEN}\\/${TOKEN}(?:${INLINE}){0,${MAX_INLINE}}(?:${FOLD}${PARAMETER}[ \\t]{0,64}${VALUE}){0,${MAX_FOLDED}}${FOLD}${PARAMETER}`,
  'gi',
);
/** UNTYPED at the start of a text (one of MAX_UNTYPED_CHARS: the bound on folded parameters never reached). */
const UNTYPED_FIRST = new RegExp(`^(?:${UNTYPED.source})`, 'i');
/** Within an UNTYPED match, the end of a line without its ";": the ";" goes after its last character. */
const UNSEPARATED_END = /([^;\s])(?=[ \t]*\r?\n)/g;

/**
 * The part of an UNTYPED match that is repaired: the whole of a match in MAX_UNTYPED_CHARS, else the match its first
 * MAX_UNTYPED_CHARS characters hold (a Content-Type of hundreds of folded parameters, more than any mail has). A
 * stream holds back no more of a header: cut past them, its piece holds those characters whole, and gives the same.
 */
function within(match: string): string {
  return match.length <= MAX_UNTYPED_CHARS ? match : (UNTYPED_FIRST.exec(match.slice(0, MAX_UNTYPED_CHARS))?.[0] ?? '');
}
/** From a header's first line to the chunk's end, what may still be the start of an UNTYPED match. */
const MAY_BE_UNTYPED = /^(?:[a-z-]{0,12}|content-type:[\s\S]*)$/i;
/** A line UNFOLDED folds back (after a line that ends in ";"), and the start of one still to be completed. */
const UNFOLDED_LINE = new RegExp(`^(?:${NAMES})[ \\t]*=`, 'i');
const MAY_BE_UNFOLDED_LINE = new RegExp(`^[a-z-]{0,${LONGEST_NAME}}[ \\t]*$`, 'i');
const ENDS_IN_SEMICOLON = /;[ \t]*\r?$/;

/** The ";" put back between a Content-Type's type and its folded parameters, and between those parameters. */
const separated = (text: string) =>
  text.replace(UNTYPED, (match) => {
    const repaired = within(match);
    return repaired.replace(UNSEPARATED_END, '$1;') + match.slice(repaired.length);
  });

/** The repairs of `text`, whose previous character (the lines' start are known by it) is `before`. */
const folded = (text: string, before = '\n') => separated(before + text.replace(UNFOLDED, '$1\t$2')).slice(1);

/** The mail with its unfolded parameter lines folded back (a tab in front), or null when it has none. */
export function withParameterLinesFolded(raw: Buffer): Buffer | null {
  const text = raw.toString('latin1');
  const out = folded(text);
  return out === text ? null : Buffer.from(out, 'latin1');
}

/** UNFOLDED for a test (a global regex keeps its place between tests); UNTYPED only counts where it adds a ";". */
const HAS_UNFOLDED = new RegExp(UNFOLDED.source, 'i');
const needsRepair = (piece: Piece) => HAS_UNFOLDED.test(piece.text) || separated(piece.before + piece.text) !== piece.before + piece.text;
const SEMICOLON = 0x3b;
const COLON = 0x3a;

/** Decided text, and the character before it. */
interface Piece {
  before: string;
  text: string;
}

/** The start of the line before the one at `start` (which is not the first). */
const lineBefore = (text: string, start: number) => (start >= 2 ? text.lastIndexOf('\n', start - 2) + 1 : 0);

/**
 * Whether the line at `start` continues the header above it: folded (a blank first), or a parameter line UNFOLDED
 * folds back. The last line, still to be completed, may yet become one: empty, or the start of a parameter's name.
 */
function continues(text: string, start: number, last: boolean): boolean {
  const line = text.slice(start, last ? text.length : text.indexOf('\n', start));
  if ((last && line === '') || /^[ \t]/.test(line)) return true;
  if (start === 0 || !ENDS_IN_SEMICOLON.test(text.slice(lineBefore(text, start), start - 1))) return false;
  return UNFOLDED_LINE.test(line) || (last && MAY_BE_UNFOLDED_LINE.test(line));
}

/**
 * Where an UNTYPED match may start that the next chunk decides: the first line of the header the text ends in (back
 * over its folded lines), when it may be a Content-Type still open; the text's end otherwise (a header begun in text
 * already decided was decided with it: no match runs from it to here).
 */
function untypedStart(text: string, before: string): number {
  const last = text.lastIndexOf('\n') + 1;
  let start = last;
  for (;;) {
    if (text.length - start > MAX_UNTYPED_CHARS) return text.length;
    if (!continues(text, start, start === last)) break;
    if (start === 0) return text.length;
    start = lineBefore(text, start);
  }
  if (start === 0 && before !== '\n') return text.length;
  return MAY_BE_UNTYPED.test(text.slice(start)) ? start : text.length;
}

/**
 * A mail's text cut into pieces that are decided on their own: an UNFOLDED match holds no ";" after its first
 * character, so only one from the last ";" of a chunk can run past it; an UNTYPED one starts a header and spans only its
 * folded lines, so only one from the first line of the last header can (untypedStart). The earlier of those ends is
 * carried to the next chunk, with the character before it (UNTYPED starts a line).
 */
class Pieces {
  private carried = '';
  private before = '\n';

  /** Whether an end is carried: a chunk without ";" or ":" is a piece of its own only when none is. */
  get carrying(): boolean {
    return this.carried !== '';
  }

  /** The text decided once `chunk` is added. */
  take(chunk: Buffer): Piece {
    const text = this.carried + chunk.toString('latin1');
    const last = text.lastIndexOf(';');
    const undecided = last >= 0 && text.length - last <= MAX_CARRIED_CHARS && MAY_BE_UNFOLDED.test(text.slice(last));
    const cut = Math.min(undecided ? last : text.length, untypedStart(text, this.before));
    this.carried = text.slice(cut);
    return this.decided(text.slice(0, cut));
  }

  /**
   * A chunk with no ";" nor ":" (an attachment's base64), not carrying: it holds no match, but its last line may start
   * one ("Content-Ty"). Only its end is turned into text.
   */
  passOver(chunk: Buffer): void {
    const end = chunk.length - MAX_UNTYPED_CHARS;
    if (end > 0) this.before = String.fromCharCode(chunk[end - 1] as number);
    this.take(end > 0 ? chunk.subarray(end) : chunk);
  }

  /** What is carried at the end of the mail. */
  rest(): Piece {
    const rest = this.carried;
    this.carried = '';
    return this.decided(rest);
  }

  private decided(text: string): Piece {
    const piece = { before: this.before, text };
    if (text !== '') this.before = text.slice(-1);
    return piece;
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

  private pass({ before, text }: Piece): void {
    if (text === '') return;
    const out = folded(text, before);
    this.changed ||= out !== text;
    this.push(Buffer.from(out, 'latin1'));
  }
}

/** The mail as it is, looked at on its way: `found` once a line withParameterLinesFolded would fold is seen. */
class ParameterLinesSeen extends Transform {
  found = false;
  private readonly pieces = new Pieces();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // Attachments (base64) hold no ";" nor ":": their chunks are not turned into text, only their ends.
    if (this.found) return done(null, chunk);
    if (this.pieces.carrying || chunk.includes(SEMICOLON) || chunk.includes(COLON)) this.found = needsRepair(this.pieces.take(chunk));
    else this.pieces.passOver(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.found ||= needsRepair(this.pieces.rest());
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
