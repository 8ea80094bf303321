// Readers greet and sign off with words that look like questions: "¿Qué tal?", "Tudo bem?", "quedamos a sus
// órdenes para cualquier duda", "no questions from our side". Each opened a ticket and an acknowledgement per
// polite reader per bulletin; they are removed before looking for a question mark or an asking word.

const DOUBT = '(?:dudas?|preguntas?|consultas?|aclarac(?:i[oó]n|iones)|comentarios?)';
const DUVIDA = '(?:d[uú]vidas?|perguntas?|esclarecimentos?)';

const COURTESY = new RegExp(
  [
    // greetings
    '¿?\\s*qu[eé] tal(?: (?:todo|est[aá]n|est[aá]s|les va|le va|te va))?\\s*[?？]?',
    '¿?\\s*c[oó]mo (?:est[aá]n|est[aá]s|est[aá]|les va|le va|te va|van|va todo)(?: (?:todos|ustedes))?\\s*[?？]?',
    '¿?\\s*todo bien\\s*[?？]?',
    '¿?\\s*espero (?:que )?(?:est[eé]n|se encuentren|te encuentres|se encuentre) bien\\s*[?？]?',
    'tudo (?:bem|bom|certo)\\s*[?？]?', 'como (?:vai|v[aã]o|est[aá]o?)(?: voc[eê]s?)?\\s*[?？]?',
    "how (?:are|r) (?:you|u|things)(?: (?:doing|all))?\\s*[?？]?", "how(?:'s| is) it going\\s*[?？]?", 'hope (?:you are|you\'re|all is) well\\s*[?？]?',
    // sign-offs that offer help rather than ask for it
    `(?:quedamos|quedo|estamos|estoy|quedando) a (?:sus|tus|su) (?:[oó]rdenes|disposici[oó]n)`,
    `(?:para |ante |por |en caso de )?cualquier ${DOUBT}(?:\\s*\\(?\\s*(?:o|y|u|/)\\s*${DOUBT}\\s*\\)?)?(?:,? (?:les?|te|nos) (?:escribo|escribimos|aviso|avisamos|contacto|contactamos|consulto|buscamos|busco))?`,
    `(?:sin|no (?:tenemos|tengo|hay)(?: ninguna)?) (?:dudas?|preguntas?|consultas?)`,
    `(?:qualquer|em caso de) ${DUVIDA}(?:,? (?:entro|entramos|estou|estamos|fico|ficamos) (?:em contato|[àa] disposi[cç][aã]o))?`,
    `(?:sem|n[aã]o (?:temos|tenho)) (?:d[uú]vidas?|perguntas?)`,
    '(?:no|any)(?: further| other| more)? questions?(?: (?:from|on) (?:our|my) (?:side|end|part))?',
    "(?:if you have any questions?|do(?:n't| not) hesitate to (?:contact|reach|ask|write)|feel free to (?:contact|reach|ask|write))",
    '(?:me|nos|les?|te) (?:podr[ií]an?|puede|pueden) (?:ser|resultar|servir)(?: de)?(?: (?:muy|bastante|de gran))? (?:[uú]til(?:es)?|ayuda|utilidad)',
  ]
    .map((p) => `(?:${p})`)
    .join('|'),
  'giu',
);

/** The text without greetings and sign-offs that only look like a question or a request. */
export function withoutCourtesies(text: string): string {
  return text.replace(COURTESY, ' ');
}

/**
 * The text above a signature the reader's mail client set off: a "--" line, or a one-line signature whose
 * parts are divided by "|" ("Ana Pérez | Tel. 55 1234 | ¿Sabías que puedes facturar en línea?").
 */
export function aboveSignatureMarks(text: string): string {
  const lines = text.split('\n');
  const cut = lines.findIndex((l) => /^\s*(?:--|__+|—)\s*$/.test(l));
  return (cut < 0 ? lines : lines.slice(0, cut)).map((l) => ((l.match(/\s\|\s/g) ?? []).length >= 2 ? l.slice(0, l.search(/\s\|\s/)) : l)).join('\n');
}
