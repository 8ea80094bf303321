// The words of a text that say what it is about, for matching a new ticket's mail with knowledge-base articles
// (DOMAIN.md rule 10): lower case, accents off, no words that every text has (Spanish, Portuguese, English).

const STOPWORDS = new Set(
  (
    // Spanish
    'para por con sin que como cuando donde desde hasta sobre entre pero porque pues del las los una uno unos unas ' +
    'este esta estos estas ese esa esos esas aqui alli ahi muy mas menos tambien solo ya aun todo toda todos todas ' +
    'hay tengo tiene tienen tenemos hacer hace hago hecho puedo puede pueden podemos favor gracias hola buenos buenas ' +
    'dias tardes noches saludos cordiales atentamente estimado estimados estimada equipo soporte ayuda ayudar necesito ' +
    'necesitamos quisiera quiero problema favor nos les sus mis tus ser estar esta estoy estamos fue sido son era ' +
    'sea han has hemos habia algo alguien nada cual cuales quien mismo misma otro otra otros otras cada caso ' +
    // Portuguese
    'com sem nao sim mais muito muita nos voce voces seu sua seus suas meu minha isso isto aquilo esse essa pelo pela ' +
    'pelos pelas num numa tenho temos fazer obrigado obrigada ola bom boa dia tarde noite cumprimentos preciso ajuda ' +
    'quando onde porque entao tambem ainda ja estou esta sao foi ser ter tem ' +
    // English
    'the and for with without that this these those from have has had not are was were been being you your our ' +
    'hello thanks thank please regards dear team support help need would could should can will just also any ' +
    'some what when where which who how why there here into about after before them they their its issue problem'
  ).split(' '),
);

/** Letters and digits only, accents folded (NFD, marks dropped): "Facturación" -> "facturacion". */
export function foldedWords(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9ñ]+/)
    .filter(Boolean);
}

/**
 * A stopword or its plural: "problemas", "issues", "casos" are as common as "problema", "issue", "caso" (left in,
 * "Tengo problemas con el sistema" was sent an article titled "Solución de problemas ..."). From five letters:
 * "eras", "sims", "sons" are words of their own.
 */
const isStopword = (w: string): boolean => STOPWORDS.has(w) || (w.length >= 5 && w.endsWith('s') && STOPWORDS.has(w.slice(0, -1)));

/** The words that carry meaning: three letters or more (or an all-digit code like "403"), not a stopword. */
export function meaningfulTerms(text: string): string[] {
  return foldedWords(text).filter((w) => (w.length >= 3 || /^\d{3,}$/.test(w)) && !isStopword(w) && !/^\d{5,}$/.test(w));
}

// Inflections and derivations, longest first (accents folded): Spanish and Portuguese, then English.
const SUFFIXES = [
  'amientos', 'imientos', 'aciones', 'iciones', 'amiento', 'imiento', 'acoes', 'icoes', 'acion', 'icion', 'acao', 'icao',
  'mente', 'ando', 'endo', 'indo', 'ados', 'adas', 'idos', 'idas', 'ado', 'ada', 'ido', 'ida', 'ar', 'er', 'ir',
  'os', 'as', 'es', 'o', 'a', 'e', 's', 'ing', 'ed',
].sort((a, b) => b.length - a.length);
const MIN_STEM = 4;

/**
 * A word's stem, so that its forms match ("exporto", "exportar", "exportação"; "factura", "facturas",
 * "facturación"; "error", "errores"): the longest known ending taken off, when at least four letters are left.
 * Lighter than a Snowball stemmer, and enough for matching a mail with a few dozen articles.
 */
export function stemOf(word: string): string {
  for (const suffix of SUFFIXES) if (word.endsWith(suffix) && word.length - suffix.length >= MIN_STEM) return word.slice(0, -suffix.length);
  return word;
}
