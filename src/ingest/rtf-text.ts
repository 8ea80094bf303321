// The text of a native RTF, as Outlook writes a "Rich Text" mail's body (rtf-body.ts): no library on npm reads it
// as text without also showing the font table, the document's title or a picture's hex (rtf-stream-parser's
// ToPlainText, not exported, does), so this small reader does. It knows what Outlook's RTF holds: paragraphs and
// line breaks, tabs, \'xx bytes in the document's code page (\ansicpg), \uN characters (with the \uc fallback
// skipped), hyperlink fields (their shown text); destinations that are no text (tables, metadata, pictures,
// objects, {\*\...}) are skipped. Text under a font follows the font table (rtf-fonts.ts): its \fcharset's code
// page, or a symbol font's characters (Wingdings' "J" is a smiley).

import { decodeBytes, encodingOf, type RtfEncoding, type RtfFont } from './rtf-fonts.js';
import { symbolChar } from './symbol-fonts.js';

/** Destinations whose contents are not the text a reader sees. */
const HIDDEN = new Set([
  'fonttbl', 'colortbl', 'stylesheet', 'info', 'pict', 'object', 'objdata', 'fldinst', 'nonshppict', 'themedata',
  'colorschememapping', 'latentstyles', 'datastore', 'listtable', 'listoverridetable', 'rsidtbl', 'generator',
  'xmlnstbl', 'filetbl', 'revtbl', 'pntext', 'pntxta', 'pntxtb', 'listtext', 'header', 'headerl', 'headerr',
  'headerf', 'footer', 'footerl', 'footerr', 'footerf', 'footnote', 'annotation', 'bkmkstart', 'bkmkend', 'xe', 'tc',
  'template', 'userprops', 'docvar', 'falt', 'panose', 'fontemb', 'fontfile', 'pgdsctbl', 'mmathPr', 'htmltag',
]);

/** Control words that stand for characters. */
const CHARACTERS: Record<string, string> = {
  par: '\n', line: '\n', sect: '\n', page: '\n', row: '\n', cell: '\t', tab: '\t', emdash: '\u2014', endash: '\u2013',
  lquote: '\u2018', rquote: '\u2019', ldblquote: '\u201c', rdblquote: '\u201d', bullet: '\u2022', emspace: ' ', enspace: ' ',
  '~': '\u00a0', _: '\u2011', '\\': '\\', '{': '{', '}': '}',
};

// A control word and its parameter (the space after them is theirs), a \'xx byte, a control symbol, a brace, a
// line end (not text in RTF), or a run of text.
const TOKEN = /\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z'])|([{}])|[\r\n]+|([^\\{}\r\n]+)|\\/gy;

/**
 * Groups followed at most: what is nested deeper is skipped, braces counted. Each group holds a copy of its
 * parent's state, and a crafted RTF (up to 8 MiB out of the 1 MiB compressed rtf-body.ts reads) of nothing but "{"
 * held millions of them: 2 million took ~320 MB. Outlook's and Word's RTF nest a few dozen deep.
 */
const MAX_DEPTH = 256;

interface Group {
  hidden: boolean;
  uc: number;
  /** Its font (\fN); null: the default one (\deff). */
  font: number | null;
  /** In the font table, outside a font's other destinations (\panose, \falt): a font's name is text here. */
  table: boolean;
}

/** The text of the RTF; '' when it has none. Never throws on bad input. */
export function rtfText(rtf: Buffer): string {
  const source = rtf.toString('latin1');
  const out: string[] = [];
  let codepage = 1252;
  const fonts = new Map<number, RtfFont>();
  let defining: RtfFont | null = null; // the font the font table is describing
  let deff = 0;
  // Bytes not yet decoded, all in one encoding (a double-byte character's two bytes stay together).
  let bytes: number[] = [];
  let encoding: Exclude<RtfEncoding, null> = codepage;
  const flush = () => {
    if (bytes.length) out.push(decodeBytes(bytes, encoding));
    bytes = [];
  };
  const stack: Group[] = [];
  let group: Group = { hidden: false, uc: 1, font: null, table: false };
  /** The encoding of the text at this point. */
  const current = () => encodingOf(fonts.get(group.font ?? deff)) ?? codepage;
  /** The buffer for bytes of the text at this point: the bytes before it are decoded when the encoding changes. */
  const bytesHere = (): number[] => {
    const now = current();
    if (now !== encoding) {
      flush();
      encoding = now;
    }
    return bytes;
  };
  let opened = false; // just after "{": a control word here names the group's destination
  let starred = false; // just after "{\*": an unknown destination is skipped too
  let skip = 0; // fallback characters still to skip after a \uN
  let tooDeep = 0; // groups open past MAX_DEPTH: their contents are skipped
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(source); match; match = TOKEN.exec(source)) {
    const [, word, param, hex, symbol, brace, text] = match;
    if (tooDeep > 0 || (brace === '{' && stack.length >= MAX_DEPTH)) {
      if (brace === '{') tooDeep++;
      else if (brace === '}') tooDeep--;
      else if (word === 'bin' && param !== undefined) TOKEN.lastIndex += Math.max(0, Number(param)); // bytes, not braces
      continue;
    }
    const atStart = opened;
    opened = false;
    if (stack.length === 0 && brace !== '{') continue; // outside the document's group (Outlook ends it with NULs)
    if (brace === '{') {
      stack.push(group);
      group = { ...group };
      opened = true;
      starred = false;
      skip = 0;
    } else if (brace === '}') {
      group = stack.pop() ?? group;
      skip = 0;
    } else if (word !== undefined) {
      if (atStart || starred) {
        if (HIDDEN.has(word) || starred) {
          group.hidden = true;
          group.table = word === 'fonttbl';
        }
        starred = false;
      }
      const n = param === undefined ? null : Number(param);
      if (skip > 0) skip--;
      if (word === 'ansicpg' && n !== null) codepage = n;
      else if (word === 'f' && n !== null && group.table) fonts.set(n, (defining = { name: '', charset: null }));
      else if (word === 'f' && n !== null) group.font = n;
      else if (word === 'fcharset' && n !== null && group.table && defining) defining.charset = n;
      else if (word === 'deff' && n !== null) deff = n;
      else if (word === 'plain') group.font = null;
      else if (word === 'uc' && n !== null) group.uc = Math.max(0, Math.min(n, 8));
      else if (word === 'bin' && n !== null) TOKEN.lastIndex += Math.max(0, n); // binary data, never text
      else if (word === 'u' && n !== null && !group.hidden) {
        const code = n < 0 ? n + 0x10000 : n & 0xffff;
        const here = current();
        flush();
        out.push(typeof here === 'string' ? symbolChar(here, code) : String.fromCharCode(code));
        skip = group.uc;
      } else if (CHARACTERS[word] && !group.hidden) {
        flush();
        out.push(CHARACTERS[word]);
      }
    } else if (symbol !== undefined) {
      if (symbol === '*' && atStart) starred = true;
      else if (skip > 0) skip--;
      else if (CHARACTERS[symbol] && !group.hidden) {
        flush();
        out.push(CHARACTERS[symbol]);
      }
    } else if (hex !== undefined) {
      if (skip > 0) skip--;
      else if (!group.hidden) bytesHere().push(parseInt(hex, 16));
    } else if (text !== undefined) {
      const shown = text.slice(skip);
      skip = Math.max(0, skip - text.length);
      if (group.table && defining && defining.name.length < 64) defining.name += shown.slice(0, 64); // a name, not a text
      if (group.hidden) continue;
      const into = bytesHere();
      for (let i = 0; i < shown.length; i++) if (shown.charCodeAt(i) >= 0x20) into.push(shown.charCodeAt(i) & 0xff);
    }
  }
  flush();
  return tidy(out.join(''));
}

/** Lines without the spaces RTF leaves at their ends, and no blank lines above or below the text. */
function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}
