import { describe, expect, it } from 'vitest';
import { mentionableName } from '../../../src/domain/display-name.js';

// close_undone quotes a colleague's name to the requester ("una respuesta de Luis García"): the name is whatever the
// colleague's From says, so only a name that reads as one is repeated (apply.ts answeredBy falls back to the address).
describe('a sender name quoted to others', () => {
  it('keeps the names people have, accents, particles, initials, hyphens, apostrophes and a department in brackets', () => {
    for (const name of ['Luis García', 'María de los Ángeles Fernández-Castillo', "Seán O'Brien", 'J.R. Smith', 'García, Luis (Finanzas)', 'João Conceição']) {
      expect(mentionableName(name, 'x@cliente.mx')).toBe(name);
    }
  });

  it('repeats no link, host, address, phone number, markup or direction character, nor the address itself', () => {
    for (const name of ['Luis <http://evil.example>', 'www.banco-seguro.example', 'Soporte banco.example', 'Llame al 55 1234 5678', 'luis@cliente.mx', 'otro@x.example', '<b>Luis</b>', 'Luis \u202Eodnum', 'Luis: confirme su clave', '...', null, '']) {
      expect(mentionableName(name, 'luis@cliente.mx'), String(name)).toBeNull();
    }
  });

  it('cuts a name of more than 60 characters at a word, with an ellipsis, on one line', () => {
    const cut = mentionableName(`Luis\r\nGarcía ${'Llame urgente al banco '.repeat(20)}`, 'luis@cliente.mx') ?? '';
    expect(cut).toMatch(/^Luis García Llame urgente al banco( \p{L}+)+…$/u);
    expect(cut.length).toBeLessThanOrEqual(61);
    expect(mentionableName('A'.repeat(80), 'x@y.example')).toBe(`${'A'.repeat(60)}…`);
  });
});
