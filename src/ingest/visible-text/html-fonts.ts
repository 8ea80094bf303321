// The font of the text the HTML scanner reads, for Outlook's symbol fonts: `<span style='font-family:Wingdings'>J</span>`
// is its ":)" (symbol-fonts.ts). Outlook names the font in a style's font-family, in mso-symbol-font-family (with
// mso-char-type:symbol), or in an older <font face=...>. Fonts a <style> sheet gives a class are not followed.

import { symbolFont, symbolText, type SymbolFont } from '../symbol-fonts.js';

/** Only HTML that names one of the fonts pays for following them: the scanner is on the ingest hot path. */
const NAMES_A_SYMBOL_FONT = /(?:w[ie][nb]gdings|symbol)/i; // this form scans 300 KiB in 0.07 ms, "a|b|c" in 0.3
/** Attributes that may set a font: most tags' (a paragraph's class, a link) are passed over on this test alone. */
const MAY_SET_FONT = /font|face/i;

const VOID_TAGS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const STYLE_RE = /\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
const FACE_RE = /\sface\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
/** The family list of a `font:` shorthand: what follows its size (and line height). */
const SHORTHAND_FAMILY_RE = /(?:^|\s)[\d.]+[a-z%]*(?:\s*\/\s*\S+)?\s+(\S.*)$/i;
/** Open elements followed at most: deeper ones count as elements of the innermost, so the lookups stay short. */
const MAX_OPEN = 64;

/** An open element that sets a font (null: not a symbol font), and how many elements of its name it holds open. */
interface Open {
  name: string;
  font: SymbolFont | null;
  nested: number;
}

export class HtmlFonts {
  private readonly open: Open[] = [];

  /** A tracker for the HTML, or null when it names no symbol font (its text is then never mapped). */
  static of(html: string): HtmlFonts | null {
    return NAMES_A_SYMBOL_FONT.test(html) ? new HtmlFonts() : null;
  }

  /** Follows a tag (its lower-case name and the attribute text after it). */
  tag(name: string, closing: boolean, selfClosing: boolean, attributes: string): void {
    if (VOID_TAGS.has(name) || selfClosing) return;
    const inner = this.innermost(name);
    if (closing) {
      if (inner && inner.nested > 0) inner.nested--;
      else if (inner) this.open.length = this.open.lastIndexOf(inner);
      return;
    }
    const font = fontOf(name, attributes);
    if (font !== undefined && this.open.length < MAX_OPEN) this.open.push({ name, font, nested: 0 });
    else if (inner) inner.nested++;
  }

  /** Text read at this point, as its font shows it. */
  text(text: string): string {
    const font = this.open.at(-1)?.font;
    return font ? symbolText(font, text) : text;
  }

  private innermost(name: string): Open | undefined {
    for (let i = this.open.length - 1; i >= 0; i--) if (this.open[i]?.name === name) return this.open[i];
    return undefined;
  }
}

/** The font an element sets: a symbol font, null for another, undefined when it sets none. */
function fontOf(name: string, attributes: string): SymbolFont | null | undefined {
  if (!MAY_SET_FONT.test(attributes)) return undefined;
  let family: string | undefined;
  const style = STYLE_RE.exec(attributes);
  if (style) {
    const css = (style[1] ?? style[2] ?? style[3] ?? '').replace(/&quot;|&#34;|&#39;|&apos;/gi, '"');
    for (const declaration of css.split(';')) {
      const colon = declaration.indexOf(':');
      if (colon < 0) continue;
      const property = declaration.slice(0, colon).trim().toLowerCase();
      const value = declaration.slice(colon + 1);
      // Word's symbol characters: the font in which the character is to be read, whatever the text's font.
      if (property === 'mso-symbol-font-family' && symbolFont(firstFamily(value))) return symbolFont(firstFamily(value));
      if (property === 'font-family') family = value;
      else if (property === 'font') family = SHORTHAND_FAMILY_RE.exec(value.trim())?.[1] ?? family;
    }
  }
  if (family === undefined && name === 'font') {
    const face = FACE_RE.exec(attributes);
    if (face) family = face[1] ?? face[2] ?? face[3];
  }
  return family === undefined ? undefined : symbolFont(firstFamily(family));
}

/** The family a browser uses (the first, which Windows has): the rest are fallbacks. */
function firstFamily(list: string): string {
  return list.split(',')[0] ?? '';
}
