// The <style> sheets of an HTML part and their rules, for the classes a sheet gives a symbol font (css-fonts.ts).
// Mail is hostile input: each sheet is read once, a bounded part of it, with indexOf loops only (a rule regex
// backtracked over braceless text: 190 s for 480 KB), so reading the sheets costs time linear in what is read.

const STYLE_OPEN_RE = /<style\b[^<>]*>/gi;
const STYLE_CLOSE_RE = /<\/style\s*>/gi;
/** Read of one sheet, and of all: Outlook's own sheet is a few KiB; beyond, rules are not followed. */
export const MAX_SHEET_CHARS = 64 * 1024;
export const MAX_SHEETS_CHARS = 256 * 1024;

/** A rule of a sheet: its selector text [start, open) and its declarations (open, close), offsets in the HTML. */
export interface Rule {
  start: number;
  open: number;
  close: number;
  /**
   * Its selector is an at-rule's (@font-face, @list), or it is inside one (@media, @supports): its declarations give
   * no class a font. When a nested rule applies is not known here (a print sheet, a phone's width), and one followed
   * wrongly turned a whole passage into symbols; Outlook's own sheet nests none.
   */
  atRule: boolean;
}

/** A sheet: [from, to) in the HTML, `read` the end of what is read of it, its rules in order. */
export interface Sheet {
  from: number;
  to: number;
  read: number;
  rules: Rule[];
}

/** The sheets opened before `before` (the last mention: later ones do not matter), in order, their rules parsed. */
export function styleSheets(html: string, before: number): Sheet[] {
  const opening = html.slice(0, before);
  const sheets: Sheet[] = [];
  let budget = MAX_SHEETS_CHARS;
  STYLE_OPEN_RE.lastIndex = 0;
  for (let open = STYLE_OPEN_RE.exec(opening); open; open = STYLE_OPEN_RE.exec(opening)) {
    const from = open.index + open[0].length;
    STYLE_CLOSE_RE.lastIndex = from;
    const close = STYLE_CLOSE_RE.exec(html);
    const to = close ? close.index : html.length;
    const read = from + Math.min(to - from, MAX_SHEET_CHARS, budget);
    budget -= read - from;
    sheets.push({ from, to, read, rules: read > from ? rules(html.slice(from, read), from) : [] });
    if (!close) break;
    STYLE_OPEN_RE.lastIndex = close.index;
  }
  return sheets;
}

/**
 * The rules of a sheet's text, at `offset` in the HTML: a selector is the text since the last brace before its "{",
 * its declarations the text to the next "}" when no "{" comes first (a rule inside @media is found by itself, marked
 * as an at-rule's; its @media is not one).
 */
function rules(sheet: string, offset: number): Rule[] {
  const found: Rule[] = [];
  const to = sheet.length;
  // In the sheet's text, not the HTML's: an indexOf finding nothing goes to the end of what it searches.
  const nextOf = (char: string, at: number) => {
    const i = sheet.indexOf(char, at);
    return i < 0 ? to : i;
  };
  let start = 0;
  let open = nextOf('{', 0);
  let close = nextOf('}', 0);
  let nested = 0; // blocks of at-rules open ("@media screen {")
  while (open < to || close < to) {
    if (close < open) {
      if (nested > 0) nested--; // the end of an @media block, or a stray "}"
      start = close + 1;
      close = nextOf('}', start);
      continue;
    }
    const after = nextOf('{', open + 1);
    if (close < after) {
      const atRule = nested > 0 || selectorText(sheet.slice(start, open)).startsWith('@');
      found.push({ start: offset + start, open: offset + open, close: offset + close, atRule });
      start = close + 1;
      close = nextOf('}', start);
    } else {
      nested++; // "@media screen {": the rules are inside
      start = open + 1;
    }
    open = after;
  }
  return found;
}

/** A rule's selector text without the comments around it (Outlook's sheet is in <!-- -->, with CSS comments). */
export function selectorText(text: string): string {
  return text.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, '').replace(/<!--|-->/g, '').trim();
}
