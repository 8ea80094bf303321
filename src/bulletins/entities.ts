// HTML character references as bulletin writers paste them (&euro;, &mdash;, &ntilde;, &#8364;, &#x20AC;),
// for the text part, where nothing else would turn them into characters. No dependency of ours ships the
// HTML5 list of 2,000-odd names, so this is the part of it that Spanish, Portuguese and English text uses:
// every Latin-1 letter (built from its accent below), punctuation, currency and signs. A name not known here
// stays as it was typed, as do references without their ";" (which HTML still reads, in some cases).

const SYMBOLS: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', shy: '\u00ad',
  euro: '€', cent: '¢', pound: '£', yen: '¥', curren: '¤', dollar: '$',
  copy: '©', reg: '®', trade: '™', deg: '°', plusmn: '±', times: '×', divide: '÷', middot: '·', sect: '§', para: '¶',
  micro: 'µ', permil: '‰', percnt: '%', num: '#', commat: '@', not: '¬', brvbar: '¦', macr: '¯', acute: '´', cedil: '¸', uml: '¨',
  iexcl: '¡', iquest: '¿', laquo: '«', raquo: '»', lsaquo: '‹', rsaquo: '›',
  lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“', rdquo: '”', bdquo: '„', prime: '′', Prime: '″',
  ndash: '–', mdash: '—', hellip: '…', bull: '•', dagger: '†', Dagger: '‡', ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009',
  zwnj: '\u200c', zwj: '\u200d', lrm: '\u200e', rlm: '\u200f',
  ordf: 'ª', ordm: 'º', sup1: '¹', sup2: '²', sup3: '³', frac14: '¼', frac12: '½', frac34: '¾',
  larr: '←', rarr: '→', uarr: '↑', darr: '↓', harr: '↔', rArr: '⇒', lArr: '⇐',
  le: '≤', ge: '≥', ne: '≠', asymp: '≈', minus: '−', infin: '∞', sum: '∑', radic: '√', check: '✓',
  AElig: 'Æ', aelig: 'æ', OElig: 'Œ', oelig: 'œ', szlig: 'ß', ETH: 'Ð', eth: 'ð', THORN: 'Þ', thorn: 'þ', Oslash: 'Ø', oslash: 'ø',
  Scaron: 'Š', scaron: 'š', Yuml: 'Ÿ', fnof: 'ƒ', circ: 'ˆ', tilde: '˜',
};

// &aacute; &Ntilde; &ccedil; &ouml;...: the letter, then the accent (combining mark) it carries.
const ACCENTS: Record<string, string> = { grave: '\u0300', acute: '\u0301', circ: '\u0302', tilde: '\u0303', uml: '\u0308', ring: '\u030a', cedil: '\u0327' };

function named(name: string): string | undefined {
  const symbol = SYMBOLS[name];
  if (symbol !== undefined) return symbol;
  const m = /^([A-Za-z])(grave|acute|circ|tilde|uml|ring|cedil)$/.exec(name);
  if (!m) return undefined;
  const letter = `${m[1]}${ACCENTS[m[2] as string]}`.normalize('NFC');
  // Only letters that exist precomposed ("&xuml;" is no entity).
  return letter.length === 1 ? letter : undefined;
}

function numeric(code: number): string | undefined {
  if (!Number.isInteger(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return String.fromCodePoint(code);
}

export function decodeEntities(value: string): string {
  return value.replace(/&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));/g, (whole, dec?: string, hex?: string, name?: string) => {
    const decoded = dec !== undefined ? numeric(Number(dec)) : hex !== undefined ? numeric(parseInt(hex, 16)) : named(name as string);
    return decoded ?? whole;
  });
}
