// What the text under an RTF font is written in. Outlook's Rich Text editor writes a Russian text as \'xx bytes
// under a font of \fcharset204 (Windows-1251) whatever the document's \ansicpg, a Japanese one as \'xx\'yy pairs
// under \fcharset128 (Shift-JIS), and a Wingdings smiley as a "J" under a \fcharset2 font (symbol-fonts.ts).

import iconv from 'iconv-lite';
import { symbolChar, symbolFont, type SymbolFont } from './symbol-fonts.js';
import { codepageLabel } from './tnef.js';

/** Windows's code page of each \fcharset (the RTF specification's table; Johab, Mac and OEM are left to \ansicpg). */
const CHARSET_CODEPAGES: Record<number, number> = {
  128: 932, 129: 949, 134: 936, 136: 950, 161: 1253, 162: 1254, 163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251,
  222: 874, 238: 1250,
};

/** A font of the font table, as read so far: its name ("Wingdings;") and \fcharset. */
export interface RtfFont {
  name: string;
  charset: number | null;
  /** What its text is written in, once asked (encodingOf). */
  encoding?: RtfEncoding;
}

/** A code page, a symbol font, or null: the document's \ansicpg (ANSI and default charsets, and the unknown). */
export type RtfEncoding = number | SymbolFont | null;

/** What a font's text is written in: a symbol font by its name (whatever \fcharset says), else its charset's code page. */
export function encodingOf(font: RtfFont | undefined): RtfEncoding {
  if (!font) return null;
  // Not ??=: null (the document's code page) is an answer too, worked out once.
  if (font.encoding === undefined) font.encoding = symbolFont(font.name.split(';')[0] ?? '') ?? CHARSET_CODEPAGES[font.charset ?? 0] ?? null;
  return font.encoding;
}

/** Each single-byte code page's 256 characters by iconv's name (null: a multi-byte one), built once from iconv. */
const SINGLE_BYTE = new Map<string, string[] | null>();
const MULTI_BYTE = new Set(['cp932', 'cp936', 'cp949', 'cp950', 'utf-8']);

/**
 * The text of bytes in a code page or a symbol font. A short run of a single-byte code page's is looked up byte by
 * byte: text that changes fonts often (a word in Russian, a smiley) comes in such runs, and iconv's Buffer for each
 * made it 2.5 times slower to read; iconv reads long runs faster.
 */
export function decodeBytes(bytes: number[], encoding: number | SymbolFont): string {
  if (typeof encoding === 'string') return bytes.map((b) => symbolChar(encoding, b)).join('');
  const label = codepageLabel(encoding);
  let table = SINGLE_BYTE.get(label);
  if (table === undefined) {
    const all = MULTI_BYTE.has(label) ? [] : [...iconv.decode(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), label)];
    table = all.length === 256 ? all : null; // a lead byte took the next: a multi-byte code page
    SINGLE_BYTE.set(label, table);
  }
  if (table === null || bytes.length > 32) return iconv.decode(Buffer.from(bytes), label);
  let text = '';
  for (const b of bytes) text += table[b];
  return text;
}
