import { describe, expect, it } from 'vitest';
import { LEVELS, priorityOf, readSeverity } from '../../../src/domain/priority.js';

describe('priority matrix (DOMAIN.md rule 6)', () => {
  const expected: Record<string, string> = {
    'high/high': 'urgent',
    'high/medium': 'high',
    'medium/high': 'high',
    'high/low': 'normal',
    'medium/medium': 'normal',
    'low/high': 'normal',
    'medium/low': 'low',
    'low/medium': 'low',
    'low/low': 'low',
  };
  for (const impact of LEVELS) {
    for (const urgency of LEVELS) {
      it(`impact ${impact} x urgency ${urgency} -> ${expected[`${impact}/${urgency}`]}`, () => {
        expect(priorityOf(impact, urgency)).toBe(expected[`${impact}/${urgency}`]);
      });
    }
  }
});

describe('reading impact and urgency from the mail', () => {
  it('reads Spanish lines', () => {
    expect(readSeverity('Hola\nImpacto: Alto\nUrgencia: Alta\n')).toMatchObject({ impact: 'high', urgency: 'high', priority: 'urgent' });
  });
  it('reads Portuguese with accents and feminine forms', () => {
    expect(readSeverity('Impacto: Médio\nUrgência: Baixa')).toMatchObject({ impact: 'medium', urgency: 'low', priority: 'low' });
  });
  it('reads English, any case, other separators and markdown emphasis', () => {
    expect(readSeverity('**Impact**: HIGH\n> urgency = medium')).toMatchObject({ impact: 'high', urgency: 'medium', priority: 'high' });
    expect(readSeverity('Impact - low\nUrgency – high')).toMatchObject({ impact: 'low', urgency: 'high', priority: 'normal' });
  });
  it('reads accents however they are encoded (a combining accent, NFD)', () => {
    expect(readSeverity('Impacto: Alto\nUrgência: Alta'.normalize('NFD'))).toMatchObject({ impact: 'high', urgency: 'high', priority: 'urgent' });
  });
  it('reads "muy alta", "muito alta", "very high" and "urgente" as high, "muy baja" as low', () => {
    for (const value of ['Muy alta', 'muito alta', 'Very high', 'URGENTE']) expect(readSeverity(`Impacto: bajo\nUrgencia: ${value}`).urgency, value).toBe('high');
    for (const value of ['Muy baja', 'muito baixa', 'very low']) expect(readSeverity(`Impacto: alto\nUrgencia: ${value}`).urgency, value).toBe('low');
  });
  it('reads unaccented Spanish typed in a hurry', () => {
    expect(readSeverity('impacto:bajo\nurgencia:media')).toMatchObject({ impact: 'low', urgency: 'medium', priority: 'low' });
  });
  it('defaults to medium/medium (normal) when absent, and says so', () => {
    expect(readSeverity('No puedo entrar al sistema.')).toEqual({
      impact: 'medium',
      urgency: 'medium',
      priority: 'normal',
      stated: { impact: false, urgency: false },
    });
  });
  it('defaults only the missing one', () => {
    expect(readSeverity('Urgencia: Alta')).toMatchObject({ impact: 'medium', urgency: 'high', priority: 'high', stated: { impact: false, urgency: true } });
  });
  it('ignores the words in running text, only labelled lines count', () => {
    expect(readSeverity('El impacto es alto y la urgencia alta')).toMatchObject({ stated: { impact: false, urgency: false } });
  });
  it('reads both when one line states them, as a customer lists them ("Impacto: Alto, Urgencia: Alta")', () => {
    for (const line of ['Impacto: Alto, Urgencia: Alta', 'Impacto: Alto / Urgencia: Alta', 'Impact: high; urgency: high', 'Impacto: Alto - Urgência: Alta', '**Impacto:** Alto | **Urgencia:** Alta']) {
      expect(readSeverity(line), line).toMatchObject({ impact: 'high', urgency: 'high', priority: 'urgent' });
    }
    expect(readSeverity('Urgencia: Baja, impacto: Alto')).toMatchObject({ impact: 'high', urgency: 'low', priority: 'normal' });
  });
  it('skips a label with an unknown value and uses the next one', () => {
    expect(readSeverity('Impacto: ???\nImpacto: bajo')).toMatchObject({ impact: 'low' });
  });
});
