import { describe, expect, it } from 'vitest';
import { countryFromAddress, guessLanguage, languageToRecord } from '../../../src/domain/language.js';

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
  it('is not swayed by words the languages share or by a language of none of them', () => {
    // 'do', 'as' and 'a' are Portuguese words too; 'a' a Spanish one.
    expect(guessLanguage('Ok, will do. As a test, this is a reply from a webmail client.')).toBe('en');
    expect(guessLanguage('Voy a enviar a Juan el archivo')).toBe('es');
    expect(guessLanguage("yes we're fine, thanks")).toBe('en');
    // German: "E-Mail" is no Portuguese 'e', and a 'da' among many words says nothing.
    expect(guessLanguage('Hallo Stoiko, alles klar, deine Reply Mail war jetzt nicht im Spam und eine E-Mail von Daniela vor ein paar Tagen war es auch nicht, da bin ich sicher. Beste Grüße')).toBeNull();
  });
  it('reads the country of the 13 served from the email domain', () => {
    expect(countryFromAddress('ana@contadores.com.mx')).toBe('MX');
    expect(countryFromAddress('joana@contabil.pt')).toBe('PT');
    expect(countryFromAddress('john@acme.com')).toBeNull();
  });
});

describe("a contact's language from their mails", () => {
  const none = { locale: null, guessed: false, country: null };
  it('a new contact takes the guess from their words, else, with no country, the language of their reply header', () => {
    expect(languageToRecord(none, { words: 'pt', header: () => 'en' })).toBe('pt');
    expect(languageToRecord(none, { words: null, header: () => 'en' })).toBe('en');
    // A Mexican customer on an English Outlook who wrote too little to tell: the country says more than the client.
    expect(languageToRecord({ ...none, country: 'MX' }, { words: null, header: () => 'en' })).toBeNull();
    expect(languageToRecord(none, { words: null, header: () => null })).toBeNull();
  });
  it('a guessed language gives way to a later confident guess, never to a reply header alone', () => {
    expect(languageToRecord({ locale: 'es', guessed: true, country: null }, { words: 'en', header: () => null })).toBe('en');
    expect(languageToRecord({ locale: 'es', guessed: true, country: null }, { words: null, header: () => 'en' })).toBeNull();
    expect(languageToRecord({ locale: 'en', guessed: true, country: null }, { words: 'en', header: () => null })).toBeNull();
  });
  it("a forward does not change a language already guessed: its words are mostly the forwarded mail's", () => {
    // A Mexican customer forwarding an English vendor's error mail with a line of their own stays Spanish.
    expect(languageToRecord({ locale: 'es', guessed: true, country: null }, { words: 'en', header: () => null, forwarded: true })).toBeNull();
    // A first mail that is a forward still gives its guess: there is nothing better to go by.
    expect(languageToRecord(none, { words: 'en', header: () => null, forwarded: true })).toBe('en');
  });
  it('a language set by a person is never overwritten', () => {
    expect(languageToRecord({ locale: 'es-MX', guessed: false, country: null }, { words: 'en', header: () => 'en' })).toBeNull();
  });
});
