import { describe, expect, it } from 'vitest';
import { isGenericSubject } from '../../../src/domain/generic-subject.js';

describe('a generic subject', () => {
  it('is one whose every word names no case, in Spanish, Portuguese or English', () => {
    for (const s of ['Consulta', 'Duda', 'Question', 'Hola', 'Hola, buenos días', 'Una duda', 'URGENTE!!', 'Dúvida', 'Olá, bom dia', 'Help', 'Pregunta rápida']) {
      expect(isGenericSubject(s), s).toBe(true);
    }
  });
  it('is not one with a word of its own or a number', () => {
    for (const s of ['Error al timbrar', 'Consulta sobre nómina', 'Consulta 4521', 'Holanda', 'Factura', 'Question about invoices', '', '   ']) {
      expect(isGenericSubject(s), s).toBe(false);
    }
  });
});
