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
import { forwardsAMessage } from '../../domain/thread-refs.js';
import { MAX_INPUT_CHARS } from './limits.js';
import { htmlToText } from './html-to-text.js';
import { extractFromPlainText } from './plain-text.js';
import { protectLinks, stripQuotation } from './planer-lines.js';

export { htmlToText };

export function extractVisibleText(text: string, html?: string | null, subject = ''): string {
  let source = '';
  try {
    source = typeof text === 'string' ? text : '';
    if (source.trim() === '' && typeof html === 'string' && html.trim() !== '') {
      source = htmlToText(html);
    }
    // "RV: ...", "Fwd: ...", "ENC: ...", also behind a gateway's "[EXTERNAL]": a forward, in the languages of Outlook, Gmail and Apple Mail.
    return extractFromPlainText(source, forwardsAMessage(subject));
  } catch {
    // Defensive: the algorithm is not expected to throw, but a mail must never be lost.
    try {
      return source.slice(0, MAX_INPUT_CHARS).trim();
    } catch {
      return '';
    }
  }
}

/**
 * True when the text is only a reply header ("De: … Enviado: … Para: … Asunto: …", "El … escribió:"): what a
 * client writes above the quote it opens, nothing its sender said. (The visible text of such a text is the text
 * itself: with no quote under it, nothing tells it from a customer's own "De:" lines.)
 */
export function isOnlyReplyHeader(text: string): boolean {
  const lines = protectLinks(text.replace(/\r\n?/g, '\n')).split('\n');
  const { lines: kept, markers } = stripQuotation(lines);
  // Blank lines and the rule Outlook draws above its block say nothing either.
  const rule = (line: string) => /^[\s_-]*$/.test(line);
  // Every line a header's (planer keeps a header with no quote under it), or nothing left once it is cut.
  return markers.includes('s') && (lines.every((line, i) => markers[i] === 's' || rule(line)) || kept.every(rule));
}
