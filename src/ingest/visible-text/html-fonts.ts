// The font of the text the HTML scanner reads, for Outlook's symbol fonts: `<span style='font-family:Wingdings'>J</span>`
// is its ":)" (symbol-fonts.ts). Outlook names the font in a style's font-family, in mso-symbol-font-family (with
// mso-char-type:symbol), in an older <font face=...>, or in a class its <style> sheet gives the font (css-fonts.ts).

import { symbolFont, symbolText, type SymbolFont } from '../symbol-fonts.js';
import { fontMentions, fontOfClasses, fontOfDeclarations, firstFamily, type ClassFonts } from './css-fonts.js';

/** Where the HTML names one of the fonts ("Segoe UI Symbol" and "Noto Sans Symbols" are other fonts). */
const NAMES_A_SYMBOL_FONT = /w[ie][nb]gdings|(?<!ui )symbol(?!s)/gi;

/**
 * Marks around a character of a symbol font in the text of `HtmlFonts.of(html, true)`: the letter written, then the
 * character shown (\u0004J\u0005☺\u0006), for lining the HTML's text up with its mail's text/plain part (plain-symbols.ts).
 */
export const MARK_OPEN = '\u0004';
export const MARK_SHOWN = '\u0005';
export const MARK_CLOSE = '\u0006';

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

  private constructor(private readonly mentions: number[], private readonly classes: ClassFonts | null, private readonly marked: boolean) {}

  /**
   * A tracker for the HTML, or null when no tag of it is in a symbol font (its text is then never mapped): it names
   * none, or only in its style sheet's font list and list styles. `marked`: each character shown in a symbol font
   * is given as the letter written and the character shown, between the MARK_ characters.
   */
  static of(html: string, marked = false): HtmlFonts | null {
    const mentions = Array.from(html.matchAll(NAMES_A_SYMBOL_FONT), (m) => m.index);
    if (mentions.length === 0) return null;
    const { tags, classes } = fontMentions(html, mentions);
    return tags.length > 0 ? new HtmlFonts(tags, classes, marked) : null;
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
    let font = fontOf(name, attributes, this.classes);
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
    if (!font) return text;
    if (!this.marked) return symbolText(font, text);
    let out = '';
    for (const char of text) {
      const shown = symbolText(font, char);
      out += shown === char ? char : `${MARK_OPEN}${char}${MARK_SHOWN}${shown}${MARK_CLOSE}`;
    }
    return out;
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

/**
 * The font an element sets: a symbol font, null for another, undefined when it sets none. Its style attribute
 * overrides its classes, and both a <font face> (CSS's rule for HTML's own attributes).
 */
function fontOf(name: string, attributes: string, classes: ClassFonts | null): SymbolFont | null | undefined {
  const style = STYLE_RE.exec(attributes);
  const inline = style ? fontOfDeclarations((style[1] ?? style[2] ?? style[3] ?? '').replace(/&quot;|&#34;|&#39;|&apos;/gi, '"')) : undefined;
  if (inline !== undefined) return inline;
  const classed = classes ? fontOfClasses(classes, name, attributes) : undefined;
  if (classed !== undefined || name !== 'font') return classed;
  const face = FACE_RE.exec(attributes);
  return face ? symbolFont(firstFamily(face[1] ?? face[2] ?? face[3] ?? '')) : undefined;
}
