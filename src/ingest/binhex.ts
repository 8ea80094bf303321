// Files a Mac mail client sent in BinHex 4.0 (application/mac-binhex40), which mailparser passes on as the encoded
// text: "(This file must be converted with BinHex 4.0)" and lines of ":$'*XG@9LB@aX...". Decoded here into the
// file they hold: its name and data fork (the resource fork means nothing off a Mac). Pure: bytes in, bytes out;
// a piece at a time (BinHexDecoder), so that a big one in a big mail is decoded as it streams from the store
// (encoded-parts.ts), as a part in memory is decoded whole (decodeBinHex).

/** A part's type that says BinHex. */
export const BINHEX_TYPE = /^application\/(?:x-)?mac-binhex(?:40)?$/i;

const ALPHABET = '!"#$%&\'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr';
/** Each byte's six-bit value in the alphabet; -1 outside it. */
const VALUE = new Int8Array(256).fill(-1);
for (const [i, c] of [...ALPHABET].entries()) VALUE[c.charCodeAt(0)] = i;
/** What /\s/ matches among Latin-1 characters: skipped between the colons. */
const BLANK = new Uint8Array(256);
for (const c of '\t\n\v\f\r \xa0') BLANK[c.charCodeAt(0)] = 1;
const COLON = 0x3a;
const RUN = 0x90;
/** Name length, name, version, type, creator, flags, data and resource fork lengths: the name's length + 20. */
const HEADER_BYTES_BESIDE_NAME = 20;
const DATA_CHUNK_BYTES = 64 * 1024;
const START = /\(This file must be converted with BinHex[^)]*\)\s*:/;

/** CRC-16/XMODEM (polynomial 0x1021, from 0), BinHex's checksum of its header and of each fork, by a table. */
const CRC_TABLE = new Uint16Array(256).map((_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});
const crcWith = (crc: number, byte: number) => ((crc << 8) ^ CRC_TABLE[((crc >> 8) ^ byte) & 0xff]!) & 0xffff;

export interface BinHexFile {
  name: string;
  content: Buffer;
}

/**
 * A BinHex body (what follows the colon after "(This file must be converted with BinHex 4.0)") decoded piece by
 * piece: six-bit characters to bytes (blanks skipped), runs expanded (0x90 n: the byte before n times; 0x90 0: 0x90
 * itself), then the header read (its checksum checked) and the data fork's bytes passed on as they come.
 */
export class BinHexDecoder {
  /** The file's name, once its header is read. */
  name: string | null = null;
  /** `maxDataBytes`: a data fork declared longer is no file here (decodeBinHex: runs can make a small text huge). */
  constructor(private readonly maxDataBytes = Number.POSITIVE_INFINITY) {}
  private failed = false;
  private closed = false;
  private held = 0;
  private bits = 0;
  private runNext = false;
  private last = -1;
  private stage: 'header' | 'data' | 'data checksum' | 'rest' = 'header';
  private header: number[] = [];
  private dataLeft = 0;
  private crc = 0;
  private checksum: number[] = [];
  private chunk = Buffer.allocUnsafe(DATA_CHUNK_BYTES);
  private chunkAt = 0;
  private ready: Buffer[] = [];

  /**
   * Decodes the next bytes of the body, up to its closing colon; the data fork's bytes decoded go to `data`. False
   * once nothing more is wanted: the body closed, or it is no BinHex (a character outside the alphabet, a checksum).
   */
  add(input: Buffer, data: (bytes: Buffer) => void): boolean {
    for (let i = 0; i < input.length && !this.failed && !this.closed; i++) {
      const c = input[i]!;
      if (c === COLON) this.closed = true;
      else if (!BLANK[c]) this.sixBits(VALUE[c]!);
    }
    for (const bytes of this.ready) data(bytes);
    this.ready = [];
    if (this.chunkAt > 0) data(this.chunk.subarray(0, this.chunkAt));
    this.chunk = this.chunkAt > 0 ? Buffer.allocUnsafe(DATA_CHUNK_BYTES) : this.chunk;
    this.chunkAt = 0;
    return !this.failed && !this.closed;
  }

  /** Whether it held a whole file: the body closed, its header and data fork read, and both checksums right. */
  end(): boolean {
    return this.closed && !this.failed && this.stage === 'rest';
  }

  private sixBits(value: number): void {
    if (value < 0) {
      this.failed = true;
      return;
    }
    this.held = ((this.held << 6) | value) & 0xffff;
    this.bits += 6;
    if (this.bits < 8) return;
    this.bits -= 8;
    const b = (this.held >> this.bits) & 0xff;
    if (this.runNext) {
      this.runNext = false;
      if (b === 0) return this.byte(RUN);
      if (this.last >= 0) {
        for (let n = 1; n < b; n++) this.byte(this.last);
        return;
      }
      // Nothing before it to repeat: the marker is dropped and this byte read as any other.
    }
    if (b === RUN) this.runNext = true;
    else this.byte(b);
  }

  private byte(b: number): void {
    this.last = b;
    if (this.stage === 'header') {
      this.header.push(b);
      if (this.header.length === this.header[0]! + HEADER_BYTES_BESIDE_NAME + 2) this.readHeader(Buffer.from(this.header));
    } else if (this.stage === 'data') {
      this.crc = crcWith(this.crc, b);
      this.chunk[this.chunkAt++] = b;
      if (this.chunkAt === DATA_CHUNK_BYTES) {
        this.ready.push(this.chunk);
        this.chunk = Buffer.allocUnsafe(DATA_CHUNK_BYTES);
        this.chunkAt = 0;
      }
      if (--this.dataLeft === 0) this.stage = 'data checksum';
    } else if (this.stage === 'data checksum') {
      this.checksum.push(b);
      if (this.checksum.length < 2) return;
      this.failed = this.crc !== ((this.checksum[0]! << 8) | this.checksum[1]!);
      this.stage = 'rest';
      // The resource fork means nothing here: not read (its runs would cost time for nothing).
      this.closed = true;
    }
  }

  private readHeader(header: Buffer): void {
    const end = header.length - 2;
    if (header.subarray(0, end).reduce(crcWith, 0) !== header.readUInt16BE(end)) {
      this.failed = true;
      return;
    }
    // Mac Roman letters outside ASCII are few in names; read as Latin-1 they keep the name's plain letters.
    this.name = header.subarray(1, 1 + header[0]!).toString('latin1');
    this.dataLeft = header.readUInt32BE(end - 8);
    if (this.dataLeft > this.maxDataBytes) {
      this.failed = true;
      return;
    }
    this.stage = this.dataLeft > 0 ? 'data' : 'data checksum';
  }
}

/** Where the BinHex body in `text` starts (after the colon that follows its "(This file must be converted...)"); -1: none. */
export function binHexBodyStart(text: Buffer): number {
  const match = START.exec(text.toString('latin1'));
  return match ? match.index + match[0].length : -1;
}

/**
 * BinHex's runs shrink a real file a few times at most; a data fork declared far beyond its text ("0x90 255" over and
 * over: 3 MiB of text, hundreds of MB) is kept as it came rather than built in memory (a part streamed from the
 * store is decoded into the store instead: encoded-parts.ts).
 */
const MAX_IN_MEMORY_GROWTH = 16;
const IN_MEMORY_FLOOR_BYTES = 1024 * 1024;

/** The file a BinHex 4.0 text holds; null when it is none, damaged (a checksum that does not match, cut short) or a bomb (above). */
export function decodeBinHex(text: Buffer): BinHexFile | null {
  const start = binHexBodyStart(text);
  if (start < 0) return null;
  const decoder = new BinHexDecoder(Math.max(IN_MEMORY_FLOOR_BYTES, MAX_IN_MEMORY_GROWTH * text.length));
  const parts: Buffer[] = [];
  decoder.add(text.subarray(start), (bytes) => parts.push(bytes));
  return decoder.end() && decoder.name !== null ? { name: decoder.name, content: Buffer.concat(parts) } : null;
}
