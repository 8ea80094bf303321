// Outlook (and most company mail) writes its signature with no "-- " line above it (the delimiter of RFC 3676,
// which visible-text/ cuts at): the sender's name, job, company, phones, address, and the company's disclaimer.
// Below a "¡Gracias!" it made the thanks look like more (thanks.ts), and the solved ticket reopened. A block is
// taken for a signature only when it starts with the sender's own name and every line of it is what signatures
// are made of; in doubt it is not one, and the reply keeps the rule's "a reply reopens".

import { saysSomethingIsOverdue } from './overdue-words.js';
import { readsAsSentence } from './sentence-words.js';

/** Lower case without accents: "Pérez" signs as "Perez" too. */
const fold = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** Titles written before or after a name: "Lic. Ana Pérez", "John Doe, Ph.D.". */
const HONORIFICS = new Set(['lic', 'ing', 'dr', 'dra', 'mtro', 'mtra', 'arq', 'cp', 'sr', 'sra', 'srta', 'mr', 'mrs', 'ms', 'eng', 'prof', 'phd', 'ph', 'mba']);

/** What labels a phone, mail or web line: "Tel.", "Cel:", "T:", "Office:", "ext. 204". */
const LABELS = new Set([
  'tel', 'telefono', 'telefone', 'tlf', 'phone', 'cel', 'celular', 'movil', 'mobile', 'cell', 'office', 'oficina', 'fax', 'ext',
  'extension', 'direct', 'directo', 'direto', 'whatsapp', 'pbx', 'conmutador', 'skype', 'email', 'e-mail', 'correo', 'web', 'site', 'sitio',
  't', 'm', 'f', 'e', 'w', 'p', 'c', 'd',
]);

/** Small words of company names, titles and addresses: "Gerente de Sistemas", "Av. Paseo de la Reforma". */
const CONNECTORS = new Set(['de', 'del', 'la', 'las', 'los', 'el', 'y', 'e', 'en', 'of', 'the', 'and', 'for', 'do', 'da', 'dos', 'das', 'at', 'du', 'et']);

/** A postscript's marks: "P.D.", "PS:", "N.B.", "Obs.". */
const POSTSCRIPT_MARKS = ['pd', 'p.d', 'ps', 'p.s', 'pps', 'p.p.s', 'nb', 'n.b', 'obs'];

/**
 * Words that object or ask: never part of a signature, whatever their capitals ("SIGUE SIN TIMBRAR",
 * "Can You Call Me", "Falta El XML"), nor is what follows a postscript's mark ("P.D.", "PS:").
 */
const OBJECTIONS = new Set([
  'no', 'not', 'nao', 'pero', 'but', 'sigue', 'still', 'todavia', 'aun', 'ainda', 'sin', 'sem', 'tampoco', 'nunca', 'never', 'nada',
  'error', 'erro', 'falla', 'fallo', 'problema', 'problem', 'favor', 'please', 'can', 'could', 'would', 'need', 'necesito', 'preciso',
  'ayuda', 'help', 'ajuda', 'urgente', 'urgent', 'tambien', 'tambem', 'also', 'otra', 'otro', 'outra', 'outro', 'another', 'again',
  'falta', 'faltan', 'falha', 'missing', 'broken', 'failed', 'fails',
  // What a complaint says of a document with no verb ("Factura Vacía", "Funciona Mal", "Pésimo Servicio").
  'vacia', 'vacio', 'vacias', 'vacios', 'vazia', 'vazio', 'empty', 'incorrecto', 'incorrecta', 'incorrectos', 'incorrectas',
  'incorreto', 'incorreta', 'incorrect', 'wrong', 'duplicado', 'duplicada', 'duplicados', 'duplicadas', 'duplicate', 'duplicated',
  'fallido', 'fallida', 'erroneo', 'erronea', 'errado', 'errada', 'equivocado', 'equivocada', 'incompleto', 'incompleta', 'mal',
  'pesimo', 'pesima', 'urge',
  // ... of a charge or the system ("Doble Cobro", "Timbrado Caído", "Acceso Bloqueado", "Payment Declined"). Not
  // "vencido" nor "pendiente" alone ("Cartera Vencida" is a department: overdue-words.ts tells), nor the nouns
  // "cobro", "charge" ("Person In Charge").
  'doble', 'double', 'twice', 'dobro', 'duplo', 'dupla', 'caido', 'caida', 'caidos', 'caidas', 'bloqueado', 'bloqueada',
  'bloqueados', 'bloqueadas', 'blocked', 'locked', 'rechazado', 'rechazada', 'rechazados', 'rechazadas', 'rejeitado', 'rejeitada',
  'recusado', 'recusada', 'rejected', 'declined', 'denied', 'cancelado', 'cancelada', 'cancelados', 'canceladas', 'cancelled',
  'canceled', 'lento', 'lenta', 'slow', 'travado', 'travada', 'invalido', 'invalida', 'invalid', 'outage',
  // Question words ask without their mark too, which customers leave out ("Como Descargo La Factura").
  'como', 'donde', 'cuando', 'que', 'cual', 'cuales', 'quien', 'quienes', 'cuanto', 'cuanta', 'cuantos', 'cuantas', 'porque',
  'onde', 'quando', 'quem', 'qual', 'quais', 'quanto', 'quanta', 'how', 'what', 'when', 'where', 'why', 'which', 'who',
  ...POSTSCRIPT_MARKS,
]);

/** A company's legal form: what a line in capitals must carry ("COMERCIALIZADORA DEL NORTE SA DE CV"). */
const LEGAL_FORMS = new Set(['sa', 'cv', 'sas', 'srl', 'ltda', 'lda', 'inc', 'llc', 'ltd', 'corp', 'sc', 'sac', 'spa', 'eirl', 'gmbh', 'grupo', 'group']);

/** Icons of contact lines (phone, mobile, mail, web, place); any other pictograph may mean something. */
const CONTACT_ICONS = new Set([...'📞☎📱✉📧🌐📍🏢📠']);

const ADDRESSES = /<?(?:mailto:|https?:\/\/)\S+|\S+@\S+\.\w+|\bwww\.\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|edu|gob|gov|mx|ar|bo|cl|co|cr|ec|py|pe|do|uy|us|pt|br|es|io)\b\S*/giu;

/** A line Outlook writes for an image of the signature (the company's logo). */
const IMAGE_LINE = /^\[(?:cid|image)[:\s][^\]]*\]$/i;

/** A company's legal notice or an "antes de imprimir" line: begins as one, and says what one says. */
const DISCLAIMER_OPENING =
  /^(?:aviso|nota|notice|disclaimer|confidencialidad|confidencial|confidentiality|confidential|privileged|importante|important|legal|este (?:correo|mensaje|e-?mail)|esta (?:mensagem|comunicacion|comunicacao)|this (?:e-?mail|message|communication|electronic)|the information|la informacion|as informacoes|a informacao|el contenido|o conteudo|antes de imprimir|before printing|please consider|por favor,? (?:considere|piense)|lgpd|la presente)\b/;
const DISCLAIMER_WORDS = /confiden|privileg|destinatari|intended recipient|addressee|privacidad|privacy|medio ambiente|meio ambiente|environment|datos personales|dados pessoais|lgpd/;

const isDisclaimer = (paragraph: string): boolean => {
  const text = fold(paragraph).replace(/\s+/g, ' ').trim();
  return DISCLAIMER_OPENING.test(text) && DISCLAIMER_WORDS.test(text);
};

/** "Ana Pérez | Gerente de Sistemas": the parts of one line of a signature. */
const partsOf = (line: string): string[] => line.split(/\s[|•·–—-]\s|\s\|/).map((p) => p.trim()).filter(Boolean);

const tokensOf = (text: string): string[] => text.match(/\p{L}[\p{L}'’.-]*/gu)?.map((t) => t.replace(/[.-]+$/, '')) ?? [];

/** The words of what may be a name: letters only, up to six words and 60 characters; null for anything else. */
function nameTokens(part: string): string[] | null {
  const tokens = tokensOf(part);
  return part.length > 60 || tokens.length === 0 || tokens.length > 6 || /[^\p{L}\s'’.,-]/u.test(part) ? null : tokens;
}

const isHonorific = (token: string): boolean => HONORIFICS.has(fold(token).replace(/\./g, ''));

/** The sender's name as a line of its own: "Ana Pérez", "Lic. Ana Pérez Gómez", "John E. Doe, Ph.D.". */
function isOwnName(part: string, own: Set<string>): boolean {
  const tokens = nameTokens(part);
  if (!tokens) return false;
  return tokens.some((t) => own.has(fold(t))) && tokens.every((t) => own.has(fold(t)) || isHonorific(t) || /^\p{Lu}/u.test(t));
}

/**
 * Written as a person's name, whoever's: capitalised words, titles, "de la" between them ("Lic. Laura de la Fuente",
 * "LAURA GÓMEZ"). Words only a name's shape: "Régimen Fiscal" has it too, so the caller asks for more (courtesies.ts).
 */
export function isNameShaped(part: string): boolean {
  const tokens = nameTokens(part.trim());
  return tokens !== null && tokens.every((t, i) => isHonorific(t) || /^\p{Lu}/u.test(t) || (i > 0 && CONNECTORS.has(fold(t))));
}

type Sender = { name: string | null; address: string };

/** The words of the sender's name, from the From name and the address's local part, folded. */
const ownNames = (sender: Sender): Set<string> => new Set(tokensOf(`${sender.name ?? ''} ${(sender.address.split('@')[0] ?? '').replace(/[._+-]/g, ' ')}`).map(fold));

/** Whether `part` is the sender's own name as a signature writes it: "Ana Pérez", "Lic. Ana Pérez Gómez". */
export function isSendersName(part: string, sender: Sender): boolean {
  return isOwnName(part.trim(), ownNames(sender));
}

/** A job, company, phone, mail, web or address line: labels and capitalised words, nothing asked or objected. */
function isSignatureLine(line: string): boolean {
  const text = line.trim();
  if (text === '' || IMAGE_LINE.test(text)) return true;
  if (text.length > 120 || /[?¿!]/.test(text)) return false;
  if ([...text.matchAll(/\p{Extended_Pictographic}/gu)].some(([icon]) => !CONTACT_ICONS.has(icon))) return false;
  const rest = text.replace(ADDRESSES, ' ');
  const words = tokensOf(rest);
  const folded = words.map(fold);
  if (folded.some((w) => OBJECTIONS.has(w)) || readsAsSentence(words) || saysSomethingIsOverdue(folded)) return false;
  const ok = words.every((w) => LABELS.has(fold(w).replace(/\./g, '')) || CONNECTORS.has(fold(w)) || /^\p{Lu}/u.test(w));
  // A line in capitals reads as a company only with its legal form: otherwise it may be a customer shouting.
  const shouted = words.filter((w) => w.length > 1).length > 1 && !/\p{Ll}/u.test(rest);
  return ok && (!shouted || words.some((w) => LEGAL_FORMS.has(fold(w).replace(/\./g, ''))));
}

/**
 * Signature lines, then maybe a company's notice to the end of the paragraph: with no blank line before it when
 * Outlook's HTML is read as text (its empty paragraphs leave no blank line).
 */
function isSignatureParagraph(lines: string[]): boolean {
  for (let k = 0; k < lines.length; k++) {
    // A postscript below the notice, no blank line between, is the sender's: "P.D. Falta el XML".
    if (isDisclaimer(lines.slice(k).join(' '))) return !lines.slice(k + 1).some(opensPostscript);
    if (!isSignatureLine(lines[k] ?? '')) return false;
  }
  return true;
}

const opensPostscript = (line: string): boolean => POSTSCRIPT_MARKS.includes(fold(tokensOf(line)[0] ?? ''));

/** Every paragraph of the block is signature lines or a company's notice. */
function isSignatureBlock(lines: string[]): boolean {
  const paragraphs = lines.join('\n').split(/\n\s*\n/).filter((p) => p.trim() !== '');
  return paragraphs.every((p) => isSignatureParagraph(p.split('\n')));
}

/**
 * The text above the sender's signature: the lines before one that holds their own name (from the From name or
 * address), when all that follows it is a signature. The whole text when there is no such signature, or when it
 * would start more than `within` characters down (the caller reads no more: a long mail is never scanned whole).
 */
export function aboveSignature(text: string, sender: Sender, within: number): string {
  const own = ownNames(sender);
  const lines = text.split('\n');
  for (let i = 0, above = 0; i < lines.length && above <= within; above += (lines[i] ?? '').length + 1, i++) {
    const [first, ...more] = partsOf(lines[i] ?? '');
    if (first === undefined || !isOwnName(first, own)) continue;
    if (isSignatureBlock([more.join('\n'), ...lines.slice(i + 1)])) return lines.slice(0, i).join('\n');
  }
  return text;
}
