// Outlook, set to send "Rich Text", wraps a mail's attachments in one application/ms-tnef part, winmail.dat,
// which no one but Outlook can open: the agent saw "winmail.dat" instead of the customer's screenshot or invoice.
// This reads the files out of it (MS-OXTNEF). No well-kept JavaScript library does: node-tnef, the one on npm,
// was last released in 2020 and brings a logger and a CLI parser with it. Embedded messages stay in winmail.dat,
// which the raw mail keeps; the message's own properties (its body, when Outlook sent no other: tnef-body.ts) are
// read by the same walk (readTnef). A big mail's winmail.dat is walked as a stream instead (tnef-stream-read.ts),
// with the same steps (FileGatherer, readProperties).

import iconv from 'iconv-lite';

export interface TnefFile {
  filename: string;
  /** The type Outlook recorded (PR_ATTACH_MIME_TAG), when it did. */
  contentType: string | null;
  contentId: string | null;
  /** Its bytes; for a file read from a stream and stored as it was read, its first bytes. */
  content: Buffer;
  /** Set for a file stored as it was read (tnef-stream-read.ts): as InboundAttachment's. */
  streamed?: { sha256: string | null; size: number };
}

const SIGNATURE = 0x223e9f78;
/** The signature and the legacy key, before the first attribute. */
export const TNEF_HEAD_BYTES = 6;
export const LEVEL_MESSAGE = 1;
export const LEVEL_ATTACHMENT = 2;
const ATT_ATTACH_REND_DATA = 0x00069002; // starts each attachment
const ATT_ATTACH_TITLE = 0x00018010; // its file name, in the message's code page
export const ATT_ATTACH_DATA = 0x0006800f; // its bytes
const ATT_ATTACHMENT = 0x00069005; // its MAPI properties
export const ATT_OEM_CODEPAGE = 0x00069007;
/** The attachment attributes FileGatherer reads besides attAttachData. */
export const FILE_ATTRIBUTES: ReadonlySet<number> = new Set([ATT_ATTACH_REND_DATA, ATT_ATTACH_TITLE, ATT_ATTACHMENT]);

const PR_ATTACH_DATA_BIN = 0x3701;
const PR_ATTACH_LONG_FILENAME = 0x3707;
const PR_ATTACH_MIME_TAG = 0x370e;
const PR_ATTACH_CONTENT_ID = 0x3712;
const PR_DISPLAY_NAME = 0x3001;

export const PT_LONG = 0x0003;
export const PT_STRING8 = 0x001e;
export const PT_UNICODE = 0x001f;
export const PT_BINARY = 0x0102;
const PT_OBJECT = 0x000d;
const MULTI_VALUED = 0x1000;
/** Bytes of each fixed-size MAPI type's value (before the padding to 4). */
const FIXED_SIZE: Record<number, number> = { 0x0001: 4, 0x0002: 2, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x000a: 4, 0x000b: 2, 0x0014: 8, 0x0040: 8, 0x0048: 16 };

/** A TNEF stream that is not what it says: the caller keeps winmail.dat as it came. */
export class Malformed extends Error {}

class Reader {
  offset = 0;
  constructor(readonly bytes: Buffer) {}
  need(n: number): void {
    if (n < 0 || this.offset + n > this.bytes.length) throw new Malformed('truncated');
  }
  u16(): number {
    this.need(2);
    const v = this.bytes.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.bytes.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }
  take(n: number): Buffer {
    this.need(n);
    const v = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  skipPadded(n: number): void {
    this.take(n);
    this.take((4 - (n % 4)) % 4);
  }
}

export function isTnef(content: Buffer): boolean {
  return content.length >= TNEF_HEAD_BYTES && content.readUInt32LE(0) === SIGNATURE;
}

/** A file's bytes: whole, or (read from a stream) its first ones and where the rest went. */
export type FileData = Pick<TnefFile, 'content' | 'streamed'>;

interface Draft {
  title: string | null;
  longName: string | null;
  contentType: string | null;
  contentId: string | null;
  data: FileData | null;
}

export interface TnefContents {
  files: TnefFile[];
  /** Attachments that are not files (an embedded message, an OLE object): left in winmail.dat. */
  others: number;
}

/** One attribute of a TNEF stream, with the code page the stream named before it. */
export interface TnefAttribute {
  level: number;
  id: number;
  data: Buffer;
  codepage: number;
}

/**
 * What `read` makes of the attributes of a TNEF stream, or null when it is not one or is cut short or malformed
 * (`read` throws Malformed for a part it finds malformed).
 */
export function readTnef<T>(content: Buffer, read: (attributes: Iterable<TnefAttribute>) => T): T | null {
  return isTnef(content) ? unlessMalformed(() => read(attributes(content))) : null;
}

/** What `read` gives, or null when it finds the stream malformed. */
export function unlessMalformed<T>(read: () => T): T | null {
  try {
    return read();
  } catch (error) {
    if (error instanceof Malformed) return null;
    throw error;
  }
}

function* attributes(content: Buffer): Generator<TnefAttribute> {
  const r = new Reader(content);
  r.offset = TNEF_HEAD_BYTES;
  let codepage = 1252;
  while (r.offset < content.length) {
    const level = r.take(1)[0]!;
    const id = r.u32();
    const data = r.take(r.u32());
    r.u16(); // checksum: Outlook's own are sometimes wrong, and a wrong one spoils nothing we read
    if (id === ATT_OEM_CODEPAGE && data.length >= 4) codepage = data.readUInt32LE(0);
    yield { level, id, data, codepage };
  }
}

/** The files in a TNEF stream, or null when it is not one or is cut short or malformed. */
export function tnefFiles(content: Buffer): TnefContents | null {
  return readTnef(content, readFiles);
}

function readFiles(attributes: Iterable<TnefAttribute>): TnefContents {
  const gatherer = new FileGatherer();
  for (const attribute of attributes) gatherer.add(attribute);
  return gatherer.contents();
}

/** The files of a TNEF stream, put together from its attachment attributes as they come. */
export class FileGatherer {
  private readonly drafts: Draft[] = [];

  /** Whether an attAttachData now has a file to belong to (one before any attachment starts is not read). */
  get expectsData(): boolean {
    return this.drafts.length > 0;
  }

  /** `data`: attAttachData's bytes as they were read from a stream; else the attribute's own are. */
  add({ level, id, data, codepage }: TnefAttribute, fileData?: FileData): void {
    if (level !== LEVEL_ATTACHMENT) return;
    if (id === ATT_ATTACH_REND_DATA) this.drafts.push({ title: null, longName: null, contentType: null, contentId: null, data: null });
    const current = this.drafts.at(-1);
    if (!current) return;
    if (id === ATT_ATTACH_TITLE) current.title = decode8(data, codepage);
    else if (id === ATT_ATTACH_DATA) current.data = fileData ?? { content: data };
    else if (id === ATT_ATTACHMENT) readAttachmentProperties(data, codepage, current);
  }

  /** An attribute too long to hold (tnef-stream-read.ts): a file it starts is counted, and stays unread. */
  skipped(id: number): void {
    if (id === ATT_ATTACH_REND_DATA) this.drafts.push({ title: null, longName: null, contentType: null, contentId: null, data: null });
  }

  contents(): TnefContents {
    const files = this.drafts.flatMap((d): TnefFile[] => {
      const filename = d.longName || d.title;
      return d.data && filename ? [{ filename, contentType: d.contentType, contentId: d.contentId, ...d.data }] : [];
    });
    return { files, others: this.drafts.length - files.length };
  }
}

/** iconv-lite's name for a Windows code page. */
export function codepageLabel(codepage: number): string {
  // The code page the stream names (Outlook writes its ANSI one: 1250 in Poland, 1251 in Russia, 932 in Japan;
  // read as Latin-1, "Faktura č.pdf" reached the agent as "Faktura è.pdf"). A Western PC's OEM code page means
  // Windows-1252, as does one iconv does not know.
  const named = `cp${codepage}`;
  return codepage === 65001 ? 'utf-8' : codepage === 437 || codepage === 850 || !iconv.encodingExists(named) ? 'windows-1252' : named;
}

export function decode8(bytes: Buffer, codepage: number): string {
  const text = bytes.subarray(0, bytes.indexOf(0) >= 0 ? bytes.indexOf(0) : bytes.length);
  return iconv.decode(text, codepageLabel(codepage)).trim();
}

/** A MAPI property's first value: the bytes of a variable-size one, the (unpadded) bytes of a fixed-size one. */
export interface MapiProperty {
  id: number;
  type: number;
  value: Buffer;
}

/** A MAPI property list (MS-OXTNEF 2.1.3.5), each property's first value given to `visit`. */
export function readProperties(bytes: Buffer, visit: (property: MapiProperty) => void): void {
  const r = new Reader(bytes);
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const type = r.u16();
    const id = r.u16();
    if (id >= 0x8000) {
      r.take(16); // named property: its GUID, then a number or a name
      if (r.u32() === 0) r.u32();
      else r.skipPadded(r.u32());
    }
    const base = type & ~MULTI_VALUED;
    const variable = base === PT_STRING8 || base === PT_UNICODE || base === PT_BINARY || base === PT_OBJECT;
    const values = variable || type & MULTI_VALUED ? r.u32() : 1;
    for (let v = 0; v < values; v++) {
      let value: Buffer;
      if (variable) {
        const length = r.u32();
        value = r.take(length);
        r.take((4 - (length % 4)) % 4);
      } else {
        const size = FIXED_SIZE[base];
        if (size === undefined) throw new Malformed(`unknown MAPI type ${base}`);
        value = r.take(size);
        r.take((4 - (size % 4)) % 4);
      }
      if (v === 0) visit({ id, type: base, value });
    }
  }
}

/** A string property's text (PT_STRING8 in the stream's code page, PT_UNICODE), or null for another type. */
export function propertyText({ type, value }: MapiProperty, codepage: number): string | null {
  if (type === PT_UNICODE) return value.toString('utf16le').replace(/\0+$/, '').trim();
  return type === PT_STRING8 ? decode8(value, codepage) : null;
}

/** Only the few properties of a file are kept. */
function readAttachmentProperties(bytes: Buffer, codepage: number, into: Draft): void {
  readProperties(bytes, (p) => {
    const text = () => propertyText(p, codepage);
    if (p.id === PR_ATTACH_LONG_FILENAME && text() !== null) into.longName = text() || into.longName;
    else if (p.id === PR_DISPLAY_NAME && !into.longName && text() !== null) into.longName = text() || null;
    else if (p.id === PR_ATTACH_MIME_TAG && text() !== null) into.contentType = text() || null;
    else if (p.id === PR_ATTACH_CONTENT_ID && text() !== null) into.contentId = text() || null;
    else if (p.id === PR_ATTACH_DATA_BIN && p.type === PT_BINARY && !into.data) into.data = { content: p.value };
  });
}
