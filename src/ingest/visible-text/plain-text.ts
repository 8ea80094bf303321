/** Plain text pipeline: bound the input, strip the quotation, cut signatures and footers. */
import { statesSeverity } from '../../domain/priority.js';
import { MAX_INPUT_CHARS, MAX_INPUT_LINES } from './limits.js';
import { isBlank, type Marker } from './lines.js';
import { protectLinks, restoreLinks, stripQuotation } from './planer-lines.js';
import { cutMobileFooter, cutSignatureBlock, trimTrailingNoise } from './signatures.js';

/** `forwarded`: the subject says the mail forwards another (see stripQuotation). */
export function extractFromPlainText(input: string, forwarded = false): string {
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
  let result = stripQuotation(lines, forwarded);

  // A reply header at the very top (Android/Outlook quirks, mails that are only a
  // header + copied text) would make talon return nothing: drop that leading header
  // once and look again, unless what follows is only quoted ('>') text.
  if (!hasContent(result.lines)) {
    const rest = afterLeadingHeader(lines, result.markers);
    if (rest) result = stripQuotation(rest, forwarded);
  }

  // A forward (planer keeps it whole) is the sender's note, then the message forwarded: the signature and
  // footer cuts apply to the note, or a signature above the forward would cut away the forwarded message.
  const forwardAt = result.removed ? -1 : result.markers.indexOf('f');
  const note = forwardAt >= 0 ? result.lines.slice(0, forwardAt) : result.lines;
  let out = cutMobileFooter(cutSignatureBlock(note));
  const removedSomething = result.removed || out.length !== note.length;
  // Impact and urgency are the customer's words even below their signature or "Sent from my iPhone":
  // the priority is read from this text, and the agent should see what was stated.
  const stated = note.slice(out.length).filter(statesSeverity);
  out = trimTrailingNoise(out);
  if (stated.length > 0) out = [...out, '', ...stated];
  if (forwardAt >= 0) out = [...out, '', ...result.lines.slice(forwardAt)];

  // Blank lines around the text go, but not the indentation of its first line (an HTML mail's pasted trace).
  const tidy = (t: string): string => t.replace(/^\s*\n/, '').trimEnd();
  let visible = tidy(restoreLinks(out.join('\n')));
  if (tail && !removedSomething) visible = tidy(visible + tail);
  return visible;
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
