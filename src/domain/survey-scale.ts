// Survey answers (DOMAIN.md rule 8): the scales a survey is asked on, the values its one-click links and its
// page carry, and the bare scores a customer may reply by mail instead ("5", "9/10", "bueno", "Mau!").
// Pure: no I/O.

export type SurveyKind = 'csat' | 'nps';
/** CSAT: good/bad (default) or 1-5 (CSAT_SCALE); NPS is always 0-10. */
export type CsatScale = 'good_bad' | '1-5';
export type SurveyScale = CsatScale | '0-10';
export type Rating = 'good' | 'neutral' | 'bad';

export interface AnswerValue {
  /** CSAT only: what "satisfied" is counted from. */
  rating: Rating | null;
  /** 1-5 (CSAT), 0-10 (NPS); null for a good/bad answer. */
  score: number | null;
}

export function isSurveyScale(value: unknown): value is SurveyScale {
  return value === 'good_bad' || value === '1-5' || value === '0-10';
}

export function scaleOf(kind: SurveyKind, csatScale: CsatScale): SurveyScale {
  return kind === 'nps' ? '0-10' : csatScale;
}

/** The values offered, in the order shown (worst to best for numbers, as people read a scale). */
export function choicesOf(scale: SurveyScale): string[] {
  if (scale === 'good_bad') return ['good', 'bad'];
  const [low, high] = scale === '1-5' ? [1, 5] : [0, 10];
  return Array.from({ length: high - low + 1 }, (_, i) => String(low + i));
}

/** On the 1-5 scale 4 and 5 are satisfied, 3 neutral, 1 and 2 not (the usual CSAT reading). */
export function ratingOfScore(score: number): Rating {
  return score >= 4 ? 'good' : score === 3 ? 'neutral' : 'bad';
}

/** A value from a link or the page's form; null when the scale does not offer it. */
export function answerFromValue(scale: SurveyScale, value: string | undefined | null): AnswerValue | null {
  if (typeof value !== 'string' || !choicesOf(scale).includes(value)) return null;
  if (scale === 'good_bad') return { rating: value as 'good' | 'bad', score: null };
  const score = Number(value);
  return { rating: scale === '1-5' ? ratingOfScore(score) : null, score };
}

const GOOD_WORDS = ['good', 'very good', 'bueno', 'buena', 'muy bueno', 'muy buena', 'bien', 'bom', 'boa', 'muito bom', 'muito boa'];
const BAD_WORDS = ['bad', 'very bad', 'malo', 'mala', 'muy malo', 'muy mala', 'mal', 'mau', 'ma', 'muito mau', 'muito ma'];
const NUMBER = /^(\d{1,2})(?:\s*(?:\/|de|of|em|out of)\s*(5|10))?$/;

/** "  Bueno!! " -> "bueno"; "Má." -> "ma"; "9 / 10" -> "9 / 10". */
export function normaliseReply(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\s.!¡,;:)(*_"'«»“”-]+$/u, '')
    .replace(/^[\s¡*_"'«»“”(-]+/u, '')
    .replace(/\s+/g, ' ');
}

/**
 * The 1-5 score a reply names by the words the mail shows beside it ("Muy satisfecho", "5 · Muy satisfecho"):
 * `scoreWords` maps those words, normalised, to their number. Null for anything else, or a number that
 * contradicts its words.
 */
function wordedScore(text: string, scoreWords: ReadonlyMap<string, number>): number | null {
  const parts = /^(?:(\d)\s*[·•:.)-]?\s*)?(\p{L}.*)$/u.exec(text);
  const score = parts ? scoreWords.get(parts[2] as string) : undefined;
  return score !== undefined && (parts?.[1] === undefined || Number(parts[1]) === score) ? score : null;
}

/**
 * The answer a reply mail gives when its visible text (quotes and signature already removed) is only a
 * score: a number of the survey's scale, or for CSAT a word (es/pt/en), or the words the mail shows by a
 * score of the 1-5 scale (`scoreWords`, surveys/copy.ts). Anything else (a sentence, a number off the
 * scale) is null: the mail is then an ordinary message, handled as any other.
 */
export function answerFromReply(scale: SurveyScale, visibleText: string, scoreWords: ReadonlyMap<string, number> = new Map()): AnswerValue | null {
  const normalised = normaliseReply(visibleText);
  // "Muy satisfecho" is the 5 of the mail's own list: a customer who copies the label means that score.
  const worded = scale === '0-10' ? null : wordedScore(normalised, scoreWords);
  const text = worded === null ? normalised : String(worded);
  if (text === '' || text.length > 20) return null;
  const number = NUMBER.exec(text);
  if (number) {
    const score = Number(number[1]);
    // "5 de 5" on the 0-10 scale is a top mark, not a detractor's 5: a score out of another scale is no answer.
    const outOf = number[2] === undefined ? null : Number(number[2]);
    if (outOf !== null && outOf !== (scale === '0-10' ? 10 : 5)) return null;
    if (scale === '0-10') return score <= 10 ? { rating: null, score } : null;
    return score >= 1 && score <= 5 ? { rating: ratingOfScore(score), score } : null;
  }
  if (scale === '0-10') return null;
  if (GOOD_WORDS.includes(text)) return { rating: 'good', score: null };
  if (BAD_WORDS.includes(text)) return { rating: 'bad', score: null };
  return null;
}
