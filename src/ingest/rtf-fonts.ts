// What the text under an RTF font is written in. Outlook's Rich Text editor writes a Russian text as \'xx bytes
// under a font of \fcharset204 (Windows-1251) whatever the document's \ansicpg, a Japanese one as \'xx\'yy pairs
// under \fcharset128 (Shift-JIS), and a Wingdings smiley as a "J" under a \fcharset2 font (symbol-fonts.ts).

import { symbolFont, type SymbolFont } from './symbol-fonts.js';

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
  font.encoding ??= symbolFont(font.name.split(';')[0] ?? '') ?? CHARSET_CODEPAGES[font.charset ?? 0] ?? null;
  return font.encoding;
}
