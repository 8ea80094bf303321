import { Encoder as Base64Encoder } from 'nodemailer/lib/base64';
import { Encoder as QpEncoder } from 'nodemailer/lib/qp';
import type { Transform } from 'node:stream';
import type { Newline } from './mime-build.js';

// A message tree compiled by nodemailer's MailComposer, written out in one synchronous pass with nodemailer's own
// headers and encoders. nodemailer's `createReadStream` does the same through a pipeline of streams, with a
// PassThrough, a setImmediate and an AbortController for every part: 0.5-1 ms a notice in the scheduler's
// drain, against 0.2-0.4 ms this way (a scratch script, 570 notices). The bytes are the same (the test
// mime-write.test.ts compares them on thousands of generated mails); anything this pass does not know (a file
// or URL to read, raw parts, transforms, DKIM) makes it answer null, and the caller streams as before.

/** The parts of nodemailer's MimeNode this pass reads (public fields and methods, untyped by @types/nodemailer). */
export interface CompiledNode {
  childNodes: CompiledNode[];
  multipart: string | false;
  boundary: string | false;
  contentType?: string | false;
  content?: unknown;
  _raw?: unknown;
  _transforms: unknown[];
  _processFuncs: unknown[];
  buildHeaders(): string;
  getTransferEncoding(): string;
}

/** Runs a stream encoder over one buffer without the stream machinery: its own transform and flush, in order. */
function encodeAll(encoder: Transform, input: Buffer, out: Buffer[]): void {
  const t = encoder as Transform & {
    _transform(chunk: Buffer, encoding: string, done: (error?: Error | null) => void): void;
    _flush(done: (error?: Error | null) => void): void;
  };
  const fail = (error?: Error | null) => {
    if (error) throw error;
  };
  t._transform(input, 'buffer', fail);
  t._flush(fail);
  for (let chunk: unknown = t.read(); chunk !== null; chunk = t.read()) out.push(chunk as Buffer);
}

function writeNode(node: CompiledNode, out: Buffer[]): boolean {
  if (node._raw || node._transforms.length > 0 || node._processFuncs.length > 0) return false;
  const content = node.content;
  if (content !== undefined && content !== null && content !== '' && typeof content !== 'string' && !Buffer.isBuffer(content)) return false;
  // UTF-8, as MimeNode.stream writes the header string: a header nodemailer leaves unencoded (a UTF-8
  // Message-ID in In-Reply-To/References, RFC 6532) must not lose its bytes to Latin-1.
  out.push(Buffer.from(`${node.buildHeaders()}\r\n\r\n`, 'utf8'));
  if (content) {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const encoding = node.getTransferEncoding();
    // As MimeNode.stream: outside text/*, a lone CR or LF is data for quoted-printable.
    if (encoding === 'quoted-printable') encodeAll(new QpEncoder({ binary: !/^text\//i.test(node.contentType || '') } as object), bytes, out);
    else if (encoding === 'base64') encodeAll(new Base64Encoder(), bytes, out);
    else out.push(bytes);
  }
  if (!node.multipart) return true;
  for (let i = 0; i < node.childNodes.length; i++) {
    out.push(Buffer.from(`${i > 0 ? '\r\n' : ''}--${node.boundary}\r\n`, 'latin1'));
    if (!writeNode(node.childNodes[i] as CompiledNode, out)) return false;
  }
  out.push(Buffer.from(`\r\n--${node.boundary}--\r\n`, 'latin1'));
  return true;
}

/** The message's bytes with the given line ends, or null when only nodemailer's streaming can build it. */
export function writeCompiled(root: CompiledNode, newline: Newline): Buffer | null {
  const out: Buffer[] = [];
  if (!writeNode(root, out)) return null;
  // nodemailer's LastNewline: the message ends with a line end.
  const last = out.length > 0 ? (out[out.length - 1] as Buffer).at(-1) : undefined;
  if (last !== 0x0a) out.push(Buffer.from(last === 0x0d ? '\n' : '\r\n', 'latin1'));
  const crlf = Buffer.concat(out).toString('latin1');
  // Then its LeUnix (every CR dropped) or LeWindows (a lone LF made CRLF). Latin-1 keeps every byte as it is.
  return Buffer.from(newline === 'unix' ? crlf.replace(/\r/g, '') : crlf.replace(/\r?\n/g, '\r\n'), 'latin1');
}
