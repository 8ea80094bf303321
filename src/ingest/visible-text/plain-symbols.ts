// Outlook's text/plain part has the letters its HTML part shows in a symbol font: its ":)" is a Wingdings "J" in the
// HTML and a bare "J" in the text ("Gracias J"), its "-->" an "à", a list's bullet a "·" (symbol-fonts.ts). The
// ticket's text is the text/plain part: here it gets the characters the sender saw, where the HTML's text lines up
// with it. The two parts are each the mail's rendering, not the same text: white space, line breaks and quote marks
// differ, and a part may hold what the other does not (an image's "[cid:...]", a mailing tool's "view in HTML" text).
// So a letter is replaced only where the HTML's text around a run of symbols, white space and quote marks left out,
// is found in the text/plain part as many times as in the HTML (the n-th of the one is the n-th of the other); the
// rest of the text is left as it is.

import { HtmlFonts, MARK_CLOSE, MARK_OPEN, MARK_SHOWN } from './html-fonts.js';
import { htmlToText } from './html-to-text.js';
import { MAX_HTML_CHARS, MAX_INPUT_CHARS } from './limits.js';

/** Stands for the start and the end of a text: a run of symbols at either is found only at the same end. */
const EDGE = '\u0000';
/**
 * The text looked for around a run of symbols, in characters other than white space, before and after it: both
 * sides first, then one (what follows a symbol at a line's end may differ: a signature's image), then fewer.
 */
const CONTEXTS: ReadonlyArray<readonly [number, number]> = [[16, 16], [16, 0], [0, 16], [6, 6]];
/** Fewer characters around a run say too little of where it is (unless they are the whole text: a lone smiley). */
const MIN_CONTEXT = 4;
/**
 * Runs lined up at most, occurrences of a run's surroundings counted, and characters searched for them (each try
 * searches both texts; about 10 ms): beyond, the rest stays letters. Without the last, a mail of 500 KB of HTML and
 * hundreds of smileys was searched for tenths of a second.
 */
const MAX_RUNS = 200;
const MAX_OCCURRENCES = 64;
const MAX_SEARCHED = 8_000_000;
const MARKED = new RegExp(`${MARK_OPEN}([^${MARK_OPEN}${MARK_SHOWN}${MARK_CLOSE}]*)${MARK_SHOWN}([^${MARK_OPEN}${MARK_SHOWN}${MARK_CLOSE}]*)${MARK_CLOSE}`, 'g');
/**
 * What a text is compared without: the quote marks at a line's start (the HTML's blockquote is "> ", the text/plain
 * part's quote "> " or nothing), white space, and the characters that show nothing (soft hyphen, zero widths).
 */
const LEFT_OUT = /(?:^|\n)[\s\x00-\x20\x7f\u00ad\u200b-\u200f>]*|(?:[^\S\n]|[\x00-\x09\x0b-\x20\x7f\u00ad\u200b-\u200f])+/g;
/** Word's private-use code of a symbol (U+F04A for the Wingdings "J"), compared as its letter. */
const PRIVATE_USE = /[\uf020-\uf0ff]/g;

/**
 * A text as compared: between two EDGEs, without what LEFT_OUT matches. `pieces`: where each piece of the text
 * kept starts, in the text and in the squeezed text, one after the other.
 */
interface Squeezed {
  text: string;
  pieces: number[];
}

/**
 * The text/plain part with the characters its HTML part shows in a symbol font, where the two line up; the text as
 * it is otherwise. HTML that puts no text in a symbol font (nearly every mail's, also Outlook's that name the fonts
 * only in their style sheet's font list) costs one search of it (HtmlFonts.of).
 */
export function plainWithSymbols(text: string, html: string | null | undefined): string {
  if (typeof html !== 'string' || text.trim() === '') return text;
  const bounded = html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html;
  if (HtmlFonts.of(bounded) === null) return text;
  try {
    return withSymbols(text, bounded);
  } catch {
    return text; // defensive, as extractVisibleText: the mail's own text is never lost to this
  }
}

function withSymbols(text: string, html: string): string {
  // htmlToText takes any mark the mail itself holds (a raw one, an entity, a link's address) out of its text: the
  // only marks in it are the fonts'.
  const marked = htmlToText(html, { markSymbols: true });
  // The HTML's text with the letters written, and where each letter marked is in it, with what it shows.
  const written: string[] = [];
  const letters: Array<[number, string]> = [];
  let length = 0;
  let last = 0;
  for (const mark of marked.matchAll(MARKED)) {
    const before = marked.slice(last, mark.index);
    letters.push([length + before.length, mark[2] as string]);
    written.push(before, mark[1] as string);
    length += before.length + (mark[1] as string).length;
    last = mark.index + mark[0].length;
  }
  if (letters.length === 0) return text;
  written.push(marked.slice(last));
  const htmlText = written.join('');
  const fromHtml = squeeze(htmlText);
  const plain = squeeze(text.length > MAX_INPUT_CHARS ? text.slice(0, MAX_INPUT_CHARS) : text);

  const replaced: Array<[number, string]> = [];
  let done = 0; // the squeezed plain text is lined up to here: a later run is found after it
  const budget = { left: MAX_SEARCHED };
  for (const run of runs(fromHtml, letters).slice(0, MAX_RUNS)) {
    // The squeezed texts have no white space: "todo ☺\nJuan" against "todo\nJuan" lines up the J of Juan. The
    // letters replaced must sit as the run's do in the HTML (sitsAlike), else a real letter would become a symbol.
    const fits = (found: number, open: OpenSide) => sitsAlike(htmlText, run.at, text, run.at.map((_, i) => inText(plain, found + i)), open);
    const found = lineUp(fromHtml.text, plain.text, { ...run, after: done }, budget, fits);
    if (budget.left < 0) break;
    if (found < 0) continue;
    run.shown.forEach((char, i) => replaced.push([inText(plain, found + i), char]));
    done = found + run.shown.length;
  }
  let out = '';
  let next = 0;
  for (const [at, char] of replaced) {
    out += text.slice(next, at) + char;
    next = at + 1;
  }
  return out + text.slice(next);
}

/** A run of letters marked: [from, to) in the squeezed HTML text, what each shows, and where each is in the HTML's text. */
interface Run {
  from: number;
  to: number;
  shown: string[];
  at: number[];
}

/** The side of a run a one-sided context leaves open (CONTEXTS [16, 0]: 'after'), null for none. */
type OpenSide = 'before' | 'after' | null;

/** The runs of letters marked, next to each other in the squeezed HTML text: [from, to) and what each letter shows. */
function runs(squeezed: Squeezed, letters: Array<[number, string]>): Run[] {
  const found: Run[] = [];
  for (const [at, shown] of letters) {
    const i = inSqueezed(squeezed, at);
    if (i < 0) continue; // a quote mark's ">" at a line's start
    const open = found[found.length - 1];
    if (open && open.to === i) {
      open.to = i + 1;
      open.shown.push(shown);
      open.at.push(at);
    } else found.push({ from: i, to: i + 1, shown: [shown], at: [at] });
  }
  return found;
}

/**
 * Where in the plain text the run [from, to) of the HTML's text is, or -1: its surroundings must be in both texts
 * as often, and the run's place in the plain text after `after` (the runs before it were found before it). Each try
 * takes the length of both texts from the budget; -1 once it is spent.
 */
function lineUp(html: string, plain: string, { from, to, after }: { from: number; to: number; after: number }, budget: { left: number }, fits: (found: number, open: OpenSide) => boolean): number {
  for (const [before, behind] of CONTEXTS) {
    const start = Math.max(0, from - before);
    const end = Math.min(html.length, to + behind);
    const whole = start === 0 && end === html.length;
    const context = from - start + (end - to) - (start === 0 ? 1 : 0) - (end === html.length ? 1 : 0);
    if (context < MIN_CONTEXT && !whole) continue;
    budget.left -= html.length + plain.length;
    if (budget.left < 0) return -1;
    const around = html.slice(start, end);
    const inHtml = occurrences(html, around, MAX_OCCURRENCES);
    const nth = inHtml.indexOf(start);
    if (nth < 0 || inHtml.length === MAX_OCCURRENCES) continue;
    const inPlain = occurrences(plain, around, inHtml.length + 1);
    if (inPlain.length !== inHtml.length) continue;
    const found = (inPlain[nth] as number) + (from - start);
    const open: OpenSide = before === 0 ? 'before' : behind === 0 ? 'after' : null;
    if (found >= after && fits(found, open)) return found;
  }
  return -1;
}

/** White space, and the characters that show nothing: a letter next to one (or to a text's end) starts or ends a word. */
const BLANK = /[\s\x00-\x20\x7f\u00a0\u00ad\u200b-\u200f]/;
/** What may stand between a line's edge and its first or last letter: blanks, and a quote's ">" at its start. */
const AT_LINE_EDGE = /[^\S\n]|[\x00-\x09\x0b-\x20\x7f\u00ad\u200b-\u200f]/;
/** Characters stepped over looking for a line's edge: beyond, a run is taken not to be at one. */
const MAX_EDGE_STEPS = 256;

/**
 * Whether the plain text's letters at `inPlain` sit as the HTML text's run at `inHtml` does: each with a blank (or
 * the text's end) on the same sides, and at a line's edge on the side a one-sided context left open, in both texts
 * (and on its other side, in both or in neither).
 * The texts compared are squeezed: without this, the letter next to a symbol the plain part lacks was taken for it.
 */
function sitsAlike(html: string, inHtml: number[], plain: string, inPlain: number[], open: OpenSide): boolean {
  for (let i = 0; i < inHtml.length; i++) {
    const h = inHtml[i] as number;
    const t = inPlain[i] as number;
    if (blankAt(html, h - 1) !== blankAt(plain, t - 1) || blankAt(html, h + 1) !== blankAt(plain, t + 1)) return false;
  }
  if (open === null) return true;
  const step = open === 'before' ? -1 : 1;
  const first = [inHtml[0] as number, inPlain[0] as number] as const;
  const last = [inHtml[inHtml.length - 1] as number, inPlain[inPlain.length - 1] as number] as const;
  const [h, t] = open === 'before' ? first : last;
  if (!atLineEdge(html, h + step, step) || !atLineEdge(plain, t + step, step)) return false;
  // The side the context lined up: at a line's edge in both or in neither. A line of that one letter under "Un
  // saludo ☺" (an initial; the part lacking the smiley) lines up with the smiley's one-sided context, but is alone.
  const [hc, tc] = open === 'before' ? last : first;
  return atLineEdge(html, hc - step, -step as -1 | 1) === atLineEdge(plain, tc - step, -step as -1 | 1);
}

function blankAt(text: string, i: number): boolean {
  return i < 0 || i >= text.length || BLANK.test(text[i] as string);
}

/** Whether from `i` on, stepping by `step`, only blanks (and, before, quote marks) come before a line break or the text's end. */
function atLineEdge(text: string, i: number, step: -1 | 1): boolean {
  for (let steps = 0; steps < MAX_EDGE_STEPS; steps++, i += step) {
    if (i < 0 || i >= text.length || text[i] === '\n') return true;
    const c = text[i] as string;
    if (!AT_LINE_EDGE.test(c) && !(step < 0 && c === '>')) return false;
  }
  return false;
}

/** Where the needle starts in the text, overlapping ones too, up to `most` of them. */
function occurrences(text: string, needle: string, most: number): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(needle); i >= 0 && found.length < most; i = text.indexOf(needle, i + 1)) found.push(i);
  return found;
}

/** The text as compared (LEFT_OUT), and where its pieces are: one pass of the expression, no match objects. */
function squeeze(text: string): Squeezed {
  const pieces: number[] = [];
  let last = 0;
  let length = EDGE.length;
  const squeezed = text.replace(LEFT_OUT, (skip: string, at: number) => {
    if (at > last) pieces.push(last, length);
    length += at - last;
    last = at + skip.length;
    return '';
  });
  if (text.length > last) pieces.push(last, length);
  return { text: `${EDGE}${squeezed.replace(PRIVATE_USE, (c) => String.fromCharCode(c.charCodeAt(0) - 0xf000))}${EDGE}`, pieces };
}

/** Where the squeezed text's character at `i` is in the text. */
function inText(squeezed: Squeezed, i: number): number {
  const piece = pieceOf(squeezed.pieces, i, 1);
  return (squeezed.pieces[piece] as number) + i - (squeezed.pieces[piece + 1] as number);
}

/** Where the text's character at `at` is in the squeezed text; -1 when it is left out. */
function inSqueezed(squeezed: Squeezed, at: number): number {
  const { pieces } = squeezed;
  const piece = pieceOf(pieces, at, 0);
  if (piece < 0) return -1;
  const i = (pieces[piece + 1] as number) + at - (pieces[piece] as number);
  const next = pieces[piece + 3] ?? squeezed.text.length - EDGE.length;
  return i < next ? i : -1;
}

/** The index in `pieces` of the last piece that starts at or before `at` (`side`: 0 in the text, 1 squeezed); -1 for none. */
function pieceOf(pieces: number[], at: number, side: 0 | 1): number {
  let low = 0;
  let high = pieces.length / 2 - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((pieces[middle * 2 + side] as number) <= at) {
      found = middle * 2;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}
