import { describe, expect, it } from 'vitest';
import { answerFromReply, answerFromValue, choicesOf, ratingOfScore } from '../../../src/domain/survey-scale.js';
import { CSAT_SCORE_WORDS } from '../../../src/surveys/copy.js';

describe('survey scales', () => {
  it('offers good/bad, 1-5 or 0-10', () => {
    expect(choicesOf('good_bad')).toEqual(['good', 'bad']);
    expect(choicesOf('1-5')).toEqual(['1', '2', '3', '4', '5']);
    expect(choicesOf('0-10')).toHaveLength(11);
    expect([1, 2, 3, 4, 5].map(ratingOfScore)).toEqual(['bad', 'bad', 'neutral', 'good', 'good']);
  });

  it('a link or form value is accepted only on its own scale', () => {
    expect(answerFromValue('good_bad', 'good')).toEqual({ rating: 'good', score: null });
    expect(answerFromValue('good_bad', 'bad')).toEqual({ rating: 'bad', score: null });
    expect(answerFromValue('1-5', '4')).toEqual({ rating: 'good', score: 4 });
    expect(answerFromValue('0-10', '0')).toEqual({ rating: null, score: 0 });
    expect(answerFromValue('0-10', '10')).toEqual({ rating: null, score: 10 });
    for (const [scale, value] of [['good_bad', '5'], ['1-5', 'good'], ['1-5', '6'], ['0-10', '11'], ['0-10', '05'], ['0-10', ' 9'], ['good_bad', undefined], ['good_bad', null]] as const) {
      expect(answerFromValue(scale, value), `${scale} ${value}`).toBeNull();
    }
  });
});

describe('a reply that is only a score', () => {
  it.each([
    ['5', '1-5', { rating: 'good', score: 5 }],
    [' 3 ', '1-5', { rating: 'neutral', score: 3 }],
    ['4/5', '1-5', { rating: 'good', score: 4 }],
    ['5 de 5', '1-5', { rating: 'good', score: 5 }],
    ['2.', 'good_bad', { rating: 'bad', score: 2 }],
    ['Bueno', 'good_bad', { rating: 'good', score: null }],
    ['¡Muy buena!', 'good_bad', { rating: 'good', score: null }],
    ['malo', 'good_bad', { rating: 'bad', score: null }],
    ['BOM', '1-5', { rating: 'good', score: null }],
    ['Má', 'good_bad', { rating: 'bad', score: null }],
    ['mau!!', 'good_bad', { rating: 'bad', score: null }],
    ['good', 'good_bad', { rating: 'good', score: null }],
    ['Bad.', 'good_bad', { rating: 'bad', score: null }],
    ['9', '0-10', { rating: null, score: 9 }],
    ['0', '0-10', { rating: null, score: 0 }],
    ['10/10', '0-10', { rating: null, score: 10 }],
    ['8 of 10', '0-10', { rating: null, score: 8 }],
  ] as const)('%j on %s', (text, scale, expected) => {
    expect(answerFromReply(scale, text)).toEqual(expected);
  });

  it.each([
    ['', 'good_bad'],
    ['9', '1-5'],
    ['0', '1-5'],
    ['11', '0-10'],
    ['bueno', '0-10'],
    ['El problema volvió a aparecer', 'good_bad'],
    ['5 estrellas pero tardaron', '1-5'],
    ['no es bueno', 'good_bad'],
    ['gracias', 'good_bad'],
    ['Ticket 1042', '0-10'],
    // A score out of another scale: "5 de 5" is a top mark, not a detractor's 5 of 10.
    ['5 de 5', '0-10'],
    ['5/10', '1-5'],
    ['4 of 10', 'good_bad'],
  ] as const)('%j on %s is an ordinary mail', (text, scale) => {
    expect(answerFromReply(scale, text)).toBeNull();
  });
});

describe('a reply with the words the mail shows by a 1-5 score', () => {
  it.each([
    ['Muy satisfecho', '1-5', { rating: 'good', score: 5 }],
    ['5 · Muy satisfecho', '1-5', { rating: 'good', score: 5 }],
    ['¡Muy satisfecho!', 'good_bad', { rating: 'good', score: 5 }],
    ['Ni satisfecho ni insatisfecho', '1-5', { rating: 'neutral', score: 3 }],
    ['Insatisfeito.', '1-5', { rating: 'bad', score: 2 }],
    ['very dissatisfied', '1-5', { rating: 'bad', score: 1 }],
  ] as const)('%j on %s', (text, scale, expected) => {
    expect(answerFromReply(scale, text, CSAT_SCORE_WORDS)).toEqual(expected);
  });

  it.each([
    ['4 · Muy satisfecho', '1-5'], // the number and its words disagree
    ['Muy satisfecho', '0-10'],
    ['Muy satisfecho con la rapidez', '1-5'],
  ] as const)('%j on %s is an ordinary mail', (text, scale) => {
    expect(answerFromReply(scale, text, CSAT_SCORE_WORDS)).toBeNull();
  });
});
