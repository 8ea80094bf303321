// The font of the text the HTML scanner reads, for Outlook's symbol fonts: `<span style='font-family:Wingdings'>J</span>`
// is its ":)" (symbol-fonts.ts). Outlook names the font in a style's font-family, in mso-symbol-font-family (with
// mso-char-type:symbol), or in an older <font face=...>. Fonts a <style> sheet gives a class are not followed.

import { symbolFont, symbolText, type SymbolFont } from '../symbol-fonts.js';

/** Where the HTML names one of the fonts ("Segoe UI Symbol" and "Noto Sans Symbols" are other fonts). */
const NAMES_A_SYMBOL_FONT = /w[ie][nb]gdings|(?<!ui )symbol(?!s)/gi;

const VOID_TAGS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/**
 * Blocks: a browser ends the inline elements (span, font, b...) left open in one at its end, so an unclosed
 * `<span style='font-family:Wingdings'>` ends with its paragraph, not with the mail.
 */
const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'center', 'dd', 'details', 'dir', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'html', 'li',
  'main', 'menu', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);
const STYLE_RE = /\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
const FACE_RE = /\sface\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
/**
 * The family list of a `font:` shorthand: what follows its size (and line height), line ends included (Outlook wraps
 * long style attributes). `[^]*` rather than `.*`: with `.*` a value holding a line end failed at every start and
 * was tried again from the next, time growing with the square of its length (3 s for one mail of 26 such tags).
 */
const SHORTHAND_FAMILY_RE = /(?:^|\s)[\d.]+[a-z%]*(?:\s*\/\s*\S+)?\s+(\S[^]*)$/i;
/** A `font:` value is read this far at most: a real one is a size and a few family names. */
const MAX_SHORTHAND_CHARS = 256;
/** Open elements followed at most: deeper ones count as elements of the innermost, so the lookups stay short. */
const MAX_OPEN = 64;

/**
 * An open element that sets a font (null: not a symbol font), or a block opened in one (with the font it is in), and
 * how many elements of its name it holds open.
 */
interface Open {
  name: string;
  font: SymbolFont | null;
  nested: number;
}

/**
 * The font of the text the scanner reads. The scanner is on the ingest hot path: HTML that names none of the fonts
 * costs one search, and in HTML that does, only a tag that names one, or one inside an element in one, is read for
 * its font (Outlook names a font in nearly every span: reading each one's made the scanner 1.5 times slower).
 */
export class HtmlFonts {
  /** The open elements that set a font, and blocks in them, innermost last; only while one is in a symbol font. */
  private readonly open: Open[] = [];
  /** How many of them are in a symbol font. */
  private symbols = 0;
  /** The next of the places where the HTML names a symbol font. */
  private next = 0;

  private constructor(private readonly mentions: number[]) {}

  /** A tracker for the HTML, or null when it names no symbol font (its text is then never mapped). */
  static of(html: string): HtmlFonts | null {
    const mentions = Array.from(html.matchAll(NAMES_A_SYMBOL_FONT), (m) => m.index);
    return mentions.length > 0 ? new HtmlFonts(mentions) : null;
  }

  /**
   * Follows a tag: its lower-case name, the attribute text after it, and where the tag ends in the HTML. False once
   * no symbol font is in effect nor named further on: the scanner can stop asking.
   */
  tag(name: string, closing: boolean, selfClosing: boolean, attributes: string, end: number): boolean {
    // Does a mention fall in the tag's attributes? The tags come in order: the mentions before them are passed.
    const from = end - 1 - attributes.length;
    while (this.next < this.mentions.length && (this.mentions[this.next] as number) < from) this.next++;
    const namesOne = this.next < this.mentions.length && (this.mentions[this.next] as number) < end;
    if (this.symbols === 0 && !namesOne) {
      this.open.length = 0; // no symbol font in effect, and this tag brings none: other fonts do not matter
      return this.next < this.mentions.length;
    }
    if (VOID_TAGS.has(name) || selfClosing) return true;
    const inner = this.innermost(name);
    if (closing) {
      if (inner && inner.nested > 0) inner.nested--;
      else if (inner) this.close(this.open.lastIndexOf(inner));
      else if (BLOCK_TAGS.has(name)) this.close(this.innermostBlock() + 1); // a block opened before the font ends
      return true;
    }
    // A block opened in the font is followed too: its end is then not the end of the block the font was opened in.
    let font = fontOf(name, attributes);
    if (font === undefined && BLOCK_TAGS.has(name)) font = this.open[this.open.length - 1]?.font ?? null;
    if (font !== undefined && this.open.length < MAX_OPEN) {
      this.open.push({ name, font, nested: 0 });
      if (font) this.symbols++;
    } else if (inner) inner.nested++;
    return true;
  }

  /** Text read at this point, as its font shows it. */
  text(text: string): string {
    const font = this.symbols > 0 ? this.open[this.open.length - 1]?.font : null;
    return font ? symbolText(font, text) : text;
  }

  /** Ends the open elements from the index on. */
  private close(from: number): void {
    for (const closed of this.open.splice(from)) if (closed.font) this.symbols--;
  }

  /** The index of the innermost open block (-1 for none): the inline elements after it end with a block. */
  private innermostBlock(): number {
    for (let i = this.open.length - 1; i >= 0; i--) if (BLOCK_TAGS.has(this.open[i]?.name as string)) return i;
    return -1;
  }

  private innermost(name: string): Open | undefined {
    for (let i = this.open.length - 1; i >= 0; i--) if (this.open[i]?.name === name) return this.open[i];
    return undefined;
  }
}

/** The font an element sets: a symbol font, null for another, undefined when it sets none. */
function fontOf(name: string, attributes: string): SymbolFont | null | undefined {
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
      if (property === 'mso-symbol-font-family') {
        const symbol = symbolFont(firstFamily(value));
        if (symbol) return symbol;
      } else if (property === 'font-family') family = value;
      else if (property === 'font') family = SHORTHAND_FAMILY_RE.exec(value.slice(0, MAX_SHORTHAND_CHARS).trim())?.[1] ?? family;
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
