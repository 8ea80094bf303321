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

export function tnefStream(files: TnefFileSpec[], codepage = 1252): Buffer {
  const parts: Buffer[] = [u32(0x223e9f78), Buffer.from([0x01, 0x00])];
  parts.push(attribute(1, 0x00089006, u32(0x00010000))); // attTnefVersion
  parts.push(attribute(1, 0x00069007, Buffer.concat([u32(codepage), u32(0)]))); // attOemCodepage
  for (const f of files) {
    parts.push(attribute(2, 0x00069002, Buffer.alloc(14))); // attAttachRendData
    const title = typeof f.title === 'string' ? Buffer.from(`${f.title}\0`, 'latin1') : Buffer.concat([f.title, Buffer.from([0])]);
    parts.push(attribute(2, 0x00018010, title));
    parts.push(attribute(2, 0x0006800f, f.content));
    if (f.longName !== undefined) parts.push(attribute(2, 0x00069005, Buffer.concat([u32(1), unicodeProperty(0x3707, f.longName)])));
  }
  return Buffer.concat(parts);
}
