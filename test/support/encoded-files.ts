// Files as old clients and scripts encode them in mail: uuencoded (`uuencode name < file`) and BinHex 4.0 (a Mac's
// "(This file must be converted with BinHex 4.0)"), to build test mails of any size.

/** What `uuencode` writes: 45 bytes a line, each line led by its length, "`" for zero bits; "\n" line ends. */
export function uuencode(name: string, bytes: Buffer): string {
  const char = (n: number) => (n === 0 ? '`' : String.fromCharCode(n + 32));
  const lines = [`begin 644 ${name}`];
  for (let at = 0; at < bytes.length; at += 45) {
    const chunk = bytes.subarray(at, at + 45);
    let line = char(chunk.length);
    for (let i = 0; i < chunk.length; i += 3) {
      const [a = 0, b = 0, c = 0] = [chunk[i], chunk[i + 1], chunk[i + 2]];
      line += char(a >> 2) + char(((a & 3) << 4) | (b >> 4)) + char(((b & 15) << 2) | (c >> 6)) + char(c & 63);
    }
    lines.push(line);
  }
  return [...lines, '`', 'end'].join('\n');
}

const BINHEX_ALPHABET = '!"#$%&\'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr';

/** CRC-16/XMODEM of `bytes`, bit by bit from the top (BinHex's checksum). */
function xmodem(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const top = ((crc >> 15) & 1) ^ ((byte >> bit) & 1);
      crc = ((crc << 1) & 0xffff) ^ (top ? 0x1021 : 0);
    }
  }
  return crc;
}

const withCrc = (bytes: Buffer) => {
  const crc = Buffer.alloc(2);
  crc.writeUInt16BE(xmodem(bytes));
  return Buffer.concat([bytes, crc]);
};

/**
 * A BinHex 4.0 text holding `data` as the data fork of a file named `name` (type and creator "????", no resource
 * fork), every 0x90 byte escaped and, with `packRuns`, runs of 3 to 255 of another byte packed, in lines of 64
 * characters; `damage` flips a bit of the data fork after its checksum is taken.
 */
export function binhex(name: string, data: Buffer, damage = false, packRuns = false): string {
  const header = Buffer.alloc(name.length + 20);
  header[0] = name.length;
  header.write(name, 1, 'latin1');
  header.write('????????', name.length + 2, 'latin1');
  header.writeUInt32BE(data.length, name.length + 12);
  const dataFork = withCrc(data);
  if (damage) dataFork[0]! ^= 1;
  const bytes = Buffer.concat([withCrc(header), dataFork, withCrc(Buffer.alloc(0))]);
  const escaped = bytes.toString('latin1').replace(/\x90/g, '\x90\x00');
  const runs = packRuns ? escaped.replace(/(?<!\x90)([^\x90])\1{2,254}/g, (run, byte: string) => `${byte}\x90${String.fromCharCode(run.length)}`) : escaped;
  const packed = Buffer.from(runs, 'latin1');
  let chars = '';
  for (let at = 0; at < packed.length; at += 3) {
    const [a = 0, b = 0, c = 0] = [packed[at], packed[at + 1], packed[at + 2]];
    const values = [a >> 2, ((a & 3) << 4) | (b >> 4), ((b & 15) << 2) | (c >> 6), c & 63];
    chars += values.slice(0, Math.min(4, Math.ceil(((packed.length - at) * 8) / 6))).map((v) => BINHEX_ALPHABET[v]).join('');
  }
  return `(This file must be converted with BinHex 4.0)\n:${chars.replace(/.{64}/g, '$&\n')}:\n`;
}
