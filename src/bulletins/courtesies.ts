// Readers greet and sign off with words that look like questions: "¿Qué tal?", "Tudo bem?", "quedamos a sus
// órdenes para cualquier duda", "no questions from our side". Each opened a ticket and an acknowledgement per
// polite reader per bulletin; they are removed before looking for a question mark or an asking word.

import { isNameShaped, isSendersName } from '../domain/signature-block.js';

type Sender = { name: string | null; address: string };

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

/** A phone written as a part of its own, maybe labelled: "Tel. (55) 1234-5678", "Cel: +52 55 1234 5678 ext. 204". */
const PHONE_PART = /^(?:(?:tel|tel[eé]fono|telefone|cel|celular|m[oó]vil|mobile|phone|whatsapp|fax|oficina|office|[tmfc])\.?\s*:?\s*)?\+?[\d ().\/-]{7,}(?:\s*(?:ext|x)\.?\s*\d+)?$/iu;
/** A date, shaped like a phone: "2027-01-31", "31/01/2027". */
const DATE_PART = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;
/**
 * An address or a link anywhere in a part: "ana@cliente.mx", "www.cliente.mx", "cliente.mx/contacto". A domain's
 * labels are at most 63 characters: unbounded, a host was tried from every letter of a run, in the square of its length.
 */
const CONTACT_IN_PART = /\S@[\p{L}\p{N}-]{1,63}\.\p{L}|https?:\/\/|\bwww\.|[\p{L}\p{N}-]{1,63}\.\p{L}{2,63}\//iu;

/** A closing a signature follows, alone on its line: "Saludos", "Atentamente,", "Un saludo cordial", "Best regards". */
const CLOSING =
  /^(?:(?:muchos |un |cordiales |afectuosos )?saludos(?: cordiales| afectuosos)?|un (?:cordial )?saludo(?: cordial)?|un abrazo|abrazos|atentamente|atte|att|cordialmente|sinceramente|(?:best |kind |warm )?regards|best|cheers|sincerely|(?:um )?abra[cç]os?|atenciosamente|cumprimentos)[\s,.!]*$/iu;

/**
 * A one-line signature: parts divided by " | ", two dividers or more, the first the sender's own name, or a name
 * right below a closing ("Saludos" then "Lic. Laura Gómez | Contadora | ¿Ya conoces nuestro portal?": a shared
 * mailbox's From names no person), or one of them a contact detail (a phone, an address, a link). "Régimen 612 |
 * Sueldos | ¿aplica la prórroga?" is the reader's question, not a signature: every such line was cut at its first "|".
 */
function isOneLineSignature(line: string, sender: Sender | undefined, belowClosing: boolean): boolean {
  const parts = line.split(/\s\|\s/);
  if (parts.length < 3) return false;
  const first = parts[0] as string;
  if ((sender && isSendersName(first, sender)) || (belowClosing && isNameShaped(first))) return true;
  return parts.some((p) => (PHONE_PART.test(p.trim()) && !DATE_PART.test(p.trim())) || CONTACT_IN_PART.test(p));
}

/**
 * The text above a signature the reader's mail client set off: a "--" line, or a one-line signature whose
 * parts are divided by "|" ("Ana Pérez | Tel. 55 1234 | ¿Sabías que puedes facturar en línea?"), cut from its
 * first "|" (the lines after it are kept: a question below such a line is the reader's).
 */
export function aboveSignatureMarks(text: string, sender?: Sender): string {
  const lines = text.split('\n');
  const cut = lines.findIndex((l) => /^\s*(?:--|__+|—)\s*$/.test(l));
  const kept = cut < 0 ? lines : lines.slice(0, cut);
  return kept.map((l, i) => (isOneLineSignature(l, sender, i > 0 && CLOSING.test((kept[i - 1] as string).trim())) ? l.slice(0, l.search(/\s\|\s/)) : l)).join('\n');
}
