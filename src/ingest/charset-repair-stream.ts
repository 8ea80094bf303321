import { isUtf8 } from 'node:buffer';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { headerWithCharset, META_SCAN_CHARS, type TextPart } from './charset-repair.js';
import { TextPartWalk } from './text-part-walk.js';

// The repair of charset-repair.ts for a big mail, read as a stream: a mail past BIG_MAIL_BYTES lost the letters of
// its mislabelled text ("Ma�ana") that the same mail with a smaller attachment kept. Whether a text part's charset
// is named depends on its whole body, and its header comes first; rather than hold the body until its end (a
// customer's pasted log is megabytes), the mail is walked twice (text-part-walk.ts): once to judge each text part as
// its body streams by (its bytes decoded and checked as UTF-8 on the way, nothing of it held but its first chars,
// where an HTML part's <meta> is), then again, streamed to mailparser with the header blocks of those that are not
// UTF-8 given their charset. Only a mail that lost letters is walked at all (parse.ts).

const NOTHING = Buffer.alloc(0);

/** A text part's bytes as its transfer encoding gives them, decoded as they stream by, as charset-repair.ts decodes them whole. */
interface BodyBytes {
  add(text: string): Buffer;
  end(): Buffer;
}

/** Node's base64 decoding (the in-memory repair's): non-alphabet characters skipped, nothing read after a "=". */
class Base64Bytes implements BodyBytes {
  private carried = '';
  private stopped = false;

  add(text: string): Buffer {
    if (this.stopped) return NOTHING;
    const pad = text.indexOf('=');
    if (pad >= 0) this.stopped = true;
    const chars = this.carried + (pad >= 0 ? text.slice(0, pad) : text).replace(/[^A-Za-z0-9+/_-]/g, '');
    const whole = chars.length - (chars.length % 4);
    this.carried = chars.slice(whole);
    return Buffer.from(chars.slice(0, whole), 'base64');
  }

  end(): Buffer {
    return Buffer.from(this.carried, 'base64');
  }
}

/**
 * Soft line breaks ("=" at a line's end) taken out, then each "=XX" decoded, as charset-repair.ts does it whole: an
 * end that may be the start of either is decided with the text that follows.
 */
class QuotedPrintableBytes implements BodyBytes {
  private carriedBreak = '';
  private carriedEscape = '';

  add(text: string): Buffer {
    const s = this.carriedBreak + text;
    const cut = s.endsWith('=') ? s.length - 1 : s.endsWith('=\r') ? s.length - 2 : s.length;
    this.carriedBreak = s.slice(cut);
    const joined = this.carriedEscape + s.slice(0, cut).replace(/=\r?\n/g, '');
    const escape = joined.indexOf('=', joined.length - 2);
    const decided = escape >= 0 ? escape : joined.length;
    this.carriedEscape = joined.slice(decided);
    return unescaped(joined.slice(0, decided));
  }

  end(): Buffer {
    return unescaped(this.carriedEscape + this.carriedBreak);
  }
}

const unescaped = (text: string) => Buffer.from(text.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');

const asWritten: BodyBytes = { add: (text) => Buffer.from(text, 'latin1'), end: () => NOTHING };

/** Whether bytes given piece by piece are UTF-8: each piece checked up to a character that may go on in the next. */
class Utf8Check {
  valid = true;
  private carried: Buffer = NOTHING;

  add(bytes: Buffer): void {
    if (!this.valid || bytes.length === 0) return;
    const all = this.carried.length > 0 ? Buffer.concat([this.carried, bytes]) : bytes;
    const cut = lastCharacterStart(all);
    this.valid = isUtf8(all.subarray(0, cut));
    this.carried = Buffer.from(all.subarray(cut));
  }

  end(): boolean {
    return this.valid && isUtf8(this.carried);
  }
}

/** Where the last character of `bytes` starts, when it may be cut short (its lead byte promises more than follow); else the end. */
function lastCharacterStart(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if (byte < 0x80) break;
    if (byte >= 0xc0) return back < (byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2) ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/** One text part's body, judged as it streams by. */
class TextBodyJudge {
  private start = '';
  private readonly bytes: BodyBytes;
  private readonly utf8 = new Utf8Check();

  constructor(private readonly part: TextPart) {
    this.bytes = part.encoding === 'base64' ? new Base64Bytes() : part.encoding === 'quoted-printable' ? new QuotedPrintableBytes() : asWritten;
  }

  add(text: string): void {
    if (this.start.length < META_SCAN_CHARS) this.start += text.slice(0, META_SCAN_CHARS - this.start.length);
    if (this.utf8.valid) this.utf8.add(this.bytes.add(text));
  }

  /** Its header block with its charset named; null when its body is UTF-8 indeed. */
  named(): string[] | null {
    if (this.utf8.valid) this.utf8.add(this.bytes.end());
    return this.utf8.end() ? null : headerWithCharset(this.part, this.start);
  }
}

/** The header blocks to rewrite, by their place in the mail: as written (to make sure), and with the charset named. */
export type CharsetsToName = Map<number, { written: string; named: string[] }>;

/**
 * The text parts of the mail `input` whose charset mailparser would take as UTF-8 though their bytes are not, with
 * their header blocks as withTextCharsetsNamed would name them; null when there is none. Holds no body.
 */
export async function charsetsToName(input: AsyncIterable<Buffer>): Promise<CharsetsToName | null> {
  const found: CharsetsToName = new Map();
  let judged: { index: number; written: string; judge: TextBodyJudge } | null = null;
  const walk = new TextPartWalk({
    header: (index, lines, part) => {
      judged = part ? { index, written: lines.join(''), judge: new TextBodyJudge(part) } : null;
      return lines;
    },
    textBody: (text) => judged?.judge.add(text),
    textEnd: () => {
      const named = judged?.judge.named();
      if (judged && named) found.set(judged.index, { written: judged.written, named });
      judged = null;
    },
  }, false);
  for await (const chunk of input) walk.add(chunk.toString('latin1'));
  walk.end();
  return found.size > 0 ? found : null;
}

class TextCharsetsNamed extends Transform {
  private readonly walk: TextPartWalk;

  constructor(toName: CharsetsToName) {
    super();
    const noText = () => undefined;
    this.walk = new TextPartWalk({
      header: (index, lines, part) => {
        const named = part ? toName.get(index) : undefined;
        return named && named.written === lines.join('') ? named.named : lines;
      },
      textBody: noText,
      textEnd: noText,
    }, true);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.send(this.walk.add(chunk.toString('latin1')));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.send(this.walk.end());
    done();
  }

  private send(text: string): void {
    if (text !== '') this.push(Buffer.from(text, 'latin1'));
  }
}

/**
 * The mail with the charsets `charsetsToName` found (on the same bytes) named, as withTextCharsetsNamed does for a
 * mail in memory; nothing but header blocks held. An error of `input` is the returned stream's; destroying the
 * returned stream destroys `input`.
 */
export function withTextCharsetsNamedStream(input: Readable, toName: CharsetsToName): Readable {
  return pipeline(input, new TextCharsetsNamed(toName), () => undefined);
}
