// Files a Mac mail client sent in BinHex 4.0 (application/mac-binhex40), which mailparser passes on as the encoded
// text: "(This file must be converted with BinHex 4.0)" and lines of ":$'*XG@9LB@aX...". Decoded here into the
// file they hold: its name and data fork (the resource fork means nothing off a Mac). Pure: bytes in, bytes out.

const ALPHABET = '!"#$%&\'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr';
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));
const RUN = 0x90;

export interface BinHexFile {
  name: string;
  content: Buffer;
}

/** CRC-16/XMODEM (polynomial 0x1021, from 0), BinHex's checksum of its header and of each fork. */
function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The six-bit characters between the colons, as bytes, runs expanded (0x90 n: the byte before n times; 0x90 0: 0x90 itself). */
function unpack(chars: string): Buffer | null {
  const packed: number[] = [];
  let bits = 0;
  let held = 0;
  for (const c of chars) {
    if (/\s/.test(c)) continue;
    const value = VALUE.get(c);
    if (value === undefined) return null;
    held = (held << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      packed.push((held >> bits) & 0xff);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < packed.length; i++) {
    if (packed[i] !== RUN) out.push(packed[i]!);
    else if (packed[i + 1] === 0) out.push(RUN), i++;
    else if (packed[i + 1] !== undefined && out.length > 0) {
      for (let n = 1; n < packed[i + 1]!; n++) out.push(out[out.length - 1]!);
      i++;
    }
  }
  return Buffer.from(out);
}

/** The file a BinHex 4.0 text holds; null when it is none, or damaged (a checksum that does not match, cut short). */
export function decodeBinHex(text: Buffer): BinHexFile | null {
  const body = /\(This file must be converted with BinHex[^)]*\)\s*:([^:]*):/.exec(text.toString('latin1'))?.[1];
  const bytes = body === undefined ? null : unpack(body);
  if (!bytes || bytes.length < 1) return null;
  const nameLength = bytes[0]!;
  const headerEnd = 1 + nameLength + 1 + 4 + 4 + 2 + 4 + 4;
  if (bytes.length < headerEnd + 2) return null;
  const dataLength = bytes.readUInt32BE(headerEnd - 8);
  if (crc16(bytes.subarray(0, headerEnd)) !== bytes.readUInt16BE(headerEnd)) return null;
  const dataStart = headerEnd + 2;
  if (bytes.length < dataStart + dataLength + 2) return null;
  const content = bytes.subarray(dataStart, dataStart + dataLength);
  if (crc16(content) !== bytes.readUInt16BE(dataStart + dataLength)) return null;
  // Mac Roman letters outside ASCII are few in names; read as Latin-1 they keep the name's plain letters.
  return { name: bytes.subarray(1, 1 + nameLength).toString('latin1'), content: Buffer.from(content) };
}
