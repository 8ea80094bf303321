// The text of the compressed RTF Outlook keeps a "Rich Text" mail's body in (PR_RTF_COMPRESSED, tnef-body.ts).
// Decompression (MS-OXRTFCP) is @kenjiuno/decompressrtf's, the one msgreader uses; an RTF that encapsulates HTML or
// text (MS-OXRTFEX: what Outlook makes of a mail written in HTML) is de-encapsulated by rtf-stream-parser. A native
// RTF's text is read by rtf-text.ts. Whatever the bytes, the answer is a body or null, never an exception.

import { decompressRTF } from '@kenjiuno/decompressrtf';
import iconv from 'iconv-lite';
import { deEncapsulateSync } from 'rtf-stream-parser';
import { rtfText } from './rtf-text.js';

const COMPRESSED = 0x75465a4c; // "LZFu"
const UNCOMPRESSED = 0x414c454d; // "MELA"
const HEADER_BYTES = 16;
/**
 * The decompressor builds its output as a plain array of numbers (8 bytes each), up to ~8 bytes out per byte in: a
 * crafted 4 MiB body would hold ~250 MB for a moment. Outlook's RTF of a mail's text is a few KiB compressed (one
 * with pasted pictures, a few hundred); a bigger one is left in winmail.dat, as every RTF was before.
 */
export const MAX_COMPRESSED_RTF_BYTES = 1024 * 1024;

/** The RTF in PR_RTF_COMPRESSED's bytes, or null when they are not what their header says. */
export function decompressedRtf(bytes: Buffer): Buffer | null {
  if (bytes.length < HEADER_BYTES) return null;
  // COMPSIZE counts the bytes after itself. The decompressor reads as far as it says, past the end too (as zeros,
  // and for a COMPSIZE of 2 GB that is an endless run of them): one that says more than there is, is refused.
  const size = bytes.readUInt32LE(0);
  const rawSize = bytes.readUInt32LE(4);
  const type = bytes.readUInt32LE(8);
  if (size + 4 > bytes.length || size < HEADER_BYTES - 4 || size > MAX_COMPRESSED_RTF_BYTES) return null;
  if (type === UNCOMPRESSED) return bytes.subarray(HEADER_BYTES, HEADER_BYTES + Math.min(rawSize, size - 12));
  if (type !== COMPRESSED) return null;
  try {
    const rtf = Buffer.from(decompressRTF(bytes.subarray(0, size + 4) as unknown as number[]));
    return rtf.subarray(0, Math.min(rawSize, rtf.length));
  } catch {
    return null;
  }
}

export type RtfBody = { text: string } | { html: string };

/** What an RTF (compressed or not) says: the HTML or text it encapsulates, else its text; null when empty. */
export function rtfBody(bytes: Buffer): RtfBody | null {
  const rtf = bytes.subarray(0, 5).toString('latin1') === '{\\rtf' ? bytes : decompressedRtf(bytes);
  if (!rtf) return null;
  try {
    const encapsulated = encapsulatedBody(rtf);
    if (encapsulated) return encapsulated;
    const text = rtfText(rtf);
    return text ? { text } : null;
  } catch {
    return null;
  }
}

/** \fromhtml1 or \fromtext: where MS-OXRTFEX says, in the RTF's header (before its first group, or soon after). */
function encapsulatedBody(rtf: Buffer): RtfBody | null {
  const latin1 = rtf.toString('latin1');
  if (!/\\from(html1|text)\b/.test(latin1.slice(0, 1024))) return null;
  // rtf-stream-parser's tokenizer prints "Bad hex digit" (console.warn) for a \'xx that is not one: such an RTF,
  // no Outlook's, is read as a native one.
  if (/\\'(?![0-9a-fA-F]{2})/.test(latin1)) return null;
  try {
    const { mode, text } = deEncapsulateSync(rtf, { decode: decodeCodepage, warn: () => {} });
    const body = String(text).trim();
    if (!body) return null;
    return mode === 'html' ? { html: body } : { text: body };
  } catch {
    return null; // read as a native RTF
  }
}

function decodeCodepage(bytes: Buffer, encoding: string): string {
  return iconv.decode(bytes, iconv.encodingExists(encoding) ? encoding : 'windows-1252');
}
