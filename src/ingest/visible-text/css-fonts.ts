// The fonts CSS gives text, for Outlook's symbol fonts (symbol-fonts.ts): a style attribute's declarations, and the
// classes a <style> sheet gives a font (`span.Emoticono {font-family:Wingdings}`, `<span class=Emoticono>J</span>`).
// Read for the HTML scanner's font tracker (html-fonts.ts), only in HTML that names a symbol font.

import { symbolFont, type SymbolFont } from '../symbol-fonts.js';

/**
 * The family list of a `font:` shorthand: what follows its size (and line height), line ends included (Outlook wraps
 * long style attributes). `[^]*` rather than `.*`: with `.*` a value holding a line end failed at every start and
 * was tried again from the next, time growing with the square of its length (3 s for one mail of 26 such tags).
 */
const SHORTHAND_FAMILY_RE = /(?:^|\s)[\d.]+[a-z%]*(?:\s*\/\s*\S+)?\s+(\S[^]*)$/i;
/** A `font:` value is read this far at most: a real one is a size and a few family names. */
const MAX_SHORTHAND_CHARS = 256;
const STYLE_OPEN_RE = /<style\b[^<>]*>/gi;
const STYLE_CLOSE_RE = /<\/style\s*>/gi;
/** A rule of a style sheet: its selectors and its declarations (a rule inside @media is found by itself). */
const RULE_RE = /([^{}]*)\{([^{}]*)\}/g;
/** A selector this reads: an element's name and a class, or a class alone (`span.EmailStyle17`, `.MsoWingdings`). */
const CLASS_SELECTOR_RE = /^([a-z][a-z0-9]*)?\.([\w-]+)$/i;
const CLASS_ATTRIBUTE_RE = /\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;

/** The font a class gives, for an element of any name (`tag` null) or of one; symbol fonts and the others that undo them. */
interface ClassFont {
  tag: string | null;
  font: SymbolFont | null;
}

/** The fonts a style sheet gives classes, by lower-case class name (HTML without a doctype, as Outlook's, ignores case). */
export type ClassFonts = Map<string, ClassFont[]>;

/**
 * The font a list of declarations sets: a symbol font, null for another, undefined when it sets none. Word's
 * mso-symbol-font-family names the font a symbol character is read in, whatever the text's font.
 */
export function fontOfDeclarations(css: string): SymbolFont | null | undefined {
  let family: string | undefined;
  for (const declaration of css.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1);
    if (property === 'mso-symbol-font-family') {
      const symbol = symbolFont(firstFamily(value));
      if (symbol) return symbol;
    } else if (property === 'font-family') family = value;
    else if (property === 'font') family = SHORTHAND_FAMILY_RE.exec(value.slice(0, MAX_SHORTHAND_CHARS).trim())?.[1] ?? family;
  }
  return family === undefined ? undefined : symbolFont(firstFamily(family));
}

/** The family a browser uses (the first, which Windows has): the rest are fallbacks. */
export function firstFamily(list: string): string {
  return list.split(',')[0] ?? '';
}

/** The font an element's classes give it (undefined: none of them sets one); a rule for its name before one for any. */
export function fontOfClasses(classes: ClassFonts, name: string, attributes: string): SymbolFont | null | undefined {
  const attribute = CLASS_ATTRIBUTE_RE.exec(attributes);
  if (!attribute) return undefined;
  let found: ClassFont | undefined;
  for (const token of (attribute[1] ?? attribute[2] ?? attribute[3] ?? '').toLowerCase().split(/\s+/)) {
    for (const rule of classes.get(token) ?? []) {
      if (rule.tag === name) return rule.font;
      if (rule.tag === null) found = rule;
    }
  }
  return found?.font;
}

/**
 * Where the HTML names a symbol font (`mentions`, in order) tells the tracker which tags to read for their font: a
 * mention in a tag, and (when a style sheet gives a class a symbol font) the class attributes of that class. Outlook
 * names Wingdings and Symbol in its style sheet's @font-face and @list rules, whether its text uses them or not: a
 * mention in a rule that is no class's costs a look back at the rule's selector, and its mail nothing more.
 */
export function fontMentions(html: string, mentions: number[]): { tags: number[]; classes: ClassFonts | null } {
  // Only the sheets opened before the last mention matter: the search for them stops there, not at the HTML's end.
  const opening = html.slice(0, mentions[mentions.length - 1] ?? 0);
  const sheets: Array<[number, number]> = [];
  STYLE_OPEN_RE.lastIndex = 0;
  for (let open = STYLE_OPEN_RE.exec(opening); open; open = STYLE_OPEN_RE.exec(opening)) {
    STYLE_CLOSE_RE.lastIndex = open.index + open[0].length;
    const close = STYLE_CLOSE_RE.exec(html);
    sheets.push([open.index + open[0].length, close ? close.index : html.length]);
    if (!close) break;
    STYLE_OPEN_RE.lastIndex = close.index;
  }
  const tags: number[] = [];
  const classSheets = new Set<[number, number]>();
  for (const at of mentions) {
    const sheet = sheets.find(([from, to]) => at >= from && at < to);
    if (sheet) {
      if (!classSheets.has(sheet) && namesClassFont(html, sheet[0], at)) classSheets.add(sheet);
    } else if (html.lastIndexOf('<', at) > html.lastIndexOf('>', at)) tags.push(at); // in a tag, not in the text
  }
  if (classSheets.size === 0) return { tags, classes: null };
  const classes = classFonts([...classSheets].map(([from, to]) => html.slice(from, to)));
  if (!classes) return { tags, classes: null };
  // The elements of the classes in a symbol font: their tags are read too (the others' are, inside one).
  const symbolic = new Set([...classes].filter(([, rules]) => rules.some((rule) => rule.font)).map(([name]) => name));
  for (const attribute of html.matchAll(new RegExp(CLASS_ATTRIBUTE_RE.source, 'gi'))) {
    const names = (attribute[1] ?? attribute[2] ?? attribute[3] ?? '').toLowerCase().split(/\s+/);
    if (names.some((name) => symbolic.has(name))) tags.push(attribute.index);
  }
  return { tags: tags.sort((a, b) => a - b), classes };
}

/** Whether the mention at `at` of a style sheet starting at `from` is in the declarations of a rule not an at-rule's. */
function namesClassFont(html: string, from: number, at: number): boolean {
  const open = html.lastIndexOf('{', at);
  if (open < from || html.lastIndexOf('}', at) > open) return false;
  const start = Math.max(html.lastIndexOf('}', open), html.lastIndexOf('{', open - 1), from - 1) + 1;
  return !selectorText(html.slice(start, open)).startsWith('@');
}

/** A rule's selector text without the comments around it (Outlook's sheet is in <!-- -->, with CSS comments). */
function selectorText(text: string): string {
  return text.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, '').replace(/<!--|-->/g, '').trim();
}

/** The fonts the sheets' class rules give, later rules overriding earlier ones; null when none gives a symbol font. */
function classFonts(sheets: string[]): ClassFonts | null {
  const classes: ClassFonts = new Map();
  let symbols = false;
  for (const sheet of sheets) {
    for (const [, selectors, declarations] of sheet.matchAll(RULE_RE)) {
      const selector = selectorText(selectors ?? '');
      if (selector.startsWith('@')) continue;
      const font = fontOfDeclarations(declarations ?? '');
      if (font === undefined) continue;
      for (const one of selector.split(',')) {
        const match = CLASS_SELECTOR_RE.exec(one.trim());
        if (!match) continue; // descendants, ids, attributes, pseudo-classes: not followed
        const name = (match[2] as string).toLowerCase();
        const tag = match[1]?.toLowerCase() ?? null;
        const rules = (classes.get(name) ?? []).filter((rule) => rule.tag !== tag);
        classes.set(name, [...rules, { tag, font }]);
        if (font) symbols = true;
      }
    }
  }
  return symbols ? classes : null;
}
