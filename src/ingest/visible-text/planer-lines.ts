/**
 * Glue around planer (talon's quotation algorithm): classify the lines on a tamed,
 * clipped copy, add our own splitter markers, and let planer cut the quotation.
 */
import planer from 'planer';
import planerPatterns from 'planer/lib/regexes.js';

import { MAX_INTRO_CANDIDATES, MAX_LINE_CHARS } from './limits.js';
import type { Marker } from './lines.js';
import { markExtraSplitters } from './reply-headers.js';

/**
 * planer's isSplitter searches each of its splitter patterns through a whole window of lines (exec, unanchored)
 * and keeps a match only if it is at the window's start: a search at every position of every window, 40% of the
 * visible text's time. Anchored at the start, each pattern finds exactly that match, and only tries there. (The
 * patterns carry no `m` flag, so `^` is the window's start; test/corpus/planer-splitters.test.ts checks that
 * every mail of the corpus reads the same either way.)
 */
export const PLANER_SPLITTERS_AS_SHIPPED = planerPatterns.SPLITTER_PATTERNS;
planerPatterns.SPLITTER_PATTERNS = PLANER_SPLITTERS_AS_SHIPPED.map((pattern) => (pattern.multiline ? pattern : new RegExp(`^(?:${pattern.source})`, pattern.flags)));

export interface StripResult {
  lines: string[];
  markers: Marker[];
  removed: boolean;
}

/**
 * `forwarded`: the mail's subject says it forwards another ("RV:", "Fwd:"). Outlook writes a forward's header
 * block exactly as a reply's, so only the subject tells the message below it from a reply's history: its first
 * splitter is then a forward marker, and planer keeps the whole text, as it does for Gmail's forwards.
 */
export function stripQuotation(lines: string[], forwarded = false): StripResult {
  const clipped = lines.map((l) => (l.length > MAX_LINE_CHARS ? l.slice(0, MAX_LINE_CHARS) : l));
  const raw = planer.markMessageLines(planerProbe(clipped));
  const markers: Marker[] = clipped.map((_, i) => (raw[i] ?? 't') as Marker);
  markExtraSplitters(clipped, markers);
  const firstMark = markers.findIndex((m) => m !== 't' && m !== 'e');
  if (forwarded && markers[firstMark] === 's') markers[firstMark] = 'f';
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

// planer's preprocessing: "<http://...>" links must not look like '>' quote markers.
const LINK_RE = /<(https?:\/\/[^<>\n]{0,2048})>/g;
const PROTECTED_LINK_RE = /@@(https?:\/\/[^<>@\n]{0,2048})@@/g;

export function protectLinks(text: string): string {
  return text.replace(LINK_RE, (_m, url: string) => `@@${url}@@`);
}

export function restoreLinks(text: string): string {
  return text.replace(PROTECTED_LINK_RE, '<$1>');
}
