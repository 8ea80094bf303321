import { describe, expect, it } from 'vitest';
import { asksNoMoreSurveys } from '../../../src/surveys/opt-out-reply.js';

// What a reply to a survey mail must say to opt its sender out (src/surveys/opt-out-reply.ts): the unmistakable
// phrases alone, or about the surveys; anything else (a request to deactivate a user, a weak word) is for the desk.
describe('asksNoMoreSurveys', () => {
  it.each(['UNSUBSCRIBE', 'Unsubscribe me please', 'Darme de baja por favor', 'Quiero darme de baja de estas encuestas, gracias.', 'Remove me from these surveys', 'Opt-out', 'Desuscribirme de las encuestas', 'Cancelar inscrição das pesquisas'])('%s: yes', (text) => {
    expect(asksNoMoreSurveys(text)).toBe(true);
  });

  it.each(['Baja', 'Stop', 'Cancelar', 'Baja de tasas del ISR', 'Quiero darme de baja del sistema de facturación', 'Dar de baja el usuario ana@cliente.mx', '5', 'Gracias', ''])('%s: no', (text) => {
    expect(asksNoMoreSurveys(text)).toBe(false);
  });
});
