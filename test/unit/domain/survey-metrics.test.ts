import { describe, expect, it } from 'vitest';
import { npsCategory, percent, summariseCsat, summariseNps } from '../../../src/domain/survey-metrics.js';

const ratings = (...values: Array<'good' | 'neutral' | 'bad' | null>) => values.map((rating) => ({ rating }));
const scores = (...values: Array<number | null>) => values.map((score) => ({ score }));

describe('CSAT arithmetic', () => {
  it('% satisfied is good answers over answers; the response rate is answers over surveys sent', () => {
    expect(summariseCsat(ratings('good', 'good', 'good', 'bad', null, null, null, null))).toEqual({
      sent: 8, answered: 4, responseRate: 50, satisfied: 3, neutral: 0, unsatisfied: 1, satisfiedPercent: 75,
    });
  });
  it('on the 1-5 scale a 3 is neutral: answered, not satisfied', () => {
    expect(summariseCsat(ratings('good', 'neutral', 'bad'))).toMatchObject({ answered: 3, satisfied: 1, neutral: 1, unsatisfied: 1, satisfiedPercent: 33.3, responseRate: 100 });
  });
  it('rounds to one decimal', () => {
    expect(summariseCsat(ratings('good', 'good', 'bad')).satisfiedPercent).toBe(66.7);
    expect(summariseCsat(ratings('good', null, null)).responseRate).toBe(33.3);
  });
  it('nothing sent or nothing answered: null percentages, not 0 or NaN', () => {
    expect(summariseCsat([])).toEqual({ sent: 0, answered: 0, responseRate: null, satisfied: 0, neutral: 0, unsatisfied: 0, satisfiedPercent: null });
    expect(summariseCsat(ratings(null, null))).toMatchObject({ responseRate: 0, satisfiedPercent: null });
  });
});

describe('NPS arithmetic', () => {
  it('9-10 promoters, 7-8 passives, 0-6 detractors', () => {
    expect([0, 6, 7, 8, 9, 10].map(npsCategory)).toEqual(['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']);
    for (const bad of [-1, 11, 5.5, Number.NaN]) expect(() => npsCategory(bad)).toThrow(RangeError);
  });
  it('NPS is % promoters minus % detractors of the answers', () => {
    // 5 promoters, 3 passives, 2 detractors of 10 answers: 50% - 20% = +30; 2 of 12 sent did not answer.
    const summary = summariseNps(scores(10, 9, 9, 10, 9, 8, 7, 7, 3, 0, null, null));
    expect(summary).toEqual({ sent: 12, answered: 10, responseRate: 83.3, promoters: 5, passives: 3, detractors: 2, nps: 30 });
  });
  it('ranges from -100 (all detractors) to +100 (all promoters); passives only is 0', () => {
    expect(summariseNps(scores(0, 1, 6)).nps).toBe(-100);
    expect(summariseNps(scores(9, 10)).nps).toBe(100);
    expect(summariseNps(scores(7, 8)).nps).toBe(0);
    expect(Object.is(summariseNps(scores(7, 8)).nps, -0)).toBe(false);
  });
  it('rounds to one decimal and is null without answers', () => {
    expect(summariseNps(scores(9, 9, 3)).nps).toBe(33.3);
    expect(summariseNps(scores(9, 3, 3)).nps).toBe(-33.3);
    // Halves away from zero on both sides: 100 promoters, 149 detractors, 151 passives is -12.25.
    const many = (score: number, n: number) => Array.from({ length: n }, () => score);
    expect(summariseNps(scores(...many(9, 100), ...many(3, 149), ...many(7, 151))).nps).toBe(-12.3);
    expect(summariseNps(scores(...many(9, 149), ...many(3, 100), ...many(7, 151))).nps).toBe(12.3);
    expect(summariseNps(scores(null)).nps).toBeNull();
    expect(summariseNps([])).toMatchObject({ sent: 0, responseRate: null, nps: null });
  });
  it('percent()', () => {
    expect(percent(1, 3)).toBe(33.3);
    expect(percent(2, 3)).toBe(66.7);
    expect(percent(0, 0)).toBeNull();
  });
});
