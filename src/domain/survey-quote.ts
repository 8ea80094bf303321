// A reply that quotes the survey mail with no "> " marks and no "El ... escribió:" line above the quote (some
// webmails and phone apps, or a customer who pastes it): the quotation algorithm sees it all as written, and a
// score under it was lost in a long "comment" that reopened the ticket. Only the survey mail itself tells its
// lines from the customer's: they are found by their text, and what was written above or below them is the reply.
// The quote's own numbers (the scale "del 1 al 5", the list of choices) are never read as the answer.
// Pure: no I/O.

/** A shorter line proves nothing ("Atentamente,", a "5" the customer wrote): only longer ones mark the quote. */
const MIN_MARKING_CHARS = 16;
/** A longer reply is more than a quote and a score: not looked at (the mail goes on as it is). */
const MAX_LINES = 500;

/** Quoting clients re-wrap and re-indent lines: text is compared with its runs of blanks as one space. */
const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

export interface SurveyMailText {
  /** The whole mail as one line. */
  flat: string;
  /** Its lines. */
  lines: Set<string>;
}

/** The texts a customer may quote: the survey mail's text part, and its HTML part as text. */
export function surveyMailText(texts: string[]): SurveyMailText {
  return { flat: texts.map(collapse).join('\n'), lines: new Set(texts.flatMap((t) => t.split(/\r?\n/).map(collapse)).filter(Boolean)) };
}

/**
 * What the customer wrote outside an unmarked quote of the survey mail: the text above it, or below it. Null
 * when the reply quotes none of it, when nothing was written, or when something was written both above and below
 * it or between its lines: more than a score, for the desk to read. `isScore` keeps a line the customer may
 * have copied from the mail ("Muy satisfecho") out of the quote's edges.
 */
export function writtenOutsideQuote(reply: string, mail: SurveyMailText, isScore: (line: string) => boolean): string | null {
  const raw = reply.replace(/\r\n?/g, '\n').split('\n');
  if (raw.length > MAX_LINES) return null;
  const lines = raw.map(collapse);
  const marks = (line: string) => line.length >= MIN_MARKING_CHARS && !isScore(line) && mail.flat.includes(line);
  let first = lines.findIndex(marks);
  let last = lines.findLastIndex(marks);
  if (first < 0) return null;
  // Between those lines nothing is read: any piece of the mail is the quote there (a choice cut by re-wrapping).
  for (let i = first; i <= last; i++) if (lines[i] !== '' && !mail.flat.includes(lines[i] as string)) return null;
  // Its short first and last lines ("Hola:", "Atentamente,"), but never a score, which may be the customer's.
  const edge = (line: string) => line === '' || (mail.lines.has(line) && !isScore(line));
  while (first > 0 && edge(lines[first - 1] as string)) first--;
  while (last < lines.length - 1 && edge(lines[last + 1] as string)) last++;
  const above = raw.slice(0, first).join('\n').trim();
  const below = raw.slice(last + 1).join('\n').trim();
  if (above !== '' && below !== '') return null;
  return above || below || null;
}
