/**
 * The language of the reply header a mail client wrote above the quote it opens ("On … wrote:", "El … escribió:",
 * "Em … escreveu:", Outlook's "-----Original Message-----" and "From: … Sent: …" block): the language the sender's
 * client is set to, which says something when their own words are too few to tell ("Hello").
 */
import { htmlToText } from './html-to-text.js';
import { MAX_INPUT_CHARS, MAX_INPUT_LINES } from './limits.js';
import { isBlank } from './lines.js';
import { protectLinks, stripQuotation } from './planer-lines.js';

type Language = 'es' | 'pt' | 'en';
/** Another language's header: Italian's "Data:" or French's "De :" is no Portuguese or Spanish one. */
type Other = 'other';

/**
 * Words each client writes in its header, in one language only: "De:" and "Para:" are Spanish and Portuguese
 * alike, so an Outlook block is told by its "Asunto:" or "Assunto:", its "Fecha:" or "Data:".
 */
const CUES: Record<Language | Other, RegExp[]> = {
  en: [/^\W*on\s.*\b(?:wrote|writes)\b/i, /\b(?:wrote|writes)\s*:\s*$/i, /original message/i, /forwarded message/i, /^\W*(?:from|sent|to|subject|date)\s?:/i],
  es: [/^\W*el\s.*\bescribi(?:ó|o)\b/i, /\bescribi(?:ó|o)\s*:\s*$/i, /mensaje (?:original|reenviado)/i, /^\W*(?:asunto|fecha|enviado el)\s?:/i],
  pt: [/^\W*em\s.*\bescreveu\b/i, /\bescreveu\s*:\s*$/i, /mensagem (?:original|(?:re)?encaminhada)/i, /^\W*(?:assunto|data|enviad[oa] em)\s?:/i],
  other: [
    /\b(?:schrieb|a (?:é|e)crit|ha scritto|scrisse|schreef|skrev)\s*:\s*$/i,
    /^\W*(?:da|a|à|an|von|oggetto|inviato|risposta|betreff|gesendet|objet|envoy(?:é|e)|onderwerp|verzonden)\s?:/i,
  ],
};

/** A header block is a few lines: these many from its first are read. */
const HEADER_LINES = 8;

/**
 * es, pt or en by the first reply header of the mail (its sender's client; those below are the history's); null when
 * it has none, or one in another language. Apple Mail and Hotmail write theirs inside the quote ("> On … wrote:",
 * "> Subject: … > From: …"): a quote that opens with a header line, above any header outside it, opens with theirs.
 */
export function replyHeaderLanguage(text: string, html?: string | null): Language | null {
  try {
    let source = typeof text === 'string' ? text : '';
    if (source.trim() === '' && typeof html === 'string' && html.trim() !== '') source = htmlToText(html);
    const lines = protectLinks(source.slice(0, MAX_INPUT_CHARS).replace(/\r\n?/g, '\n')).split('\n').slice(0, MAX_INPUT_LINES);
    const { markers } = stripQuotation(lines);
    const first = markers.findIndex((m) => m === 's' || m === 'f');
    const quote = markers.indexOf('m');
    const quoted = quote >= 0 && (first < 0 || quote < first) ? headerInQuote(lines, markers, quote) : [];
    if (quoted.length > 0) return languageOf(quoted);
    if (first < 0) return null;
    const header: string[] = [];
    // Up to the quote's first line ('>'-marked) or a blank one: the quote may hold its own headers, in its writer's language.
    for (let i = first; i < Math.min(lines.length, first + HEADER_LINES) && markers[i] !== 'm' && !isBlank(lines[i] ?? ''); i++) header.push(lines[i] ?? '');
    return languageOf(header);
  } catch {
    // Defensive, as extractVisibleText: a mail's language is never worth losing the mail.
    return null;
  }
}

/** The quote's first lines, one '>' taken off, up to a blank one; none when the first is no header line (the quoted mail's own words). */
function headerInQuote(lines: string[], markers: string[], start: number): string[] {
  const header: string[] = [];
  for (let i = start; i < Math.min(lines.length, start + HEADER_LINES) && markers[i] === 'm'; i++) {
    const line = (lines[i] ?? '').replace(/^\s*>\s?/, '');
    if (isBlank(line)) break;
    header.push(line);
  }
  const opens = header[0] ?? '';
  return (Object.keys(CUES) as Array<Language | Other>).some((lang) => CUES[lang].some((cue) => cue.test(opens))) ? header : [];
}

function languageOf(header: string[]): Language | null {
  const scores = (Object.keys(CUES) as Array<Language | Other>).map((lang) => ({ lang, score: header.filter((line) => CUES[lang].some((cue) => cue.test(line))).length }));
  scores.sort((a, b) => b.score - a.score);
  const [best, second] = scores as [{ lang: Language | Other; score: number }, { score: number }];
  return best.score > second.score && best.lang !== 'other' ? best.lang : null;
}
