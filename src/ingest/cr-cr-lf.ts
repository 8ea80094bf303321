import { Transform, type Readable } from 'node:stream';
import { bareCrsIn } from './raw-head.js';
import { CrCrLfLines } from './cr-cr-lf-lines.js';

// A mail whose lines end in CR CR LF: a CRLF mail passed through a converter that turned each LF into CRLF again (a
// broken client or relay). The servers in front of the desk read each such end as one line end: Postfix's smtpd
// removes every CR before a line's LF, and Dovecot (2.3, measured over LMTP and APPEND) stores the extra CR as the
// line's CRLF and serves the mail back in plain CRLF lines, its `\r\r\n` empty line ending the header block. A mail
// client reading the mailbox shows that mail. mailparser split it at LF only (its `\r\r\n` line is no empty line: the
// body was read as header lines), and the old Mac reading (bare-cr-lines.ts) took the extra CR for a line end of its
// own (the header block ended after the first field). So the mail is read with each run of CRs before a CRLF made one
// CRLF, the servers' reading: what decides trust (fields-relays-saw.ts, from-fields.ts) is read from the same bytes.
// Not an old Mac mail's (raw-head.ts: its bare CRs line ends), read as before: where a relay's LF lines meet its
// bare-CR lines, `\r\r\n` is a field's end and an empty line (the end of its header block), not one line end.
// Only a copy is made: the raw mail kept, and its hash, are the bytes as they came. A file sent binary or 8bit keeps
// its bytes, a `\r\r\n` among them (cr-cr-lf-lines.ts).

const CR_CR_LF = Buffer.from('\r\r\n', 'latin1');

/** Whether the bytes hold a CR CR LF: one native search, so a mail without one costs no more than that. */
export const hasCrCrLf = (raw: Buffer): boolean => raw.indexOf(CR_CR_LF) !== -1;

/**
 * The bytes with each run of CRs before an LF made one CRLF, but in the bodies of files sent binary or 8bit
 * (cr-cr-lf-lines.ts); the same buffer when nothing changed.
 */
export function withCrCrLfAsCrlf(raw: Buffer): Buffer {
  if (!hasCrCrLf(raw)) return raw;
  const lines = new CrCrLfLines();
  const read = Buffer.concat([lines.push(raw), lines.end()]);
  return read.equals(raw) ? raw : read;
}

/**
 * The bytes a mail is read from (parse.ts, peek-headers.ts), and whether its bare CRs are read as line ends (an old
 * Mac mail: as it came) or its header block holds one all the same (raw-head.ts bareCrsIn, asked of those bytes: a
 * CR CR LF mail with one more bare CR was taken for an old Mac mail).
 */
export function linesAsRead(raw: Buffer): { lines: Buffer; bareCrs: ReturnType<typeof bareCrsIn> } {
  const lines = withCrCrLfAsCrlf(raw);
  const bareCrs = bareCrsIn(lines);
  return { lines: bareCrs === 'line-ends' ? raw : lines, bareCrs };
}

/** A mail's stream with its CR CR LF line ends made CRLFs (a big mail parsed as a stream: parse.ts). */
export function crCrLfAsCrlfStream(input: Readable): Readable {
  const joiner = new CrCrLfLines();
  const out = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, joiner.push(chunk));
    },
    flush(done) {
      done(null, joiner.end());
    },
  });
  input.on('error', (error) => out.destroy(error));
  return input.pipe(out);
}

/** Chunks of a mail (Buffers, or text in Latin-1) as Buffers with their CR CR LF line ends made CRLFs. */
export async function* crCrLfAsCrlfChunks(chunks: Iterable<Buffer | string> | AsyncIterable<Buffer | string>): AsyncIterable<Buffer> {
  // A mail in memory, one Buffer (the usual case): one native search, not a walk of its lines, when it has no CR CR LF.
  if (Array.isArray(chunks) && chunks.length === 1 && Buffer.isBuffer(chunks[0])) {
    yield withCrCrLfAsCrlf(chunks[0]);
    return;
  }
  const joiner = new CrCrLfLines();
  for await (const chunk of chunks) yield joiner.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  yield joiner.end();
}
