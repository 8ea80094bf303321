// Some customers write every word with a capital: "La Factura Llegó Vacía" below their name looked like a job or
// a company line (signature-block.ts), and the complaint was taken for a signature. Job, company and address
// lines are nouns and adjectives ("Gerente De Compras", "Grupo Industrial Del Norte", "Av. Reforma 222"); a
// sentence has a verb or a person in it. No grammar is parsed: the common verb forms of a complaint and the
// personal pronouns of Spanish, Portuguese and English are listed, and the past tenses told by their endings.
// Pure: no I/O.

/**
 * Verbs and pronouns, lower case, accents kept: "é" (is) is not the "e" (and) of "Ana e Silva", "sé" (of "Praça
 * da Sé") is not "se". Left out for being words of signatures too: "são" (São Paulo), "son" ("& Son"), "marca"
 * ("Gerente De Marca"), "era", "vino", "dan", "lo", "le", "do" ("Banco do Brasil"), "am", "it" ("Gerente De
 * It"), "you", "my" and "our" ("From My iPhone"). Two more need their neighbour: below.
 */
const SENTENCE_WORDS = new Set([
  // es: to be, to have, there is, and what a complaint says a document or the system does
  'es', 'está', 'esta', 'están', 'estan', 'estoy', 'estamos', 'fue', 'fueron', 'hay', 'había', 'habia',
  'tiene', 'tienen', 'tengo', 'tenemos', 'puedo', 'puede', 'pueden', 'podemos', 'quiero', 'queremos', 'salen',
  'aparece', 'aparecen', 'llega', 'llegan', 'marcan', 'tarda', 'tardan', 'dice', 'dicen', 'deja', 'dejan',
  'siguen', 'cae', 'caen', 'manda', 'mandan', 'cobran', 'dieron', 'hizo', 'dio', 'llevo', 'llevamos', 'espero', 'esperamos',
  'revisen', 'envíen', 'envien', 'manden', 'corrijan',
  // es: personal pronouns, the clitics of "Se Cae", "Me Cobraron", "Nos Llegó", and the possessive "mi"
  'yo', 'me', 'se', 'nos', 'te', 'mi', 'mis', 'nuestra', 'nuestro', 'ustedes', 'esto',
  // pt
  'é', 'estão', 'estao', 'foi', 'foram', 'tem', 'têm', 'veio', 'vieram', 'deu', 'continuam',
  'consigo', 'consegue', 'pode', 'podem', 'deram', 'saiu', 'caiu', 'eu', 'meu', 'minha', 'meus', 'minhas', 'você', 'vocês', 'voce',
  // en (lower-case "i" is "I"; all-capital words are not looked at, see below)
  'is', 'are', 'was', 'were', 'has', 'have', 'had', 'does', 'did', "doesn't", "don't", "didn't", "isn't", "wasn't", "can't",
  "won't", 'came', 'got', 'keeps', 'shows', 'says', 'seems', 'went', 'we', 'this',
]);

/**
 * Past tenses by their ending: es "llegó", "salió" (an accented ó ends no noun of a signature), "cobraron",
 * "perdieron"; pt "chegou", "sumiu", "cobraram". Long enough not to be a name ("Aaron", "Liu").
 */
const PAST_TENSE = /^(?:\p{L}{2,}ó|\p{L}{3,}(?:aron|ieron)|\p{L}{3,}(?:ou|iu)|\p{L}{3,}(?:aram|eram|iram))$/u;

/**
 * "Continua" is a verb before a gerund ("O Sistema Continua Travando"), not in "Mejora Continua"; the gerund is
 * never read alone: "Fernando", "Orlando" and "Armando" end as one. "Sale" is the Spanish verb ("El PDF Sale En
 * Blanco"), not the English noun after "of" or "for" ("Point Of Sale").
 */
function verbByItsNeighbour(word: string, before: string, after: string): boolean {
  if (word === 'continua') return /\p{L}{2,}(?:ando|endo|indo)$/u.test(after);
  return word === 'sale' && before !== 'of' && before !== 'for';
}

/**
 * True when the words read as a sentence: one of them a verb form or a pronoun above. A word all in capitals
 * is an acronym or a state ("Head Of IT", "Detroit, MI", "Aracaju - SE", "Vitória - ES"), not looked at.
 */
export function readsAsSentence(words: string[]): boolean {
  const lower = words.map((word) => (word.length > 1 && !/\p{Ll}/u.test(word) ? '' : word.toLowerCase()));
  return lower.some(
    (word, i) => SENTENCE_WORDS.has(word) || PAST_TENSE.test(word) || verbByItsNeighbour(word, lower[i - 1] ?? '', lower[i + 1] ?? ''),
  );
}
