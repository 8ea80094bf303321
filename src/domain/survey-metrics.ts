// The survey figures support managers read (DOMAIN.md rule 8): CSAT as the percentage of answers that are
// satisfied, NPS as promoters minus detractors (percent of answers), and the response rate. Pure: no I/O.

import type { Rating } from './survey-scale.js';

export interface CsatSummary {
  sent: number;
  answered: number;
  /** answered / sent, percent with one decimal; null when nothing was sent. */
  responseRate: number | null;
  satisfied: number;
  neutral: number;
  unsatisfied: number;
  /** satisfied / answered, percent with one decimal; null when nothing was answered. */
  satisfiedPercent: number | null;
}

export interface NpsSummary {
  sent: number;
  answered: number;
  responseRate: number | null;
  /** 9 and 10 */
  promoters: number;
  /** 7 and 8 */
  passives: number;
  /** 0 to 6 */
  detractors: number;
  /** From -100 to +100, one decimal; null when nothing was answered. */
  nps: number | null;
}

// Halves away from zero, as a report reader expects -12.25 to show as -12.3 when 12.25 shows as 12.3 (Math.round
// alone rounds -12.25 up, to -12.2). + 0: never -0.
const oneDecimal = (value: number): number => (Math.sign(value) * Math.round(Math.abs(value) * 10)) / 10 + 0;

export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : oneDecimal((100 * part) / whole);
}

export type NpsCategory = 'promoter' | 'passive' | 'detractor';

export function npsCategory(score: number): NpsCategory {
  if (!Number.isInteger(score) || score < 0 || score > 10) throw new RangeError(`an NPS score is a whole number from 0 to 10 (got ${score})`);
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

/** One row per CSAT survey sent; rating null: not answered. */
export function summariseCsat(rows: ReadonlyArray<{ rating: Rating | string | null }>): CsatSummary {
  let satisfied = 0;
  let neutral = 0;
  let unsatisfied = 0;
  for (const { rating } of rows) {
    if (rating === 'good') satisfied++;
    else if (rating === 'neutral') neutral++;
    else if (rating === 'bad') unsatisfied++;
  }
  const answered = satisfied + neutral + unsatisfied;
  return { sent: rows.length, answered, responseRate: percent(answered, rows.length), satisfied, neutral, unsatisfied, satisfiedPercent: percent(satisfied, answered) };
}

/** One row per NPS survey sent; score null: not answered. */
export function summariseNps(rows: ReadonlyArray<{ score: number | null }>): NpsSummary {
  const counts: Record<NpsCategory, number> = { promoter: 0, passive: 0, detractor: 0 };
  for (const { score } of rows) if (score !== null) counts[npsCategory(score)]++;
  const answered = counts.promoter + counts.passive + counts.detractor;
  return {
    sent: rows.length,
    answered,
    responseRate: percent(answered, rows.length),
    promoters: counts.promoter,
    passives: counts.passive,
    detractors: counts.detractor,
    nps: answered === 0 ? null : oneDecimal((100 * (counts.promoter - counts.detractor)) / answered),
  };
}
