/**
 * Input bounds of the visible-text extraction: every regex runs on bounded input
 * (see the guarantees in index.ts).
 */

/** Only this much text is analysed; anything beyond is appended untouched when no quote was cut. */
export const MAX_INPUT_CHARS = 200_000;
/** Only this many lines are analysed (talon itself stops at 1000); the rest is kept when nothing was cut. */
export const MAX_INPUT_LINES = 2_000;
/**
 * Lines are classified on a prefix of at most this many characters: planer's splitter
 * regexes are polynomial in the length of the 4-line window they test.
 */
export const MAX_LINE_CHARS = 250;
/** At most this many lines may start a talon "On ... wrote:" match (see planerProbe). */
export const MAX_INTRO_CANDIDATES = 10;
/** Deeper blockquote nesting is rendered with this many '>' at most. */
export const MAX_QUOTE_DEPTH = 10;
/** HTML beyond this size is truncated before conversion. */
export const MAX_HTML_CHARS = 500_000;
