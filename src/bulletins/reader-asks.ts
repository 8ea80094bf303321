import { withoutGatewayTags } from '../domain/thread-refs.js';

// A bulletin goes to thousands of readers, and many answer it: thanks ("Gracias por compartir", "Thanks for
// sharing"), an acknowledgement ("Enterado", then a signature with a title and a phone), "buen fin de semana".
// Listing every courtesy never ends (each review found new ones, and each opened a ticket and an acknowledgement
// per polite reader per bulletin). What needs a person is a question or a request: that is what is looked for.

/**
 * Words that ask or request, in Spanish, Portuguese and English. Not "ayuda" or "help" alone ("Gracias por su
 * ayuda" asks nothing), not "por favor" alone ("por favor sigan enviando").
 */
const REQUEST_WORDS = new RegExp(
  '(?<![\\p{L}\\p{N}])(?:' +
    [
      // es
      'necesit(?:o|amos|ar[ií]a|ar[ií]amos)', 'requiero', 'requerimos', 'consultas?', 'consultar(?:les|le)?', 'dudas?',
      'preguntas?', 'preguntar(?:les|le)?', 'podr[ií]an?', 'pudieran?', 'quisi[ée]ramos', 'quisiera', 'me gustar[ií]a', 'nos gustar[ií]a',
      'favor de', 'solicit(?:o|amos|arles?)', 'ay[uú]d(?:enme|ennos|arme|arnos)', 'aclar(?:ar|en|aci[oó]n)', 'expli(?:car|quen)',
      // pt
      'preciso', 'precisamos', 'precisaria', 'd[uú]vidas?', 'perguntas?', 'gostar[ií]a(?:mos)?', 'poderiam?', 'solicitamos',
      'esclarec(?:er|imento)', 'ajud(?:ar|em)',
      // en
      'could you', 'can you', 'would you', 'could we', 'can we', 'i need', 'we need', 'questions?', 'please (?:advise|clarify|confirm|send|explain)',
      'help (?:me|us)', 'wondering', "i'?d like to know", 'we would like to know',
    ].join('|') +
    ')(?![\\p{L}\\p{N}])',
  'iu',
);

/** A link: a signature's "cliente.mx/contacto?ref=firma" asks nothing. */
const LINK = /\b(?:https?:\/\/|www\.)\S+|\S+@\S+\.\S+/gi;

/** True when `text` asks something: a question mark (¿ or ?) outside links, or a word that asks or requests. */
export function asksSomething(text: string): boolean {
  const plain = text.replace(LINK, ' ');
  return /[?¿？]/.test(plain) || REQUEST_WORDS.test(plain);
}

/** A reply's or a forward's prefix, or a tag in front ("[EXTERNAL]", another helpdesk's "[Cliente]"). */
const PREFIX = /^\s*(?:\[[^\]]*\]|(?:re|r|aw|sv|vs|res|resp|antw|fwd?|fw|rv|enc|tr|wg)\s*(?:\[\d+\])?\s*[:：])\s*/i;

const comparable = (text: string): string => text.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * What the reader wrote in a subject: without reply and forward prefixes, tags, and the title of a bulletin sent
 * (`titles`, every language's), which may itself be a question ("RE: ¿Qué cambia con la reforma?" asks nothing;
 * "RE: Reforma del IVA - duda sobre personas morales" does).
 */
export function writtenSubject(subject: string, titles: readonly string[]): string {
  let rest = withoutGatewayTags(subject);
  for (let i = 0; i < 20 && PREFIX.test(rest); i++) rest = rest.replace(PREFIX, '');
  let text = comparable(rest);
  for (const title of [...titles].map(comparable).filter((t) => t !== '').sort((a, b) => b.length - a.length)) {
    text = text.split(title).join(' ');
  }
  return text.trim();
}
