/**
 * Visible reply text of an inbound mail: what the sender actually wrote, without
 * the quoted reply chain, reply headers ("On ... wrote:", "El ... escribió:",
 * "Em ... escreveu:", Outlook "-----Original Message-----" / "De: ... Enviado: ..."),
 * "-- " signature blocks and mobile footers ("Sent from my iPhone",
 * "Enviado desde mi iPhone", "Enviado do meu iPhone", "Get Outlook for Android"...).
 *
 * The quotation algorithm is talon's, through planer (its exported line-marking and
 * marker-processing functions). On top of planer's own splitter detection we mark a
 * few more splitter lines (Spanish/Portuguese and other non-English reply headers,
 * localised "Original Message" lines, Outlook header blocks), and after planer has
 * cut the quotation we apply the signature / mobile-footer rules.
 *
 * HTML (used only when the plain text part is empty) is converted to text with a
 * small linear tag scanner that renders <blockquote> content as "> " quoted lines,
 * so the same plain-text algorithm applies. planer's own HTML mode needs a full DOM
 * with XPath (jsdom), which this project does not ship.
 *
 * Guarantees: never throws; every regex runs on bounded input (the first
 * MAX_INPUT_CHARS characters / MAX_INPUT_LINES lines, lines cut to MAX_LINE_CHARS for
 * classification); our own regexes have no ambiguous nested quantifiers, and planer's
 * polynomial "On ... wrote:" regexes only see a tamed copy of the lines (planerProbe).
 */
import planer from 'planer';

/** Only this much text is analysed; anything beyond is appended untouched when no quote was cut. */
const MAX_INPUT_CHARS = 200_000;
/** Only this many lines are analysed (talon itself stops at 1000); the rest is kept when nothing was cut. */
const MAX_INPUT_LINES = 2_000;
/**
 * Lines are classified on a prefix of at most this many characters: planer's splitter
 * regexes are polynomial in the length of the 4-line window they test.
 */
const MAX_LINE_CHARS = 250;
/** At most this many lines may start a talon "On ... wrote:" match (see planerProbe). */
const MAX_INTRO_CANDIDATES = 10;
/** Deeper blockquote nesting is rendered with this many '>' at most. */
const MAX_QUOTE_DEPTH = 10;
/** HTML beyond this size is truncated before conversion. */
const MAX_HTML_CHARS = 500_000;

export function extractVisibleText(text: string, html?: string | null): string {
  let source = '';
  try {
    source = typeof text === 'string' ? text : '';
    if (source.trim() === '' && typeof html === 'string' && html.trim() !== '') {
      source = htmlToText(html);
    }
    return extractFromPlainText(source);
  } catch {
    // Defensive: the algorithm is not expected to throw, but a mail must never be lost.
    try {
      return source.slice(0, MAX_INPUT_CHARS).trim();
    } catch {
      return '';
    }
  }
}

// ---------------------------------------------------------------------------
// Plain text pipeline
// ---------------------------------------------------------------------------

type Marker = 'e' | 'm' | 'f' | 's' | 't';

function extractFromPlainText(input: string): string {
  let text = input.replace(/\r\n?/g, '\n').replace(/^\uFEFF/, '').replace(/\u00A0/g, ' ');

  let tail = '';
  let at = -1;
  if (text.length > MAX_INPUT_CHARS) {
    const nl = text.lastIndexOf('\n', MAX_INPUT_CHARS);
    at = nl > 0 ? nl : MAX_INPUT_CHARS;
  }
  let nth = -1;
  for (let n = 0; n < MAX_INPUT_LINES; n++) {
    nth = text.indexOf('\n', nth + 1);
    if (nth < 0) break;
  }
  if (nth >= 0 && (at < 0 || nth < at)) at = nth;
  if (at >= 0) {
    tail = text.slice(at);
    text = text.slice(0, at);
  }

  const normalized = protectLinks(text);
  const lines = normalized.split('\n');
  let result = stripQuotation(lines);

  // A reply header at the very top (Android/Outlook quirks, mails that are only a
  // header + copied text) would make talon return nothing: drop that leading header
  // once and look again, unless what follows is only quoted ('>') text.
  if (!hasContent(result.lines)) {
    const rest = afterLeadingHeader(lines, result.markers);
    if (rest) result = stripQuotation(rest);
  }

  let out = result.lines;
  const before = out.length;
  out = cutSignatureBlock(out);
  out = cutMobileFooter(out);
  const removedSomething = result.removed || out.length !== before;
  out = trimTrailingNoise(out);

  let visible = restoreLinks(out.join('\n')).trim();
  if (tail && !removedSomething) visible = (visible + tail).trim();
  return visible;
}

interface StripResult {
  lines: string[];
  markers: Marker[];
  removed: boolean;
}

function stripQuotation(lines: string[]): StripResult {
  const clipped = lines.map((l) => (l.length > MAX_LINE_CHARS ? l.slice(0, MAX_LINE_CHARS) : l));
  const raw = planer.markMessageLines(planerProbe(clipped));
  const markers: Marker[] = clipped.map((_, i) => (raw[i] ?? 't') as Marker);
  markExtraSplitters(clipped, markers);
  const flags: { wereLinesDeleted?: boolean } = {};
  const kept = planer.processMarkedLines(lines.slice(), markers.join(''), flags);
  return { lines: kept, markers, removed: flags.wereLinesDeleted === true };
}

// planer's "On {date}, {somebody} wrote:" regexes backtrack polynomially (".*(,)(.*\n){0,2}.*(wrote)"),
// tried at every intro word of a 4-line window. Only a match at the start of the window
// counts, so the copy of the lines planer classifies keeps just what can matter:
// the intro word at the start of a line (for at most MAX_INTRO_CANDIDATES lines), the
// first four commas and the first two verbs of each line. Real headers are unaffected.
const PLANER_LINE_START_INTRO_RE = /^-*>? ?(?:On|Le|W dniu|Op|Am|P\u00e5|Den) /;
const PLANER_INTRO_RE = /(On|Le|W dniu|Op|Am|P\u00e5|Den) /g;
const PLANER_VERB_RE = /wrote|sent|a \u00e9crit|napisa\u0142|schreef|verzond|geschreven|schrieb|skrev/g;
const PLANER_VERB_TEST_RE = /wrote|sent|a \u00e9crit|napisa\u0142|schreef|verzond|geschreven|schrieb|skrev/;

function planerProbe(clipped: string[]): string[] {
  let candidates = 0;
  const hasVerb = clipped.map((l) => PLANER_VERB_TEST_RE.test(l));
  return clipped.map((line, i) => {
    if (line.trim() === '') return line;
    const start = PLANER_LINE_START_INTRO_RE.exec(line);
    let keep = 0;
    // an intro word can only start a header if a verb follows within the 4-line window
    if (start && (hasVerb[i] || hasVerb[i + 1] || hasVerb[i + 2] || hasVerb[i + 3])) {
      candidates++;
      if (candidates <= MAX_INTRO_CANDIDATES) keep = start[0].length;
    }
    let probe = line.slice(0, keep) + line.slice(keep).replace(PLANER_INTRO_RE, '$1\u00a0');
    let commas = 0;
    probe = probe.replace(/,/g, (c) => (++commas > 4 ? ';' : c));
    let verbs = 0;
    probe = probe.replace(PLANER_VERB_RE, (v) => (++verbs > 2 ? `${v[0]}\u00a0${v.slice(1)}` : v));
    return probe;
  });
}

function hasContent(lines: string[]): boolean {
  return lines.some((l) => !isBlank(l));
}

function afterLeadingHeader(lines: string[], markers: Marker[]): string[] | null {
  let i = 0;
  while (i < lines.length && markers[i] === 'e') i++;
  if (markers[i] !== 's') return null;
  while (i < lines.length && (markers[i] === 's' || markers[i] === 'e')) i++;
  const rest = lines.slice(i);
  const firstContent = rest.find((l) => !isBlank(l));
  if (firstContent === undefined || /^\s*>/.test(firstContent)) return null;
  return rest;
}

// planer's preprocessing: "<http://...>" links must not look like '>' quote markers.
const LINK_RE = /<(https?:\/\/[^<>\n]{0,2048})>/g;
const PROTECTED_LINK_RE = /@@(https?:\/\/[^<>@\n]{0,2048})@@/g;

function protectLinks(text: string): string {
  return text.replace(LINK_RE, (_m, url: string) => `@@${url}@@`);
}

function restoreLinks(text: string): string {
  return text.replace(PROTECTED_LINK_RE, '<$1>');
}

function isBlank(line: string): boolean {
  return /^[\s\u1427\u200B-\u200D\u2060\uFEFF]*$/.test(line);
}

// ---------------------------------------------------------------------------
// Extra splitters (what talon/planer does not know)
// ---------------------------------------------------------------------------

/** "-----Original Message-----" in the languages our users write in, with optional *bold*. */
const ORIGINAL_MESSAGE_RE =
  /^[\s*_>]*-{2,}\s*(?:original message|mensaje original|mensagem original|message d'origine|messaggio originale|urspr(?:ü|ue)ngliche nachricht|oorspronkelijk bericht|originalmeddelande|opprinnelig melding|oprindelig meddelelse|wiadomo(?:ś|s)(?:ć|c) oryginalna|исходное сообщение)\s*-{2,}[\s*_]*$/i;

/** Forward markers planer does not know; marked 'f' so forwards are kept, like planer does. */
const FORWARD_RE =
  /^[\s*_]*(?:-{2,}\s*(?:mensaje reenviado|mensagem encaminhada|mensagem reencaminhada|message transf(?:é|e)r(?:é|e)|messaggio inoltrato|weitergeleitete nachricht|doorgestuurd bericht)\s*-{2,}|(?:begin forwarded message|inicio del mensaje reenviado|in(?:í|i)cio da mensagem (?:re)?encaminhada|d(?:é|e)but du message r(?:é|e)exp(?:é|e)di(?:é|e)):)[\s*_]*$/i;

/** Old Gmail reply header: "2016-10-24 15:36 GMT+02:00 Name <mail>:" */
const GMAIL_ISO_HEADER_RE = /^\s*\d{4}-\d{2}-\d{2} \d{1,2}:\d{2} GMT[+-]\d{1,2}:?\d{2}\b/;

/** Outlook-style header lines ("From:", "De:", "Enviado:", "Para:", "Asunto:", ...), optionally *bold*. */
const HEADER_LINE_RE =
  /^\s*[*_]{0,2}(from|de|da|von|van|fra|fr(?:å|a)n|od|от|sent|enviado(?: el| em)?|enviada(?: el| em)?|gesendet|envoy(?:é|e)|inviato|verzonden|отправлено|date|fecha|data|datum|дата|to|para|a|à|an|aan|til|till|do|кому|cc|bcc|копия|subject|asunto|assunto|oggetto|betreff|objet|onderwerp|emne|(?:ä|a)mne|temat|тема|reply-to|responder a|responder para|risposta)[*_]{0,2}\s?:[*_]{0,2}(?:\s|$)/i;
const HEADER_FROM_OR_DATE_RE =
  /^\s*[*_]{0,2}(from|de|da|von|van|fra|fr(?:å|a)n|od|от|sent|enviado(?: el| em)?|enviada(?: el| em)?|gesendet|envoy(?:é|e)|inviato|verzonden|отправлено|date|fecha|data|datum|дата)[*_]{0,2}\s?:/i;
const HEADER_SUBJECT_OR_TO_RE =
  /^\s*[*_]{0,2}(to|para|a|à|an|aan|til|till|do|кому|subject|asunto|assunto|oggetto|betreff|objet|onderwerp|emne|(?:ä|a)mne|temat|тема)[*_]{0,2}\s?:/i;
const SEPARATOR_LINE_RE = /^\s*(?:_{5,}|-{5,})\s*$/;

/** Reply-header verbs ("X wrote:") in the languages seen in practice. */
const WROTE_VERB_RE =
  /(?:^|[\s,>"])(?:wrote|writes|escribi(?:ó|o)|escreveu|a (?:é|e)crit|ha scritto|scrisse|schrieb|schreef|skrev|kirjoitti|napisa(?:ł|l)(?:\(a\)|a)?|pisze|написал(?:\(а\)|а)?|пише|написав|yazd(?:ı|i))(?=[\s:：]|$)|写道|寫道|작성|のメッセージ/i;
/** A reply header starts with one of these words (then a date). */
const INTRO_RE =
  /^\s*(?:on|el|em|a|at|(?:à|a)s|no dia|le|am|il|op|den|w dniu|dnia|в|на)\s+\S/i;
const DATE_HINT_RE = /\b(?:19|20)\d{2}\b|\d{1,2}[:h.]\d{2}/;
const HEADER_END_RE = /[:：]\s*$/;

function markExtraSplitters(lines: string[], markers: Marker[]): void {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (markers[i] !== 't') continue;

    if (FORWARD_RE.test(line)) {
      markers[i] = 'f';
      continue;
    }
    if (ORIGINAL_MESSAGE_RE.test(line)) {
      markers[i] = 's';
      continue;
    }
    const headerEnd = headerBlockEnd(lines, i);
    if (headerEnd >= 0) {
      const start = i > 0 && SEPARATOR_LINE_RE.test(lines[i - 1] ?? '') ? i - 1 : i;
      for (let j = start; j <= headerEnd; j++) markers[j] = 's';
      i = headerEnd;
      continue;
    }
    if (GMAIL_ISO_HEADER_RE.test(line)) {
      // The header may wrap: "2016-10-24 15:36 GMT+02:00 Foo bar <\ninfo@foo.bar>:"
      let end = i;
      for (let k = i; k < Math.min(lines.length, i + 3); k++) {
        if (HEADER_END_RE.test(lines[k] ?? '')) {
          end = k;
          break;
        }
      }
      for (let j = i; j <= end; j++) markers[j] = 's';
      i = end;
      continue;
    }
  }

  // "... wrote:" headers, possibly wrapped over a few lines: find the line that ends
  // the header, then the best line it starts on.
  for (let k = 0; k < lines.length; k++) {
    const endLine = lines[k] ?? '';
    if (endLine.length > 400 || !HEADER_END_RE.test(endLine)) continue;
    if (markers[k] === 's' || markers[k] === 'f' || markers[k] === 'e') continue;
    // a quoted ('>') line can only end a header that wrapped into it ("> wrote:", ">:")
    if (markers[k] === 'm' && endLine.replace(/^[\s>]+/, '').length > 40) continue;
    const start = wroteHeaderStart(lines, markers, k);
    if (start < 0) continue;
    for (let j = start; j <= k; j++) markers[j] = 's';
  }
}

/** Index of the last line of an Outlook-style header block starting at `i`, or -1. */
function headerBlockEnd(lines: string[], i: number): number {
  if (!HEADER_FROM_OR_DATE_RE.test(lines[i] ?? '')) return -1;
  let count = 1;
  let last = i;
  let sawSubjectOrTo = false;
  // Allow one wrapped continuation line between header lines (long To:/Subject: values).
  for (let j = i + 1; j < Math.min(lines.length, i + 10); j++) {
    const l = lines[j] ?? '';
    if (HEADER_LINE_RE.test(l)) {
      count++;
      last = j;
      if (HEADER_SUBJECT_OR_TO_RE.test(l)) sawSubjectOrTo = true;
      continue;
    }
    if (isBlank(l) || j - last > 1) break;
  }
  return count >= 3 && sawSubjectOrTo ? last : -1;
}

/** Start line of a "... wrote:" header that ends on line `k`, or -1. */
function wroteHeaderStart(lines: string[], markers: Marker[], k: number): number {
  const accept = (j: number, intro: boolean): boolean => {
    if (markers[j] !== 't') return false;
    const block = lines.slice(j, k + 1).join('\n');
    if (block.length > 600) return false;
    // the verb must be in the last two lines of the header
    const lastTwo = lines.slice(Math.max(j, k - 1), k + 1).join(' ');
    if (!WROTE_VERB_RE.test(lastTwo)) return false;
    if (block.includes('@')) return true;
    if (!DATE_HINT_RE.test(block)) return false;
    return intro || /пользователь/i.test(block);
  };
  // 1) a line starting like a reply header ("On ...", "El ...", "Em ...") up to 5 lines back
  for (let j = Math.max(0, k - 5); j <= k; j++) {
    const first = lines[j] ?? '';
    if (!INTRO_RE.test(first) || !/\d/.test(first)) continue;
    // a sentence of the reply ("On Monday I will check the 3 invoices.") is not a header start
    if (j < k && /[.!?]\s*$/.test(first)) continue;
    let ok = true;
    for (let x = j; x <= k; x++) if ((lines[x] ?? '').length > 300) ok = false;
    if (ok && accept(j, true)) return j;
  }
  // 2) otherwise the shortest block within the paragraph ("Name <mail> wrote:"),
  //    extended up over a line that was obviously wrapped ("... \"Name\" <" / a date and time).
  for (let j = k; j >= Math.max(0, k - 3); j--) {
    if (j < k && isBlank(lines[j] ?? '')) break;
    if (!accept(j, false)) continue;
    let start = j;
    while (start > 0 && start > k - 3 && markers[start - 1] === 't') {
      const prev = lines[start - 1] ?? '';
      const wrapped = /[<"(]\s*$/.test(prev) || (/\b\d{1,2}:\d{2}\b/.test(prev) && /\b(?:19|20)\d{2}\b/.test(prev));
      if (prev.length > 150 || !wrapped) break;
      start--;
    }
    return start;
  }
  return -1;
}

// ---------------------------------------------------------------------------
// Signatures and mobile footers
// ---------------------------------------------------------------------------

const SIG_DELIMITER_RE = /^--\s*$/;

/** Cut at the first "-- " signature delimiter (also "--" whose trailing space was eaten). */
function cutSignatureBlock(lines: string[]): string[] {
  const idx = lines.findIndex((l) => SIG_DELIMITER_RE.test(l));
  return idx >= 0 ? lines.slice(0, idx) : lines;
}

const MOBILE_FOOTER_RE = new RegExp(
  '^\\s*[(<\\[]*\\s*(?:' +
    [
      'sent (?:from|with|via|using) ',
      'get outlook for ',
      'enviado (?:desde|con|do|de|a partir d[eo]|via|pelo|por) ',
      'enviada (?:desde|do|de|a partir d[eo]) ',
      'obt(?:ener|er|enha|é|e)m? (?:o )?outlook (?:para|for) ',
      'descarga(?:r)? outlook para ',
      'envoy(?:é|e) (?:de|depuis|à partir de|a partir de|avec) ',
      't(?:é|e)l(?:é|e)charger outlook pour ',
      'von meinem .{1,60} gesendet',
      'gesendet (?:von|mit) ',
      'diese nachricht wurde von meinem .{1,80}gesendet',
      'inviato da ',
      'verzonden (?:met|vanaf) ',
      'verstuurd (?:met|vanaf) ',
      'sendt fra ',
      'skickat fr(?:å|a)n ',
      'wys(?:ł|l)ane z ',
      'отправлено с ',
      '发自我的',
      '從我的 ?iphone',
      '从我的 ?iphone',
    ].join('|') +
    ')',
  'i',
);

function isMobileFooter(line: string): boolean {
  return line.length <= 120 && MOBILE_FOOTER_RE.test(line);
}

/**
 * Cut at a mobile footer line ("Sent from my iPhone", "Enviado desde mi iPhone"...),
 * and everything after it (clients append it right before the quoted history).
 * Guards against cutting prose that happens to start the same way: the footer stands
 * on its own (blank line or text boundary before or after), and what follows it is
 * only blank lines, other footers, or a few short lines (a name, an unquoted leftover).
 */
function cutMobileFooter(lines: string[]): string[] {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (!isMobileFooter(l)) continue;
    const prevBlank = i === 0 || isBlank(lines[i - 1] ?? '');
    const nextBlank = i === lines.length - 1 || isBlank(lines[i + 1] ?? '') || isMobileFooter(lines[i + 1] ?? '');
    if (!prevBlank && !nextBlank) continue;
    const after = lines.slice(i + 1).filter((x) => !isBlank(x) && !isMobileFooter(x));
    if (after.length <= 4 && after.every((x) => x.length <= 80)) return lines.slice(0, i);
  }
  return lines;
}

const TRAILING_DELIMITER_RE = /^\s*(?:[-_=*~#+—–•·]\s*){2,}$/;

/** Drop trailing blank lines and bare delimiter lines ("-----", "_____", "ᐧ"). */
function trimTrailingNoise(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0) {
    const l = lines[end - 1] ?? '';
    if (isBlank(l) || TRAILING_DELIMITER_RE.test(l)) end--;
    else break;
  }
  return end === lines.length ? lines : lines.slice(0, end);
}

// ---------------------------------------------------------------------------
// HTML to text (only used when there is no text/plain part)
// ---------------------------------------------------------------------------

const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'center', 'dd', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr',
  'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tbody', 'thead', 'tfoot', 'tr', 'ul',
]);
const SKIP_CONTENT_TAGS = new Set(['head', 'style', 'script', 'title', 'template', 'noscript', 'xml']);

const QUOTE_OPEN = '\u0001';
const QUOTE_CLOSE = '\u0002';

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
 * Simple HTML to text: block elements become line breaks, <br> a line break,
 * <blockquote> content becomes "> " quoted lines (so talon's text algorithm sees it
 * as a quotation), head/style/script are dropped, entities decoded.
 */
export function htmlToText(html: string): string {
  const src = html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html;
  const out: string[] = [];
  let atLineStart = true;
  let skipDepth = 0;
  let skipTag = '';
  let preDepth = 0;
  let last = 0;

  const push = (s: string): void => {
    if (s === '') return;
    out.push(s);
    atLineStart = s.endsWith('\n');
  };
  const softBreak = (): void => {
    if (!atLineStart) push('\n');
  };
  const emitText = (raw: string): void => {
    if (skipDepth > 0 || raw === '') return;
    let t = decodeEntities(raw);
    if (preDepth > 0) {
      push(t.replace(/\r\n?/g, '\n'));
      return;
    }
    t = t.replace(/[ \t\r\n\f]+/g, ' ');
    if (atLineStart) t = t.replace(/^ /, '');
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
    if (name === 'br') {
      push('\n');
      continue;
    }
    if (name === 'pre') preDepth = Math.max(0, preDepth + (closing ? -1 : 1));
    if (name === 'blockquote') {
      softBreak();
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
    const line = rawLine.trim();
    if (line === '' && lines.length > 0 && lines[lines.length - 1] === (depth > 0 ? '>'.repeat(Math.min(depth, MAX_QUOTE_DEPTH)) : '')) continue;
    lines.push(depth > 0 ? `${'>'.repeat(Math.min(depth, MAX_QUOTE_DEPTH))} ${line}`.trimEnd() : line);
  }
  return lines.join('\n').trim();
}
