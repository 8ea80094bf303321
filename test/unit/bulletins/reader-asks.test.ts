import { describe, expect, it } from 'vitest';
import { asksSomething, writtenSubject } from '../../../src/bulletins/reader-asks.js';

describe('what a reader of a bulletin asks', () => {
  it.each([
    '¿Esto aplica a personas físicas?', 'Aplica a honorarios?', 'Necesito el formato del aviso', 'Tengo una duda sobre el anexo 20',
    'Quisiera saber si aplica en Jalisco', 'Favor de enviarme la constancia', 'Preciso do modelo', 'Gostaria de saber se vale para MEI',
    'Could you send the decree', 'I need the form', 'Question about the VAT reform', 'Podrían confirmar la fecha',
  ])('%j asks', (text) => expect(asksSomething(text)).toBe(true));

  it.each([
    'Gracias por compartir', 'Muito obrigado pelas informações', 'Thank you for keeping us informed', 'Gracias por su ayuda',
    'Muchas gracias, que tengan buen fin de semana', 'Enterado.\n\nAna Pérez\nContadora General\nTel. +52 55 1234 5678',
    'Saludos\nhttps://cliente.mx/contacto?ref=firma\nwww.cliente.mx/?a=1', 'Consultoría Fiscal Pérez S.C.', '',
  ])('%j asks nothing', (text) => expect(asksSomething(text)).toBe(false));

  it("a subject less its prefixes, tags and a bulletin's title", () => {
    const titles = ['¿Qué cambia en 2027?', 'O que muda?'];
    expect(writtenSubject('RE: [EXTERNAL] RE:  ¿qué cambia en 2027?', titles)).toBe('');
    expect(writtenSubject('[EXTERNO] Re: Fwd: O que muda? - dúvida', titles)).toBe('- dúvida');
    expect(writtenSubject('Consulta: ¿retenciones?', titles)).toBe('consulta: ¿retenciones?');
  });
});
