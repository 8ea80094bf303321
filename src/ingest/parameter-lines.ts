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
/**
 * A Content-Type line of a type alone, followed by a folded line that starts with a parameter (RFC 2231's `name*0*=`
 * too): the ";" goes after the type. A line ending in ";" or after a parameter (a folded value, a quoted string) is
 * not one. Blanks are bounded so that a match, and what it looks ahead at, fits in MAX_UNTYPED_CHARS.
 */
const UNTYPED = new RegExp(
  `(?<![^\\n])(content-type:[ \\t]{0,64}${TOKEN}\\/${TOKEN})(?=[ \\t]{0,64}\\r?\\n[ \\t]{1,64}(?:${PARAMETER_NAMES.join('|')})(?:\\*\\d{1,3})?\\*?[ \\t]{0,64}=)`,
  'gi',
);
const MAX_UNTYPED_CHARS = 1024;
/** The end of a chunk, from a line's start, that may be the start of an UNTYPED match: decided with the next chunk. */
const MAY_BE_UNTYPED = /^(?:[a-z-]{0,12}|content-type:[ \t]*[^\s;]*(?:[ \t]*(?:\r|\r?\n(?:[ \t]+[a-z0-9*-]*[ \t]*)?)?)?)$/i;

/** The repairs of `text`, whose previous character (the lines' start are known by it) is `before`. */
const folded = (text: string, before = '\n') => (before + text.replace(UNFOLDED, '$1\t$2')).replace(UNTYPED, '$1;').slice(1);

/** The mail with its unfolded parameter lines folded back (a tab in front), or null when it has none. */
export function withParameterLinesFolded(raw: Buffer): Buffer | null {
  const text = raw.toString('latin1');
  const out = folded(text);
  return out === text ? null : Buffer.from(out, 'latin1');
}

/** UNFOLDED and UNTYPED for a test (a global regex keeps its place between tests). */
const HAS_UNFOLDED = new RegExp(UNFOLDED.source, 'i');
const HAS_UNTYPED = new RegExp(UNTYPED.source, 'i');
const needsRepair = (piece: Piece) => HAS_UNFOLDED.test(piece.text) || HAS_UNTYPED.test(piece.before + piece.text);
const SEMICOLON = 0x3b;
const COLON = 0x3a;

/** Decided text, and the character before it. */
interface Piece {
  before: string;
  text: string;
}

/** Where an UNTYPED match may start that the next chunk decides: the start of the last line or the one before. */
function untypedStart(text: string, before: string): number {
  const last = text.lastIndexOf('\n');
  const lineStart = (newline: number) => (newline >= 0 ? newline + 1 : before === '\n' ? 0 : -1);
  const starts = last >= 0 ? [lineStart(last > 0 ? text.lastIndexOf('\n', last - 1) : -1), last + 1] : [lineStart(-1)];
  return starts.find((s) => s >= 0 && text.length - s <= MAX_UNTYPED_CHARS && MAY_BE_UNTYPED.test(text.slice(s))) ?? text.length;
}

/**
 * A mail's text cut into pieces that are decided on their own: an UNFOLDED match holds no ";" after its first
 * character, so only one from the last ";" of a chunk can run past it; an UNTYPED one holds no ";" and spans a line
 * and the next one's start, so only one from the start of the last two lines can. The earlier of those ends is
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
