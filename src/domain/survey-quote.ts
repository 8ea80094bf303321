// A reply that quotes the survey mail with no "> " marks and no "El ... escribió:" line above the quote (some
// webmails and phone apps, or a customer who pastes it): the quotation algorithm sees it all as written, and a
// score under it was lost in a long "comment" that reopened the ticket. Only the survey mail itself tells its
// lines from the customer's: they are found by their text, and what was written above or below them is the reply.
// The quote's own numbers (the scale "del 1 al 5", the list of choices) are never read as the answer. A quote
// marked with "> " takes a score typed between its lines (an inline answer), which the quotation algorithm keeps
// whole with the quote around it (an inline reply needs it), so it too was a long "comment".
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

/** The "> " marks of a quoted line (">>" when quoted twice, "> >" as some clients nest them). */
const QUOTE_MARKS = /^(?:[ \t]*>)+[ \t]?/;

/**
 * What the customer wrote around a quote of the survey mail, piece by piece, empty ones left out: the text above
 * it, the text below it, and the lines typed between the lines of a quote marked with "> " (an inline answer, the
 * score under the quoted question: the marks tell the customer's lines from the mail's, which a bare "4" of the
 * quote's own scale could not), a score typed before the marks on a quoted line ("9 > En una escala…": scoreBeforeMarks),
 * and a score typed alone on a line between the lines of an unmarked quote. Null
 * when the reply quotes none of it, or when anything else was written between the lines of an unmarked quote
 * (the text alone cannot tell it from a piece of the mail): more than a score, for the desk to read. `isScore` keeps a line the customer may have copied from the mail ("Muy satisfecho") out of the
 * quote's edges.
 */
export function writtenAroundQuote(reply: string, mail: SurveyMailText, isScore: (line: string) => boolean): string[] | null {
  const marks = (line: string) => line.length >= MIN_MARKING_CHARS && !isScore(line) && mail.flat.includes(line);
  const typed = reply.replace(/\r\n?/g, '\n').split('\n');
  if (typed.length > MAX_LINES) return null;
  const raw = typed.flatMap((line) => scoreBeforeMarks(line, mail, isScore, marks) ?? [line]);
  const marked = raw.map((line) => QUOTE_MARKS.test(line));
  const lines = raw.map((line) => collapse(line.replace(QUOTE_MARKS, '')));
  let first = lines.findIndex(marks);
  let last = lines.findLastIndex(marks);
  if (first < 0) return null;
  const quoteMarked = marked.slice(first, last + 1).some(Boolean);
  // Between those lines of an unmarked quote only a score typed on a line of its own is read (Outlook quotes with
  // no marks, and the customer types "5" under the question); any other piece of the mail is the quote there (a
  // choice cut by re-wrapping). In a marked one, its marked lines are: the unmarked ones are the customer's.
  const scores: string[] = [];
  for (let i = first; i <= last; i++) {
    if (!quoteMarked && isScore(lines[i] as string) && !joinsNeighbours(lines, i, mail)) scores.push(raw[i] as string);
    else if ((marked[i] || !quoteMarked) && lines[i] !== '' && !mail.flat.includes(lines[i] as string)) return null;
  }
  const inside = quoteMarked ? typedBetween(raw.slice(first, last + 1), marked.slice(first, last + 1)) : scores;
  // Its short first and last lines ("Hola:", "Atentamente,"), but never an unmarked score, which may be the customer's.
  const edge = (i: number) => lines[i] === '' || (mail.lines.has(lines[i] as string) && (marked[i] || !isScore(lines[i] as string)));
  while (first > 0 && edge(first - 1)) first--;
  while (last < lines.length - 1 && edge(last + 1)) last++;
  const pieces = [raw.slice(0, first).join('\n'), ...inside, raw.slice(last + 1).join('\n')];
  return pieces.map((piece) => piece.trim()).filter((piece) => piece !== '');
}

/** "9 > En una escala del 0 al 10, …": a number, then "> " and the rest of the line. */
const SCORE_THEN_MARKS = /^\s*(\S+)(\s+>.*)$/;

/**
 * A score the customer typed on the first line of a "> " quote, before its marks ("9 > En una escala…", as phone
 * clients and Outlook's inline reply leave it), split off that line: [score, quoted line]. Only when what follows
 * the marks is itself a line that marks the survey mail, and the whole line is not the mail's: a number after the
 * marks is the quote's own text ("del 1 al 5"), one before other words a sentence (for the desk). Null otherwise.
 */
function scoreBeforeMarks(line: string, mail: SurveyMailText, isScore: (line: string) => boolean, marks: (line: string) => boolean): [string, string] | null {
  const parts = SCORE_THEN_MARKS.exec(line);
  if (!parts || !isScore(parts[1] as string) || mail.flat.includes(collapse(line))) return null;
  const quoted = (parts[2] as string).trimStart();
  return marks(collapse(quoted.replace(QUOTE_MARKS, ''))) ? [parts[1] as string, quoted] : null;
}

/**
 * Whether line `i` reads on in the mail with the line above or below it (blank lines skipped): a number of the
 * mail's own text that a client's re-wrapping left alone on a line ("10 = muy probable)", "del 1 al / 5)", a
 * row of the scale's numbers), not one the customer typed between its lines.
 */
function joinsNeighbours(lines: string[], i: number, mail: SurveyMailText): boolean {
  const above = lines.slice(0, i).findLast((line) => line !== '');
  const below = lines.slice(i + 1).find((line) => line !== '');
  return [above && `${above} ${lines[i]}`, below && `${lines[i]} ${below}`].some((joined) => joined && mail.flat.includes(joined));
}

/** The runs of unmarked lines between the marked lines of a quote: what the customer typed into it. */
function typedBetween(raw: string[], marked: boolean[]): string[] {
  const runs: string[][] = [[]];
  raw.forEach((line, i) => (marked[i] ? runs.push([]) : runs.at(-1)?.push(line)));
  return runs.map((run) => run.join('\n'));
}
