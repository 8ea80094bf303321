/**
 * HTML to text (used when there is no text/plain part, and to line an HTML part's symbol fonts up with the text/plain
 * part: plain-symbols.ts). A small linear tag scanner;
 * planer's own HTML mode needs a full DOM with XPath (jsdom), which this project does not ship.
 */
import { HtmlFonts, MARK_CLOSE, MARK_OPEN, MARK_SHOWN } from './html-fonts.js';
import { MAX_HTML_CHARS, MAX_QUOTE_DEPTH } from './limits.js';
import { itemMarker, openList, type OpenList } from './list-markers.js';

const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'center', 'dd', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr',
  'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tbody', 'thead', 'tfoot', 'tr', 'ul',
]);
const SKIP_CONTENT_TAGS = new Set(['head', 'style', 'script', 'title', 'template', 'noscript', 'xml']);

const QUOTE_OPEN = '\u0001';
const QUOTE_CLOSE = '\u0002';
/** Starts a line of preformatted text: its leading spaces are kept (a pasted log, a stack trace). */
const PRE_LINE = '\u0003';

const NAMED_ENTITIES: Record<string, string> = {
  nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«',
  raquo: '»', bull: '•', middot: '·', euro: '€', pound: '£', cent: '¢', deg: '°', ordf: 'ª',
  ordm: 'º', iexcl: '¡', iquest: '¿', shy: '', zwnj: '', zwj: '', times: '×',
  aacute: 'á', eacute: 'é', iacute: 'í', oacute: 'ó', uacute: 'ú', yacute: 'ý',
  Aacute: 'Á', Eacute: 'É', Iacute: 'Í', Oacute: 'Ó', Uacute: 'Ú', Yacute: 'Ý',
  agrave: 'à', egrave: 'è', igrave: 'ì', ograve: 'ò', ugrave: 'ù',
  Agrave: 'À', Egrave: 'È', Igrave: 'Ì', Ograve: 'Ò', Ugrave: 'Ù',
  acirc: 'â', ecirc: 'ê', icirc: 'î', ocirc: 'ô', ucirc: 'û',
  Acirc: 'Â', Ecirc: 'Ê', Icirc: 'Î', Ocirc: 'Ô', Ucirc: 'Û',
  atilde: 'ã', otilde: 'õ', ntilde: 'ñ', Atilde: 'Ã', Otilde: 'Õ', Ntilde: 'Ñ',
  auml: 'ä', euml: 'ë', iuml: 'ï', ouml: 'ö', uuml: 'ü', yuml: 'ÿ',
  Auml: 'Ä', Euml: 'Ë', Iuml: 'Ï', Ouml: 'Ö', Uuml: 'Ü',
  ccedil: 'ç', Ccedil: 'Ç', szlig: 'ß', aring: 'å', Aring: 'Å', aelig: 'æ', oslash: 'ø', Oslash: 'Ø',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (m, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return m;
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[body] ?? m;
  });
}

/**
 * Tags, comments, doctypes/CDATA in one scan. Attribute text may not contain '<' and is
 * bounded, so a failed match stops at the next '<': the scan stays linear.
 */
const HTML_TOKEN_RE =
  /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<[!?][^<>]{0,10000}>|<(\/?)([a-zA-Z][a-zA-Z0-9:_-]{0,40})([^<>]{0,20000})>/g;

/**
 * The marks of a symbol (markSymbols): an entity (&#4;) decodes into one, which would forge a symbol's letter and
 * what it shows; they are taken out of the decoded text before the fonts mark it.
 */
const MARKS_RE = new RegExp(`[${MARK_OPEN}${MARK_SHOWN}${MARK_CLOSE}]`, 'g');

const HREF_RE = /\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;

/** A link's web address (http, https, ftp), entities decoded; '' for any other (mailto:, a page anchor). */
function linkAddress(attributes: string): string {
  const m = HREF_RE.exec(attributes);
  const href = decodeEntities((m?.[1] ?? m?.[2] ?? m?.[3] ?? '').trim());
  // No control characters: no address has them, and &#4; would forge a symbol's marks (MARKS_RE).
  return /^(?:https?|ftp):\/\/[^\s<>\x00-\x1f\x7f]+$/i.test(href) ? href : '';
}

/**
 * Simple HTML to text: block elements become line breaks, <br> a line break,
 * <blockquote> content becomes "> " quoted lines (so talon's text algorithm sees it
 * as a quotation), list items "1. " or "- ", preformatted text keeps its indentation,
 * head/style/script are dropped, entities decoded. `markSymbols`: text in a symbol font is given marked, letter
 * and character shown (html-fonts.ts MARK_OPEN), for plain-symbols.ts.
 */
export function htmlToText(html: string, { markSymbols = false } = {}): string {
  const src = html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html;
  const out: string[] = [];
  let atLineStart = true;
  let skipDepth = 0;
  let skipTag = '';
  let preDepth = 0;
  // A newline right after <pre> is not shown (HTML's rule).
  let preOpened = false;
  // Open lists, innermost last (list-markers.ts).
  const lists: OpenList[] = [];
  // Just after a list item's "1. " or "- ": its text follows on the same line.
  let atItemStart = false;
  let last = 0;
  // The link being read: its address and where its text starts in `out`.
  let link: { href: string; from: number } | null = null;
  // Outlook's symbol fonts (its ":)" is a Wingdings "J"), followed only in HTML that names one, up to its last one.
  let fonts = HtmlFonts.of(src, markSymbols);

  const push = (s: string): void => {
    if (s === '') return;
    out.push(s);
    atLineStart = s.endsWith('\n');
    atItemStart = false;
  };
  const softBreak = (): void => {
    if (!atLineStart && !atItemStart) push('\n');
  };
  const emitText = (raw: string): void => {
    if (skipDepth > 0 || raw === '') return;
    let t = decodeEntities(raw);
    if (markSymbols) t = t.replace(MARKS_RE, '');
    if (fonts) t = fonts.text(t);
    if (preDepth > 0) {
      t = t.replace(/\r\n?/g, '\n');
      if (preOpened) t = t.replace(/^\n/, '');
      preOpened = false;
      push(t.split('\n').map((line, i) => (i > 0 || atLineStart ? `${PRE_LINE}${line}` : line)).join('\n'));
      return;
    }
    t = t.replace(/[ \t\r\n\f]+/g, ' ');
    if (atLineStart || atItemStart) t = t.replace(/^ /, '');
    push(t);
  };

  const re = new RegExp(HTML_TOKEN_RE.source, 'g');
  let m: RegExpExecArray | null;
  while ((m = re.exec(src)) !== null) {
    emitText(src.slice(last, m.index));
    last = m.index + m[0].length;
    const name = (m[2] ?? '').toLowerCase();
    if (!name) continue; // comment, doctype, CDATA, processing instruction
    const closing = m[1] === '/';
    const selfClosing = /\/\s*$/.test(m[3] ?? '');

    if (skipDepth > 0) {
      if (name === skipTag && !selfClosing) skipDepth += closing ? -1 : 1;
      continue;
    }
    if (SKIP_CONTENT_TAGS.has(name)) {
      if (!closing && !selfClosing) {
        skipTag = name;
        skipDepth = 1;
      }
      continue;
    }
    if (fonts && !fonts.tag(name, closing, selfClosing, m[3] ?? '', last)) fonts = null;
    if (name === 'br') {
      push('\n');
      continue;
    }
    if (name === 'a') {
      if (!closing) link = { href: linkAddress(m[3] ?? ''), from: out.length };
      else if (link) {
        // The text of a link is often not its address ("este enlace"): the address is what the agent needs.
        if (link.href && !out.slice(link.from).join('').includes(link.href)) push(` <${link.href}>`);
        link = null;
      }
      continue;
    }
    if (name === 'pre') {
      preDepth = Math.max(0, preDepth + (closing ? -1 : 1));
      preOpened = !closing;
    }
    if (name === 'ol' || name === 'ul') {
      // A stray </ul> does not close the <ol> around it (nor the reverse): only a list of its kind, innermost.
      const open = lists.map((l) => l.tag).lastIndexOf(name);
      if (closing) lists.splice(open >= 0 ? open : lists.length);
      else lists.push(openList(name, m[3] ?? '', () => src.slice(re.lastIndex)));
    }
    if (name === 'li' && !closing) {
      // The customer's "in step 2" needs the 2: items are numbered as the list showed them.
      if (atItemStart) push('\n'); // the item before was empty: its marker keeps a line of its own
      else softBreak();
      push(itemMarker(lists.at(-1), m[3] ?? ''));
      atItemStart = true;
      continue;
    }
    if (name === 'blockquote') {
      // Its marker must be a line of its own, even right after an item's "1. ": else the quotation is not seen.
      if (atItemStart) push('\n');
      else softBreak();
      push(closing ? `${QUOTE_CLOSE}\n` : `${QUOTE_OPEN}\n`);
      continue;
    }
    if (name === 'hr') {
      softBreak();
      push('\n');
      continue;
    }
    if (name === 'td' || name === 'th') {
      if (closing && !atLineStart) push(' ');
      continue;
    }
    if (BLOCK_TAGS.has(name)) softBreak();
  }
  emitText(src.slice(last));

  // Apply blockquote depth as '>' prefixes; trim lines; collapse runs of blank lines.
  const lines: string[] = [];
  let depth = 0;
  for (const rawLine of out.join('').split('\n')) {
    if (rawLine === QUOTE_OPEN) {
      depth++;
      continue;
    }
    if (rawLine === QUOTE_CLOSE) {
      depth = Math.max(0, depth - 1);
      continue;
    }
    const line = rawLine.startsWith(PRE_LINE) ? rawLine.replaceAll(PRE_LINE, '').trimEnd() : rawLine.trim();
    if (line === '' && lines.length > 0 && lines[lines.length - 1] === (depth > 0 ? '>'.repeat(Math.min(depth, MAX_QUOTE_DEPTH)) : '')) continue;
    lines.push(depth > 0 ? `${'>'.repeat(Math.min(depth, MAX_QUOTE_DEPTH))} ${line}`.trimEnd() : line);
  }
  // Blank lines around the text go, but not the indentation of a preformatted first line (a pasted trace).
  return lines.join('\n').replace(/^\n+/, '').trimEnd();
}
