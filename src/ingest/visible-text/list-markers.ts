// The markers of an HTML list as the customer saw them: "1. ", "b. ", "iv. " or "- ". The customer refers to them
// ("falla en el paso b"), so the text the agent reads must number them alike.

/** An open list: `null` next for an unordered one. */
export interface OpenList {
  tag: 'ol' | 'ul';
  next: number | null;
  step: 1 | -1;
  type: '1' | 'a' | 'A' | 'i' | 'I';
}

const START_RE = /\bstart\s*=\s*["']?(-?\d{1,9})/i;
const TYPE_RE = /\btype\s*=\s*["']?([1aAiI])\b/;
const REVERSED_RE = /\breversed\b/i;
const VALUE_RE = /\bvalue\s*=\s*["']?(-?\d{1,9})/i;

/**
 * The list an <ol> or <ul> opens, from its attributes. A reversed list counts down from its start, or from its
 * number of items (`after`: the HTML after the tag, read only then).
 */
export function openList(tag: 'ol' | 'ul', attributes: string, after: () => string): OpenList {
  if (tag === 'ul') return { tag, next: null, step: 1, type: '1' };
  const start = START_RE.exec(attributes)?.[1];
  const reversed = REVERSED_RE.test(attributes);
  const next = start !== undefined ? Number(start) : reversed ? itemsOf(after()) : 1;
  return { tag, next, step: reversed ? -1 : 1, type: (TYPE_RE.exec(attributes)?.[1] ?? '1') as OpenList['type'] };
}

/** The items of the list whose content `html` starts with: its <li> outside nested lists, up to its end. */
function itemsOf(html: string): number {
  let depth = 0;
  let items = 0;
  for (const m of html.matchAll(/<(\/?)(ol|ul|li)\b/gi)) {
    const closing = m[1] === '/';
    const tag = (m[2] as string).toLowerCase();
    if (tag === 'li') items += !closing && depth === 0 ? 1 : 0;
    else if (closing && depth === 0) break;
    else depth += closing ? -1 : 1;
  }
  return Math.max(items, 1);
}

/** The marker of the next item of `list` (an <li value=n> restarts the count there), and the count moved on. */
export function itemMarker(list: OpenList | undefined, attributes: string): string {
  if (!list || list.next === null) return '- ';
  const value = VALUE_RE.exec(attributes)?.[1];
  const n = value === undefined ? list.next : Number(value);
  list.next = n + list.step;
  return `${formatted(n, list.type)}. `;
}

function formatted(n: number, type: OpenList['type']): string {
  if (n < 1 || type === '1') return String(n);
  if (type === 'a' || type === 'A') return type === 'A' ? letters(n).toUpperCase() : letters(n);
  return type === 'I' ? roman(n) : roman(n).toLowerCase();
}

/** 1 -> a, 26 -> z, 27 -> aa (as browsers count). */
function letters(n: number): string {
  let s = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(97 + ((k - 1) % 26)) + s;
  return s;
}

function roman(n: number): string {
  if (n >= 4000) return String(n);
  const parts: Array<[number, string]> = [[1000, 'M'], [900, 'CM'], [500, 'D'], [400, 'CD'], [100, 'C'], [90, 'XC'], [50, 'L'], [40, 'XL'], [10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I']];
  let s = '';
  let k = n;
  for (const [v, r] of parts) for (; k >= v; k -= v) s += r;
  return s;
}
