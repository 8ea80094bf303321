// First-contact guesses for a sender we know nothing about, so the acknowledgement is already in their
// language: the language of what they wrote, and the country of their email domain. Pure.

// Common words of each language. A word common in one of the others too ('a' in all three; 'de', 'que', 'por'
// in Spanish and Portuguese) counts for each that has it, so it tells nothing apart and only the rest decide:
// without 'a' among Spanish words, and with few English ones, a short English reply ("Ok, will do. As a test,
// this is a reply", whose 'do', 'as' and 'a' are Portuguese words too) or a German one scored as Portuguese or
// tied, and a short Portuguese one ("Olá, Qualquer dúvida estamos aí.") had one word to go by: the customer
// got a Spanish or Portuguese acknowledgement (test/corpus/acknowledgement-language.test.ts).
const STOPWORDS: Record<'es' | 'pt' | 'en', string[]> = {
  es: [
    'el', 'la', 'los', 'las', 'de', 'que', 'y', 'en', 'un', 'una', 'por', 'para', 'con', 'no', 'es', 'mi', 'su', 'del', 'al', 'lo', 'pero', 'hola', 'gracias', 'saludos', 'buenos', 'días', 'favor', 'tengo', 'puedo', 'está', 'cuando', 'muy', 'también', 'ayuda',
    'a', 'le', 'les', 'ya', 'hay', 'estoy', 'buenas', 'buen', 'tardes', 'noches', 'adjunto', 'usted', 'ustedes', 'ahora', 'siempre', 'sin', 'nada', 'porque', 'esto', 'factura', 'facturas',
  ],
  pt: [
    'o', 'a', 'os', 'as', 'de', 'que', 'e', 'em', 'um', 'uma', 'por', 'para', 'com', 'não', 'é', 'meu', 'seu', 'do', 'da', 'dos', 'das', 'ao', 'mas', 'olá', 'obrigado', 'obrigada', 'bom', 'dia', 'cumprimentos', 'tenho', 'posso', 'está', 'quando', 'muito', 'também', 'ajuda', 'você', 'ficheiro',
    'nao', 'voce', 'qualquer', 'dúvida', 'dúvidas', 'aí', 'ai', 'sim', 'isso', 'nós', 'estou', 'eu', 'já', 'até', 'pelo', 'pela', 'são', 'foi', 'boa', 'tarde', 'segue', 'anexo', 'fatura', 'faturas', 'preciso', 'consigo', 'oi', 'tudo', 'ainda', 'agora', 'sempre', 'nem',
  ],
  en: [
    'the', 'a', 'an', 'of', 'that', 'and', 'in', 'to', 'for', 'with', 'not', 'is', 'my', 'your', 'it', 'but', 'hello', 'hi', 'thanks', 'thank', 'regards', 'please', 'have', 'can', 'cannot', 'when', 'very', 'also', 'help', 'we', 'our', 'this',
    'i', 'you', 'will', 'be', 'are', 'from', 'on', 'at', 'if', 'just', 'only', 'why', 'what', 'how', "don't", "don’t", "i'm", "i've", "can't", "we're", "it's", "that's", "you're", 'there', 'they', 'would', 'could', 'should', 'need', 'dear', 'attached', 'email',
  ],
};

// Built once: a guess is made for every new sender's mail, and building the sets each time was a tenth of what
// recording a mail allocated (a sampling heap profile of 2,000 mails).
const STOPWORD_SETS = Object.entries(STOPWORDS).map(([lang, list]) => ({ lang: lang as 'es' | 'pt' | 'en', words: new Set(list) }));

/**
 * es, pt or en by counting common words; null when the text is too short, too close to call, or in none of them:
 * a third of the words of a text in one of ours are common ones, and a German mail has a few Portuguese-looking
 * ones ('da', 'e') among hundreds, so fewer than one word in thirty says nothing (an English question above a
 * pasted log still has more). A word keeps its hyphen or apostrophe: "E-Mail" is not the Portuguese 'e'. A token
 * with a digit in it is a code, not words: the hex of a CFDI's folio fiscal (5e2a1c3d-e0a1-...) or of a file name
 * (2aa5e03a.png) read as lone 'e's and 'a's, and two such made a Spanish or German mail Portuguese.
 */
export function guessLanguage(text: string): 'es' | 'pt' | 'en' | null {
  const tokens = text.toLowerCase().slice(0, 5000).match(/[\p{L}\p{N}_]+(?:['’-][\p{L}\p{N}_]+)*/gu) ?? [];
  const words = tokens.filter((token) => !/[\p{N}_]/u.test(token));
  if (words.length < 4) return null;
  const scores = STOPWORD_SETS.map(({ lang, words: set }) => ({ lang, score: words.filter((w) => set.has(w)).length }));
  scores.sort((a, b) => b.score - a.score);
  const [best, second] = scores as [{ lang: 'es' | 'pt' | 'en'; score: number }, { score: number }];
  return best.score >= 2 && best.score > second.score * 1.2 && best.score * 30 >= words.length ? best.lang : null;
}

// Country-code domains of the 13 countries served (EEUU has no usable one: .us is rare for companies).
const TLD_COUNTRIES: Record<string, string> = {
  ar: 'AR', bo: 'BO', cl: 'CL', co: 'CO', cr: 'CR', ec: 'EC', mx: 'MX', py: 'PY', pe: 'PE', do: 'DO', uy: 'UY', us: 'US', pt: 'PT',
};

export function countryFromAddress(address: string): string | null {
  const tld = address.slice(address.lastIndexOf('.') + 1).toLowerCase();
  return TLD_COUNTRIES[tld] ?? null;
}

/**
 * What a mail says of its sender's language: their own words' (a confident guess), and their mail client's reply
 * header's, asked for only when it can matter (reading it runs the quote detection again).
 */
export interface LanguageClues {
  words: 'es' | 'pt' | 'en' | null;
  header: () => 'es' | 'pt' | 'en' | null;
  /** The mail forwards another ("RV:", "Fwd:"): its words are mostly the forwarded mail's, not its sender's. */
  forwarded?: boolean;
}

/**
 * The language to record for a contact after a mail of theirs, or null to leave theirs as it is. A language set
 * by a person (an agent, an administrator, an import: `guessed` false) is never changed. A guessed one (or none)
 * takes that of the sender's words, as their first mail's did, so a customer whose first mail said too little
 * ("Hello") is not answered in Spanish for good. Their client's header, weaker (a Mexican customer's Outlook may
 * be in English), only speaks for a contact of no language and no country at all. A forward changes no language
 * already recorded.
 */
export function languageToRecord(contact: { locale: string | null; guessed: boolean; country: string | null }, clues: LanguageClues): 'es' | 'pt' | 'en' | null {
  if (contact.locale && !contact.guessed) return null;
  // A Mexican customer forwarding an English vendor's mail with a line of their own is still Spanish.
  if (contact.locale && clues.forwarded) return null;
  if (clues.words) return clues.words === contact.locale ? null : clues.words;
  return contact.locale || contact.country ? null : clues.header();
}
