// Impact x urgency -> priority (DOMAIN.md rule 6), and reading the stated impact and urgency from a mail.

export const LEVELS = ['high', 'medium', 'low'] as const;
export type Level = (typeof LEVELS)[number];
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type PriorityMatrix = Record<Level, Record<Level, Priority>>;

/** Rows: impact; columns: urgency. */
export const DEFAULT_PRIORITY_MATRIX: PriorityMatrix = {
  high: { high: 'urgent', medium: 'high', low: 'normal' },
  medium: { high: 'high', medium: 'normal', low: 'low' },
  low: { high: 'normal', medium: 'low', low: 'low' },
};

export function priorityOf(impact: Level, urgency: Level, matrix: PriorityMatrix = DEFAULT_PRIORITY_MATRIX): Priority {
  return matrix[impact][urgency];
}

const VALUE_WORDS: Array<[Level, RegExp]> = [
  ['high', /^(alt[oa]|high|elevad[oa]|critic[oa]|crític[oa]|critical|(?:muy|muito|very) (?:alt[oa]|high)|urgente|urgent)\b/i],
  ['medium', /^(medi[oa]|médi[oa]|medium|moderad[oa]|normal)\b/i],
  ['low', /^((?:muy |muito |very )?(?:baj[oa]|baix[oa]|low))\b/i],
];

// "Impacto: Alto", "**Urgência** - Alta", "> Urgency = high": a label at the start of a line, a separator,
// a value word. Labels in es/pt/en; accents optional because people type without them. A label may also follow
// the other one on its line, after a list's separator ("Impacto: Alto, Urgencia: Alta", "... / ...", "... - ..."):
// read from the line's start only, the second was lost and defaulted to medium (urgent read as high).
const LABEL_START = String.raw`(?:^[\s>*_]*|[,;/|][\s*_]*|\s[-–][\s*_]*)`;
const labelled = (names: string) => new RegExp(String.raw`${LABEL_START}(?:${names})[\s*_]*[:=\-–][\s*_]*(.+)$`, 'gim');
const LABELS: Record<'impact' | 'urgency', RegExp> = {
  impact: labelled('impacto|impact'),
  urgency: labelled('urgencia|urgência|urgency'),
};

/** Whether a line states an impact or an urgency ("Impacto: Alto"). */
export function statesSeverity(line: string): boolean {
  const { stated } = readSeverity(line);
  return stated.impact || stated.urgency;
}

function readLevel(text: string, label: 'impact' | 'urgency'): Level | null {
  for (const match of text.matchAll(LABELS[label])) {
    const value = (match[1] ?? '').trim();
    for (const [level, pattern] of VALUE_WORDS) if (pattern.test(value)) return level;
  }
  return null;
}

export interface StatedSeverity {
  impact: Level;
  urgency: Level;
  priority: Priority;
  /** Which of the two the customer actually stated (the rest defaulted to medium). */
  stated: { impact: boolean; urgency: boolean };
}

export function readSeverity(text: string, matrix: PriorityMatrix = DEFAULT_PRIORITY_MATRIX): StatedSeverity {
  // NFC: a mail may spell "Urgência" with a combining accent (macOS, some webmail), which the labels would miss.
  const sample = (text.length > 100_000 ? text.slice(0, 100_000) : text).normalize('NFC');
  const impact = readLevel(sample, 'impact');
  const urgency = readLevel(sample, 'urgency');
  return {
    impact: impact ?? 'medium',
    urgency: urgency ?? 'medium',
    priority: priorityOf(impact ?? 'medium', urgency ?? 'medium', matrix),
    stated: { impact: impact !== null, urgency: urgency !== null },
  };
}
