import { describe, expect, it } from 'vitest';
import { countryFromAddress, guessLanguage } from '../../../src/domain/language.js';

describe('first-contact guesses', () => {
  it('tells Spanish, Portuguese and English apart', () => {
    expect(guessLanguage('Hola, no puedo timbrar las facturas desde esta mañana. Saludos')).toBe('es');
    expect(guessLanguage('Bom dia, como exporto o ficheiro SAF-T de outubro? Obrigada')).toBe('pt');
    expect(guessLanguage('Hi team, the sales tax report shows totals that do not match')).toBe('en');
  });
  it('says nothing when unsure', () => {
    expect(guessLanguage('SAF-T CFDI 4.0')).toBeNull();
    expect(guessLanguage('')).toBeNull();
  });
  it('reads the country of the 13 served from the email domain', () => {
    expect(countryFromAddress('ana@contadores.com.mx')).toBe('MX');
    expect(countryFromAddress('joana@contabil.pt')).toBe('PT');
    expect(countryFromAddress('john@acme.com')).toBeNull();
  });
});
