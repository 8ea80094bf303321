import { describe, expect, it } from 'vitest';
import { asksNoMoreSurveys } from '../../../src/surveys/opt-out-reply.js';

// What a reply to a survey mail must say to opt its sender out (src/surveys/opt-out-reply.ts): the unmistakable
// phrases alone, or about the surveys; anything else (a request to deactivate a user, a weak word) is for the desk.
describe('asksNoMoreSurveys', () => {
  it.each(['UNSUBSCRIBE', 'Unsubscribe me please', 'Darme de baja por favor', 'Quiero darme de baja de estas encuestas, gracias.', 'Remove me from these surveys', 'Opt-out', 'Desuscribirme de las encuestas', 'Cancelar inscrição das pesquisas', 'Quiero darme de baja de estos correos, gracias', 'Unsubscribe me from these', 'Darme de baja de todas las encuestas', 'Please unsubscribe me from these survey emails', 'Cancelar assinatura das pesquisas'])('%s: yes', (text) => {
    expect(asksNoMoreSurveys(text)).toBe(true);
  });

  it.each(['Baja', 'Stop', 'Cancelar', 'Baja de tasas del ISR', 'Quiero darme de baja del sistema de facturación', 'Dar de baja el usuario ana@cliente.mx', '5', 'Gracias', ''])('%s: no', (text) => {
    expect(asksNoMoreSurveys(text)).toBe(false);
  });

  // A silent opt-out only when it is plainly about the surveys: all mail, the address, a subscription, the
  // service, an account are for the desk (they were swallowed, the ticket left solved).
  it.each([
    'Por favor dar de baja mi correo',
    'Unsubscribe me from all emails',
    'Darme de baja de todos los correos',
    'Remove me from all mail',
    'Quiero cancelar suscripción',
    'Cancelar assinatura',
    'Cancelar mi suscripción',
    'Por favor dar de baja este correo',
    'Unsubscribe me from all',
    'Darme de baja de la lista',
    'Unsubscribe my account',
    'Darme de baja del servicio',
    'Darme de baja por favor ya no uso el sistema',
    'Unsubscribe ana@cliente.mx',
    'Darme de baja del boletín fiscal',
    'Unsubscribe from the newsletter',
  ])('%s: no, for the desk', (text) => {
    expect(asksNoMoreSurveys(text)).toBe(false);
  });
});
