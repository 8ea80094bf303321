// Outlook's symbol fonts: ":)" becomes a "J" in Wingdings, "-->" an "à", a list's bullet a "·" in Symbol. A reader
// without the font (the agent's) sees the letter: these are the characters the sender saw. The table is the
// dingbat-to-unicode package's (the mappings of Unicode's Wingdings/Webdings proposals and of its SYMBOL.TXT).
// Used by the HTML scanner (visible-text/html-fonts.ts) and the RTF reader (rtf-text.ts).

import { codePoint } from 'dingbat-to-unicode';

export type SymbolFont = 'Symbol' | 'Wingdings' | 'Wingdings 2' | 'Wingdings 3' | 'Webdings';

const FONTS = new Map<string, SymbolFont>(
  (['Symbol', 'Wingdings', 'Wingdings 2', 'Wingdings 3', 'Webdings'] as const).map((font) => [font.toLowerCase(), font]),
);

/**
 * Word's AutoCorrect writes "-->", "<--", "==>" and "<==" as Wingdings arrows that the table puts in Supplemental
 * Arrows-C (U+1F8xx), which many of the fonts agents read with lack: they are shown as the arrows typed.
 */
const TYPED_ARROWS: Record<number, string> = { 0xe0: '\u2192', 0xdf: '\u2190', 0xe8: '\u21d2', 0xe7: '\u21d0' };

/** The symbol font a font name (as CSS or RTF writes it: quoted, any case) names; null for any other font. */
export function symbolFont(name: string): SymbolFont | null {
  if (!/dings|symbol/i.test(name)) return null; // most names (every span of Outlook's names one): no other work
  return FONTS.get(name.replace(/!important|["']/gi, '').trim().replace(/\s+/g, ' ').toLowerCase()) ?? null;
}

/** The character a byte of a symbol font shows; null where the table has none. */
export function symbolByte(font: SymbolFont, byte: number): string | null {
  if (font === 'Wingdings' && TYPED_ARROWS[byte]) return TYPED_ARROWS[byte];
  return codePoint(font, byte)?.string ?? null;
}

/**
 * A character code of a symbol font's text as the sender saw it: a byte, or Word's private-use U+F0xx form of one,
 * mapped by the table. Spaces stay spaces (Outlook pads a list's bullet with them), and a code the table does not
 * know stays as it is.
 */
export function symbolChar(font: SymbolFont, code: number): string {
  const byte = code >= 0xf020 && code <= 0xf0ff ? code - 0xf000 : code;
  const char = String.fromCodePoint(code);
  return byte > 0xff || /\s/.test(char) ? char : (symbolByte(font, byte) ?? char);
}

/** Windows-1252's characters for bytes 0x80-0x9F: what a symbol font's byte became in HTML read in that charset. */
const CP1252_HIGH = new Map([...'€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ'].map((c, i) => [c.codePointAt(0) as number, 0x80 + i]));

/** A text (HTML's, decoded) written in a symbol font, as the sender saw it. */
export function symbolText(font: SymbolFont, text: string): string {
  let out = '';
  for (const char of text) {
    const byte = CP1252_HIGH.get(char.codePointAt(0) as number);
    out += byte === undefined ? symbolChar(font, char.codePointAt(0) as number) : (symbolByte(font, byte) ?? char);
  }
  return out;
}
