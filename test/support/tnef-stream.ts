// Writes a TNEF stream (MS-OXTNEF) holding the given files, as Outlook's winmail.dat does: for tests of what
// the reader (src/ingest/tnef.ts) makes of names, types and sizes it has no real sample of.

export interface TnefFileSpec {
  /** attAttachTitle: the short name, in the stream's code page. */
  title: Buffer | string;
  content: Buffer;
  /** PR_ATTACH_LONG_FILENAME as PT_UNICODE (UTF-16LE), as Outlook writes it. */
  longName?: string;
}

function attribute(level: number, id: number, data: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt8(level, 0);
  head.writeUInt32LE(id, 1);
  head.writeUInt32LE(data.length, 5);
  const checksum = Buffer.alloc(2);
  checksum.writeUInt16LE(data.reduce((sum, b) => (sum + b) & 0xffff, 0));
  return Buffer.concat([head, data, checksum]);
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const padded = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);

function unicodeProperty(id: number, text: string): Buffer {
  const value = Buffer.from(`${text}\0`, 'utf16le');
  const tag = Buffer.alloc(4);
  tag.writeUInt16LE(0x001f, 0); // PT_UNICODE
  tag.writeUInt16LE(id, 2);
  return Buffer.concat([tag, u32(1), u32(value.length), padded(value)]);
}

function binaryProperty(type: number, id: number, value: Buffer): Buffer {
  const tag = Buffer.alloc(4);
  tag.writeUInt16LE(type, 0);
  tag.writeUInt16LE(id, 2);
  return Buffer.concat([tag, u32(1), u32(value.length), padded(value)]);
}

/** The message's own MAPI properties (attMsgProps): where Outlook puts the body of a "Rich Text" mail. */
export interface TnefMessageSpec {
  /** PR_RTF_COMPRESSED, as compressedRtf() makes it. */
  rtfCompressed?: Buffer;
  /** PR_BODY as PT_UNICODE. */
  body?: string;
  /** PR_BODY_HTML as PT_BINARY (the bytes of the HTML). */
  bodyHtml?: Buffer;
  /** attBody: the plain text as an attribute of its own, in the stream's code page (older Outlooks). */
  attBody?: Buffer;
  /** Written after the attachments' attributes: MS-OXTNEF puts them before, a writer of its own may not. */
  afterFiles?: boolean;
}

function messageProperties(m: TnefMessageSpec): Buffer {
  const flags = Buffer.alloc(8);
  flags.writeUInt16LE(0x0003, 0); // PR_MESSAGE_FLAGS, a PT_LONG: a fixed-size value the reader must step over
  flags.writeUInt16LE(0x0e07, 2);
  flags.writeUInt32LE(1, 4);
  const props: Buffer[] = [flags];
  if (m.body !== undefined) props.push(unicodeProperty(0x1000, m.body));
  if (m.rtfCompressed) props.push(binaryProperty(0x0102, 0x1009, m.rtfCompressed));
  if (m.bodyHtml) props.push(binaryProperty(0x0102, 0x1013, m.bodyHtml));
  return Buffer.concat([u32(props.length), ...props]);
}

/**
 * `rtf` as PR_RTF_COMPRESSED (MS-OXRTFCP 2.1.3.1): every byte a literal, then the reference to the write position
 * that ends the stream. Valid for any reader, if not small; the CRC is left 0 (readers of it do not check it).
 */
export function compressedRtf(rtf: Buffer): Buffer {
  const body: Buffer[] = [];
  for (let i = 0; i < rtf.length; i += 8) body.push(Buffer.from([0]), rtf.subarray(i, i + 8));
  const end = Buffer.alloc(2);
  end.writeUInt16BE(((207 + rtf.length) % 4096) << 4);
  if (rtf.length % 8 === 0) body.push(Buffer.from([0x01]), end);
  else {
    // the end token takes the next free bit of the last control byte
    const lastControl = body[body.length - 2]!;
    body[body.length - 2] = Buffer.from([lastControl[0]! | (1 << (rtf.length % 8))]);
    body.push(end);
  }
  const data = Buffer.concat(body);
  return Buffer.concat([u32(data.length + 12), u32(rtf.length), u32(0x75465a4c), u32(0), data]);
}

export function tnefStream(files: TnefFileSpec[], codepage = 1252, message?: TnefMessageSpec): Buffer {
  const parts: Buffer[] = [u32(0x223e9f78), Buffer.from([0x01, 0x00])];
  parts.push(attribute(1, 0x00089006, u32(0x00010000))); // attTnefVersion
  parts.push(attribute(1, 0x00069007, Buffer.concat([u32(codepage), u32(0)]))); // attOemCodepage
  const messageParts: Buffer[] = [];
  if (message) messageParts.push(attribute(1, 0x00069003, messageProperties(message))); // attMsgProps
  if (message?.attBody) messageParts.push(attribute(1, 0x0002800c, Buffer.concat([message.attBody, Buffer.from([0])])));
  if (!message?.afterFiles) parts.push(...messageParts);
  for (const f of files) {
    parts.push(attribute(2, 0x00069002, Buffer.alloc(14))); // attAttachRendData
    const title = typeof f.title === 'string' ? Buffer.from(`${f.title}\0`, 'latin1') : Buffer.concat([f.title, Buffer.from([0])]);
    parts.push(attribute(2, 0x00018010, title));
    parts.push(attribute(2, 0x0006800f, f.content));
    if (f.longName !== undefined) parts.push(attribute(2, 0x00069005, Buffer.concat([u32(1), unicodeProperty(0x3707, f.longName)])));
  }
  if (message?.afterFiles) parts.push(...messageParts);
  return Buffer.concat(parts);
}
