import { withoutGatewayTags } from '../domain/thread-refs.js';
import { aboveSignatureMarks, withoutCourtesies } from './courtesies.js';

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
      'favor de', 'solicit(?:o|amos|arles?)', 'pueden', 'agradecer[ií]a(?:mos)?', 'me interesa(?:r[ií]a)? recibir', 'nos interesa(?:r[ií]a)? recibir',
      'env[ií]en(?:me|nos|lo|la|los|las)?', 'm[aá]nd(?:en|enme|ennos)', 'manden', 'compartan(?:me|nos)?', 'indiqu(?:en|enme|ennos)', 'ay[uú]d(?:enme|ennos|arme|arnos)', 'aclar(?:ar|en|aci[oó]n)', 'expli(?:car|quen)',
      // pt
      'preciso', 'precisamos', 'precisaria', 'd[uú]vidas?', 'perguntas?', 'gostar[ií]a(?:mos)?', 'poderiam?', 'solicitamos',
      'esclarec(?:er|imento)', 'ajud(?:ar|em)', 'podem', 'enviem(?:-me)?', 'mandem', 'me (?:enviem|mandem)',
      // en
      'could you', 'can you', 'would you', 'could we', 'can we', 'i need', 'we need', 'questions?', 'please (?:advise|clarify|confirm|send|explain)',
      'help (?:me|us)', 'send me', 'send us', 'share', 'kindly (?:send|share|advise|confirm)', 'wondering', "i'?d like to know", 'we would like to know',
    ].join('|') +
    ')(?![\\p{L}\\p{N}])',
  'iu',
);

/** A question opening an English sentence: "Does this apply to Jalisco", "Is this applicable to us". */
const ENGLISH_QUESTION = /(?:^|[.!;:\n]\s*)(?:does|do|is|are|can|could|would)\s+(?:this|that|it|the|these|those|you|we|i|they|there|he|she|a|an|our|my|your|its|their|anyone|someone)\b/i;

/**
 * A link or an address: a signature's "cliente.mx/contacto?ref=firma" asks nothing. A "?" is part of a link only
 * when more of the link follows it: "a ana@cliente.mx?" or "www.sat.gob.mx/tramite?" ends a question.
 */
const URL_CHARS = "[\\p{L}\\p{N}\\-._~/%#&=+:;,@!$'*()\\[\\]]";
const LINK = new RegExp(
  `(?:https?://|www\\.|[\\p{L}\\p{N}-]+(?:\\.[\\p{L}\\p{N}-]+)+/)(?:${URL_CHARS}|\\?(?=${URL_CHARS}))*(?<![.,;:!)])` +
    `|[\\p{L}\\p{N}._%+-]+@[\\p{L}\\p{N}-]+(?:\\.[\\p{L}\\p{N}-]+)+(?:\\?(?=${URL_CHARS})(?:${URL_CHARS}|\\?)*)?`,
  'giu',
);

/** How much of what a reader wrote is read: a question to a bulletin is near the top of what they wrote. */
const READ_CHARS = 5_000;

/**
 * The text with its runs of spaces made one space and its blank lines dropped (lines kept: a signature's "--" is
 * one), then its first READ_CHARS. The patterns' optional spaces ("¿?\s*qué tal") are tried again from each
 * character of a long run: a reply of "Gracias", 100,000 spaces and "saludos" held the ingest transaction 34 s.
 * Both replacements consume what they match, so they are linear.
 */
function readable(text: string): string {
  return text.replace(/[^\S\n]+/g, ' ').replace(/ ?\n\s*/g, '\n').slice(0, READ_CHARS);
}

/**
 * True when `text` asks something: a question mark (¿ or ?) outside links, a word that asks or requests, or an
 * English question opening a sentence, once a signature set off by "--" or "|" and courtesies are removed.
 * `sender`: whose own name may open a one-line signature (courtesies.ts).
 */
export function asksSomething(text: string, sender?: { name: string | null; address: string }): boolean {
  const plain = withoutCourtesies(aboveSignatureMarks(readable(text), sender).replace(LINK, ' '));
  return /[?¿？]/.test(plain) || REQUEST_WORDS.test(plain) || ENGLISH_QUESTION.test(plain);
}

/** A tag in front ("[EXTERNAL]", another helpdesk's "[Cliente]"), or a reply's or a forward's prefix. */
const TAG = /^\s*\[[^\]]*\]\s*/;
const PREFIX = /^\s*(?:re|r|aw|sv|vs|res|resp|antw|fwd?|fw|rv|enc|tr|wg)\s*(?:\[\d+\])?\s*[:：]\s*/i;

const comparable = (text: string): string => text.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * What the reader wrote in a subject: without reply and forward prefixes and tags, and, in a reply (`reply`: the
 * mail has In-Reply-To or References, or a "Re:"-like prefix), without the title of a bulletin sent (`titles`,
 * every language's) when the subject is that title, alone or followed by separators and the reader's words. A
 * title may itself be a question ("RE: ¿Qué cambia con la reforma?" asks nothing; "RE: Reforma del IVA - duda
 * sobre personas morales" does). Never part of a word, and never in a fresh mail: "Consulta sobre retenciones"
 * asks even if a bulletin was titled "Consulta".
 */
export function writtenSubject(subject: string, titles: readonly string[], options: { reply?: boolean } = {}): string {
  let rest = withoutGatewayTags(subject);
  let reply = options.reply === true;
  for (let i = 0; i < 20 && (TAG.test(rest) || PREFIX.test(rest)); i++) {
    if (PREFIX.test(rest)) reply = true;
    rest = rest.replace(TAG, '').replace(PREFIX, '');
  }
  const text = comparable(rest);
  if (!reply) return text;
  for (const title of [...titles].map(comparable).filter((t) => t !== '').sort((a, b) => b.length - a.length)) {
    if (text === title) return '';
    // The title, then the reader's words after a separator; "Dudas" does not start with a title "Duda".
    const after = text.slice(title.length);
    if (text.startsWith(title) && /^[^\p{L}\p{N}]/u.test(after)) return after.replace(/^[\s\-–—:;,.|/()[\]]+/u, '').trim();
  }
  return text;
}

/** Whether a subject carries a reply's or a forward's prefix (behind tags): a reply's subject may hold a title. */
export function looksLikeReply(subject: string): boolean {
  let rest = withoutGatewayTags(subject);
  for (let i = 0; i < 20 && TAG.test(rest); i++) rest = rest.replace(TAG, '');
  return PREFIX.test(rest);
}
