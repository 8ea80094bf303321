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
  it('takes no letters of a code, a hash or a file name for words', () => {
    // A CFDI's folio fiscal (a UUID) is hex: its lone 'e's and 'a's are Portuguese and Spanish words, and two of them
    // made a Spanish customer's mail Portuguese; a Eudora mail's image names (2aa5e03a.png) did the same to a German one.
    expect(guessLanguage('Hola, no puedo timbrar. Folio fiscal 5e2a1c3d-e0a1-4b5c-a7e8-9f0e1d2c3b4a y 7e3a9b0c-1e2a-4c5e-8a9e-0e1a2b3c4d5e. Gracias')).toBe('es');
    expect(guessLanguage('Buenas tardes, el CFDI con UUID 0e1a2e3a-4e5a-6e7a-8e9a-0e1a2e3a4e5a no timbra')).toBe('es');
    expect(guessLanguage('Hi, the invoice fails: ids 3e4a5e6a 7e8a9e0a 1e2a3e4a 5e6a7e8a. Thanks')).toBe('en');
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
