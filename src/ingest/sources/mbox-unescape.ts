// A mail read from an mbox has its ">From " lines unescaped (mboxrd: one ">" fewer on any line that starts with
// ">...>From "). A big mail is unescaped as it streams, so a line start may be split across chunks: the state
// between chunks is at most one held ">" and how many letters of "From " followed it.

const FROM = Buffer.from('From ');
const GT = Buffer.from('>');
const LF = 10;
const GT_BYTE = 0x3e;

/** Unescapes an mbox mail chunk by chunk, starting at a line start; `end` gives back what is still held. */
export class FromUnescaper {
  private state: 'lineStart' | 'quoted' | 'inLine' = 'lineStart';
  /** While quoted (one ">" held back): the letters of "From " seen after the ">"s, held back too. */
  private matched = 0;

  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let run = 0; // the start of the bytes passed through as they are
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'inLine') {
        const nl = chunk.indexOf(LF, i);
        i = nl === -1 ? chunk.length : nl + 1;
        if (nl !== -1) this.state = 'lineStart';
      } else if (this.state === 'lineStart') {
        if (chunk[i] === GT_BYTE) {
          // Held back: dropped when the line turns out to be an escaped "From ".
          out.push(chunk.subarray(run, i));
          run = i + 1;
          this.state = 'quoted';
          this.matched = 0;
        } else if (chunk[i] !== LF) this.state = 'inLine';
        i++;
      } else if (this.matched === 0 && chunk[i] === GT_BYTE) {
        i++; // More ">"s pass: one held back anywhere among them is the same bytes.
      } else if (chunk[i] === FROM[this.matched]) {
        out.push(chunk.subarray(run, i));
        run = ++i;
        if (++this.matched === FROM.length) {
          out.push(FROM);
          this.state = 'inLine';
        }
      } else {
        // Not an escaped "From ": what was held comes back, and this byte is read as any other.
        out.push(chunk.subarray(run, i), GT, FROM.subarray(0, this.matched));
        run = i;
        this.state = 'inLine';
      }
    }
    out.push(chunk.subarray(run));
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  /** What is still held at the mail's end (a last line such as ">Fro"). */
  end(): Buffer {
    const held = this.state === 'quoted' ? Buffer.concat([GT, FROM.subarray(0, this.matched)]) : Buffer.alloc(0);
    this.state = 'lineStart';
    return held;
  }
}

/** A whole (small) mail, unescaped. */
export function unescapeFrom(raw: Buffer): Buffer {
  const unescaper = new FromUnescaper();
  const body = unescaper.push(raw);
  const rest = unescaper.end();
  return rest.length > 0 ? Buffer.concat([body, rest]) : body;
}

/** A big mail's chunks, unescaped as they pass, never gathered. */
export async function* unescapedFrom(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const unescaper = new FromUnescaper();
  for await (const chunk of chunks) {
    const out = unescaper.push(chunk);
    if (out.length > 0) yield out;
  }
  const rest = unescaper.end();
  if (rest.length > 0) yield rest;
}
