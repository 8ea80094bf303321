/**
 * Extra splitters (what talon/planer does not know): non-English reply headers
 * ("El ... escribió:", "Em ... escreveu:", ...), localised "Original Message" lines,
 * forward markers, old Gmail ISO-date headers and Outlook header blocks.
 */
import { MAX_LINE_CHARS } from './limits.js';
import { isBlank, type Marker } from './lines.js';

/** "-----Original Message-----" in the languages our users write in, with optional *bold*. */
const ORIGINAL_MESSAGE =
  /-{2,}\s*(?:original message|mensaje original|mensagem original|message d'origine|messaggio originale|urspr(?:ü|ue)ngliche nachricht|oorspronkelijk bericht|originalmeddelande|opprinnelig melding|oprindelig meddelelse|wiadomo(?:ś|s)(?:ć|c) oryginalna|исходное сообщение)\s*-{2,}[\s*_]*$/i.source;
const ORIGINAL_MESSAGE_RE = new RegExp(`^[\\s*_>]*${ORIGINAL_MESSAGE}`, 'i');
/** The same line ending one the sender typed on ("4 -----Mensaje original-----", as some phone clients write it). */
const ORIGINAL_MESSAGE_AFTER_TEXT_RE = new RegExp(`^(.*\\S)\\s+[*_]*${ORIGINAL_MESSAGE}`, 'i');

/**
 * The text before an "-----Original Message-----" that ends it, on the line the sender typed on ("4 -----Mensaje
 * original-----", as some phone clients write it) or on a line of its own; null when the text ends otherwise.
 */
export function textBeforeClosingOriginalMessage(text: string): string | null {
  const trimmed = text.trimEnd();
  const cut = trimmed.lastIndexOf('\n') + 1;
  const last = trimmed.slice(cut);
  // A separator line is short: a longer one is no separator, and is kept from the regexes (bounded input, index.ts).
  if (last.length > MAX_LINE_CHARS) return null;
  if (ORIGINAL_MESSAGE_RE.test(last)) return trimmed.slice(0, cut);
  const typed = ORIGINAL_MESSAGE_AFTER_TEXT_RE.exec(last);
  return typed ? trimmed.slice(0, cut) + (typed[1] as string) : null;
}

/** Forward markers planer does not know; marked 'f' so forwards are kept, like planer does. */
const FORWARD_RE =
  /^[\s*_]*(?:-{2,}\s*(?:mensaje reenviado|mensagem encaminhada|mensagem reencaminhada|message transf(?:é|e)r(?:é|e)|messaggio inoltrato|weitergeleitete nachricht|doorgestuurd bericht)\s*-{2,}|(?:begin forwarded message|inicio del mensaje reenviado|in(?:í|i)cio da mensagem (?:re)?encaminhada|d(?:é|e)but du message r(?:é|e)exp(?:é|e)di(?:é|e)):)[\s*_]*$/i;

/** Old Gmail reply header: "2016-10-24 15:36 GMT+02:00 Name <mail>:" */
const GMAIL_ISO_HEADER_RE = /^\s*\d{4}-\d{2}-\d{2} \d{1,2}:\d{2} GMT[+-]\d{1,2}:?\d{2}\b/;

/** Outlook-style header lines ("From:", "De:", "Enviado:", "Para:", "Asunto:", ...), optionally *bold*. */
const HEADER_LINE_RE =
  /^\s*[*_]{0,2}(from|de|da|von|van|fra|fr(?:å|a)n|od|от|sent|enviado(?: el| em)?|enviada(?: el| em)?|gesendet|envoy(?:é|e)|inviato|verzonden|skickat|sendt|wys(?:ł|l)ano|отправлено|date|fecha|data|datum|дата|to|para|a|à|an|aan|til|till|do|кому|cc|bcc|копия|subject|asunto|assunto|oggetto|betreff|objet|onderwerp|emne|(?:ä|a)mne|temat|тема|reply-to|responder a|responder para|risposta)[*_]{0,2}\s?:[*_]{0,2}(?:\s|$)/i;
const HEADER_FROM_OR_DATE_RE =
  /^\s*[*_]{0,2}(from|de|da|von|van|fra|fr(?:å|a)n|od|от|sent|enviado(?: el| em)?|enviada(?: el| em)?|gesendet|envoy(?:é|e)|inviato|verzonden|отправлено|date|fecha|data|datum|дата)[*_]{0,2}\s?:/i;
const HEADER_SUBJECT_OR_TO_RE =
  /^\s*[*_]{0,2}(to|para|a|à|an|aan|til|till|do|кому|subject|asunto|assunto|oggetto|betreff|objet|onderwerp|emne|(?:ä|a)mne|temat|тема)[*_]{0,2}\s?:/i;
/** The line of a header block that dates the quoted mail: every client writes one ("Enviado:", "Fecha:", "Sent:"). */
const HEADER_DATE_RE =
  /^\s*[*_]{0,2}(sent|enviado(?: el| em)?|enviada(?: el| em)?|gesendet|envoy(?:é|e)|inviato|verzonden|skickat|sendt|wys(?:ł|l)ano|отправлено|date|fecha|data|datum|дата)[*_]{0,2}\s?:/i;
const SEPARATOR_LINE_RE = /^\s*(?:_{5,}|-{5,})\s*$/;

/** Reply-header verbs ("X wrote:") in the languages seen in practice. */
const WROTE_VERB_RE =
  /(?:^|[\s,>"])(?:wrote|writes|escribi(?:ó|o)|escreveu|a (?:é|e)crit|ha scritto|scrisse|schrieb|schreef|skrev|kirjoitti|napisa(?:ł|l)(?:\(a\)|a)?|pisze|написал(?:\(а\)|а)?|пише|написав|yazd(?:ı|i))(?=[\s:：]|$)|写道|寫道|작성|のメッセージ/i;
/** A reply header starts with one of these words (then a date). */
const INTRO_RE =
  /^\s*(?:on|el|em|a|at|(?:à|a)s|no dia|le|am|il|op|den|w dniu|dnia|в|на)\s+\S/i;
const DATE_HINT_RE = /\b(?:19|20)\d{2}\b|\d{1,2}[:h.]\d{2}/;
const HEADER_END_RE = /[:：]\s*$/;

/** planer's one-line splitter (its FROM_COLON_OR_DATE_COLON): "From:", "De:", "Date:"... opening a line. */
const PLANER_LONE_HEADER_RE = /^_*\s*:?[*]?(?:from|van|de|von|fra|fr(?:å|a)n|date|datum|envoy(?:é|e)|skickat|sendt)\s?:/i;

/** A header block's other fields run into one line ("De: X Enviado: ... Para: ... Asunto: ..."), as some converters leave it. */
const MORE_FIELDS_IN_LINE_RE = /\s(?:sent|enviad[oa]|date|fecha|data|to|para|subject|asunto|assunto)\s?:\s/i;

/**
 * planer takes any line starting "De:", "From:" or "Date:" for a quoted mail's header, and cuts it and every
 * line below: a report's range ("De: 01/11/2026"), a pasted log's "Date:". (talon itself now asks for two header
 * lines.) Such a line alone stays a header only when quoted lines follow it, or it holds the block's other
 * fields; otherwise it is text again, and a real header block there (From, date, To, Subject) is found by
 * headerBlockEnd below.
 */
function unmarkLoneHeaderLines(lines: string[], markers: Marker[]): void {
  for (let i = 0; i < lines.length; i++) {
    if (markers[i] !== 's' || markers[i - 1] === 's' || markers[i + 1] === 's') continue;
    const line = lines[i] ?? '';
    if (!PLANER_LONE_HEADER_RE.test(line) || MORE_FIELDS_IN_LINE_RE.test(line)) continue;
    let next = i + 1;
    while (markers[next] === 'e') next++;
    if (markers[next] !== 'm') markers[i] = 't';
  }
}

export function markExtraSplitters(lines: string[], markers: Marker[]): void {
  unmarkLoneHeaderLines(lines, markers);
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

/** Whether line `i` starts an Outlook-style header block ("De: ... Enviado: ... Para: ... Asunto: ..."). */
export function startsHeaderBlock(lines: string[], i: number): boolean {
  return headerBlockEnd(lines, i) >= 0;
}

/** Index of the last line of an Outlook-style header block starting at `i`, or -1. */
function headerBlockEnd(lines: string[], i: number): number {
  if (!HEADER_FROM_OR_DATE_RE.test(lines[i] ?? '')) return -1;
  let count = 1;
  let last = i;
  let sawSubjectOrTo = false;
  // A customer describing the mail their system sends writes "De: / Para: / Asunto:" too, but no date: without
  // one, the lines are their text, and what follows them is not quoted history.
  let sawDate = HEADER_DATE_RE.test(lines[i] ?? '');
  // Allow one wrapped continuation line between header lines (long To:/Subject: values).
  for (let j = i + 1; j < Math.min(lines.length, i + 10); j++) {
    const l = lines[j] ?? '';
    if (HEADER_LINE_RE.test(l)) {
      count++;
      last = j;
      if (HEADER_SUBJECT_OR_TO_RE.test(l)) sawSubjectOrTo = true;
      if (HEADER_DATE_RE.test(l)) sawDate = true;
      continue;
    }
    if (isBlank(l) || j - last > 1) break;
  }
  return count >= 3 && sawSubjectOrTo && sawDate ? last : -1;
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
