// The fonts CSS gives text, for Outlook's symbol fonts (symbol-fonts.ts): a style attribute's declarations, and the
// classes a <style> sheet gives a font (`span.Emoticono {font-family:Wingdings}`, `<span class=Emoticono>J</span>`).
// Read for the HTML scanner's font tracker (html-fonts.ts), only in HTML that names a symbol font.

import { symbolFont, type SymbolFont } from '../symbol-fonts.js';
import { selectorText, styleSheets, type Rule, type Sheet } from './css-sheets.js';

/**
 * The family list of a `font:` shorthand: what follows its size (and line height), line ends included (Outlook wraps
 * long style attributes). `[^]*` rather than `.*`: with `.*` a value holding a line end failed at every start and
 * was tried again from the next, time growing with the square of its length (3 s for one mail of 26 such tags).
 */
const SHORTHAND_FAMILY_RE = /(?:^|\s)[\d.]+[a-z%]*(?:\s*\/\s*\S+)?\s+(\S[^]*)$/i;
/** A `font:` value is read this far at most: a real one is a size and a few family names. */
const MAX_SHORTHAND_CHARS = 256;
/** A selector this reads: an element's name and a class, or a class alone (`span.EmailStyle17`, `.MsoWingdings`). */
const CLASS_SELECTOR_RE = /^([a-z][a-z0-9]*)?\.([\w-]+)$/i;
const CLASS_ATTRIBUTE_RE = /\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
const CLASS_ATTRIBUTES_RE = new RegExp(CLASS_ATTRIBUTE_RE.source, 'gi');

/** The font a class gives, for an element of any name (`tag` null) or of one; symbol fonts and the others that undo them. */
interface ClassFont {
  tag: string | null;
  font: SymbolFont | null;
  /** Its rule's place in the sheets: of two rules as specific, the later wins. */
  order: number;
}

/** The fonts a style sheet gives classes, by lower-case class name (HTML without a doctype, as Outlook's, ignores case). */
export type ClassFonts = Map<string, ClassFont[]>;

/**
 * The font a list of declarations sets: a symbol font, null for another, undefined when it sets none. Word's
 * mso-symbol-font-family names the font a symbol character is read in, whatever the text's font.
 */
export function fontOfDeclarations(css: string): SymbolFont | null | undefined {
  let family: string | undefined;
  let symbolFamily: string | undefined;
  let symbolChar = false;
  for (const declaration of css.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1);
    if (property === 'mso-symbol-font-family') symbolFamily = value;
    else if (property === 'mso-char-type') symbolChar = value.trim().toLowerCase() === 'symbol';
    else if (property === 'font-family') family = value;
    else if (property === 'font') family = SHORTHAND_FAMILY_RE.exec(value.slice(0, MAX_SHORTHAND_CHARS).trim())?.[1] ?? family;
  }
  // Word reads the text in mso-symbol-font-family only as a symbol character (mso-char-type:symbol); a browser never.
  const symbol = symbolChar && symbolFamily !== undefined ? symbolFont(firstFamily(symbolFamily)) : null;
  if (symbol) return symbol;
  return family === undefined ? undefined : symbolFont(firstFamily(family));
}

/** The family a browser uses (the first, which Windows has): the rest are fallbacks. */
export function firstFamily(list: string): string {
  return list.split(',')[0] ?? '';
}

/**
 * The font an element's classes give it (undefined: none of them sets one): CSS's cascade, a rule for its name and a
 * class (span.x) before one for a class alone (.x), and of equal ones the later in the sheets, whatever the order of
 * the names in its class attribute (`.a{Wingdings} .b{Calibri}`: class="b a" is in Calibri).
 */
export function fontOfClasses(classes: ClassFonts, name: string, attributes: string): SymbolFont | null | undefined {
  const attribute = CLASS_ATTRIBUTE_RE.exec(attributes);
  if (!attribute) return undefined;
  let found: ClassFont | undefined;
  for (const token of (attribute[1] ?? attribute[2] ?? attribute[3] ?? '').toLowerCase().split(/\s+/)) {
    for (const rule of classes.get(token) ?? []) {
      if (rule.tag !== null && rule.tag !== name) continue;
      if (!found || weight(rule) > weight(found)) found = rule;
    }
  }
  return found?.font;
}

/** A rule's precedence: its specificity (an element's name counts), then its place in the sheets. */
function weight(rule: ClassFont): number {
  return (rule.tag === null ? 0 : 1e9) + rule.order;
}

/**
 * Where the HTML names a symbol font (`mentions`, in order) tells the tracker which tags to read for their font: a
 * mention in a tag, and (when a style sheet gives a class a symbol font) the class attributes of that class. Outlook
 * names Wingdings and Symbol in its style sheet's @font-face and @list rules, whether its text uses them or not: a
 * mention in a rule that is no class's costs its mail nothing more. The mentions are judged in order, with pointers
 * into the sheets, their rules and the HTML's "<" and ">" that only move forward: a mail naming the fonts 100,000
 * times costs one pass (a look back per mention took 18 s).
 */
export function fontMentions(html: string, mentions: number[]): { tags: number[]; classes: ClassFonts | null } {
  // Only the sheets opened before the last mention matter: the search for them stops there, not at the HTML's end.
  const sheets = styleSheets(html, mentions[mentions.length - 1] ?? 0);
  const tags: number[] = [];
  const classSheets = new Set<Sheet>();
  let sheet = 0;
  let rule = 0;
  const lastLt = lastBefore(html, '<');
  const lastGt = lastBefore(html, '>');
  for (const at of mentions) {
    while (sheet < sheets.length && (sheets[sheet] as Sheet).to <= at) {
      sheet++;
      rule = 0;
    }
    const inSheet = sheets[sheet];
    if (inSheet && at >= inSheet.from) {
      // In a sheet: in a rule's declarations, not an at-rule's, within the part read.
      const { rules } = inSheet;
      while (rule < rules.length && (rules[rule] as Rule).close <= at) rule++;
      const around = rules[rule];
      if (around && around.open < at && !around.atRule) classSheets.add(inSheet);
    } else if (lastLt(at) > lastGt(at)) tags.push(at); // in a tag, not in the text
  }
  if (classSheets.size === 0) return { tags, classes: null };
  const classes = classFonts(html, [...classSheets]);
  if (!classes) return { tags, classes: null };
  // The elements of the classes in a symbol font: their tags are read too (the others' are, inside one).
  const symbolic = new Set([...classes].filter(([, rules]) => rules.some((one) => one.font)).map(([name]) => name));
  for (const attribute of html.matchAll(CLASS_ATTRIBUTES_RE)) {
    const names = (attribute[1] ?? attribute[2] ?? attribute[3] ?? '').toLowerCase().split(/\s+/);
    if (names.some((name) => symbolic.has(name))) tags.push(attribute.index);
  }
  return { tags: tags.sort((a, b) => a - b), classes };
}

/** The last `char` before each place asked for (-1: none), places asked in order: one pass of the HTML in all. */
function lastBefore(html: string, char: string): (at: number) => number {
  let last = -1;
  let next = html.indexOf(char);
  return (at) => {
    while (next >= 0 && next < at) {
      last = next;
      next = html.indexOf(char, next + 1);
    }
    return last;
  };
}

/** The fonts the sheets' class rules give, later rules overriding earlier ones; null when none gives a symbol font. */
function classFonts(html: string, sheets: Sheet[]): ClassFonts | null {
  const classes: ClassFonts = new Map();
  let symbols = false;
  let order = 0;
  for (const sheet of sheets) {
    for (const { start, open, close, atRule } of sheet.rules) {
      if (atRule) continue;
      const font = fontOfDeclarations(html.slice(open + 1, close));
      if (font === undefined) continue;
      order++;
      for (const one of selectorText(html.slice(start, open)).split(',')) {
        const match = CLASS_SELECTOR_RE.exec(one.trim());
        if (!match) continue; // descendants, ids, attributes, pseudo-classes: not followed
        const name = (match[2] as string).toLowerCase();
        const tag = match[1]?.toLowerCase() ?? null;
        const rules = (classes.get(name) ?? []).filter((rule) => rule.tag !== tag);
        classes.set(name, [...rules, { tag, font, order }]);
        if (font) symbols = true;
      }
    }
  }
  return symbols ? classes : null;
}
