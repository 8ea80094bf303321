import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { isGenericSubject } from './generic-subject.js';

// The references Ventanilla puts in its own mail so that answers find their ticket: a signed Message-ID,
// a signed plus-address, and the subject tag. Signatures are HMACs under SECRET_KEY, so a stranger cannot
// forge a reference to someone else's ticket (osTicket does the same with its Message-IDs).

function sign(secret: string, purpose: string, payload: string, length: number): string {
  return createHmac('sha256', secret).update(`${purpose}:${payload}`).digest('hex').slice(0, length);
}

/** Compares two signatures in constant time. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** "<Abc@X>" or "abc@x" -> "abc@x" without brackets; Message-IDs compare as opaque strings otherwise. */
export function normaliseMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const trimmed = value.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
  return trimmed.length > 0 && trimmed.length <= 998 ? trimmed : null;
}

/** Splits a References / In-Reply-To header value into normalised ids, oldest first. */
export function parseIdList(value: string | string[] | null | undefined): string[] {
  if (!value) return [];
  const text = Array.isArray(value) ? value.join(' ') : value;
  const bracketed = [...text.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1] as string);
  const ids = bracketed.length > 0 ? bracketed : text.split(/[\s,]+/);
  return ids.map(normaliseMessageId).filter((id): id is string => id !== null);
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

export function createSignedMessageId(secret: string, ticketNumber: number, domain: string): string {
  // 48 random bits: a version 4 UUID's first 12 hex digits (its version digit comes next). randomUUID draws
  // from a cached pool; randomBytes asks the kernel each time, which showed in the drain's profile.
  const uuid = randomUUID();
  const nonce = uuid.slice(0, 8) + uuid.slice(9, 13);
  return `vt.${ticketNumber}.${nonce}.${sign(secret, 'mid', `${ticketNumber}.${nonce}`, 16)}@${domain}`;
}

/** The ticket number a Message-ID of ours names, or null when it is not ours or its signature is wrong. */
export function verifySignedMessageId(secret: string, messageId: string): number | null {
  const match = /^vt\.(\d{1,12})\.([0-9a-f]{12})\.([0-9a-f]{16})@/i.exec(messageId);
  if (!match) return null;
  const [, number, nonce, signature] = match as unknown as [string, string, string, string];
  return sameText(signature.toLowerCase(), sign(secret, 'mid', `${number}.${nonce.toLowerCase()}`, 16)) ? Number(number) : null;
}

/** support@x.com + ticket 1042 -> support+1042-<sig>@x.com */
export function plusAddressFor(secret: string, supportAddress: string, ticketNumber: number): string {
  const at = supportAddress.lastIndexOf('@');
  return `${supportAddress.slice(0, at)}+${ticketNumber}-${sign(secret, 'plus', String(ticketNumber), 10)}${supportAddress.slice(at)}`;
}

/** Looks for our plus-address among the recipients; returns the ticket number it names when signed. */
export function ticketFromPlusAddress(secret: string, supportAddress: string, recipients: string[]): number | null {
  const at = supportAddress.lastIndexOf('@');
  const local = supportAddress.slice(0, at).toLowerCase();
  const domain = supportAddress.slice(at + 1).toLowerCase();
  for (const recipient of recipients) {
    // The ticket's part follows the last "+": the support address may have one of its own (soporte+mx@), and its
    // answers then came to soporte+mx+1042-<sig>@, which was read as no ticket's.
    const match = /^([^@]+)\+(\d{1,12})-([0-9a-f]{10})@(.+)$/i.exec(recipient.trim());
    if (!match) continue;
    const [, rLocal, number, signature, rDomain] = match as unknown as [string, string, string, string, string];
    if (rLocal.toLowerCase() !== local || rDomain.toLowerCase() !== domain) continue;
    if (sameText(signature.toLowerCase(), sign(secret, 'plus', number, 10))) return Number(number);
  }
  return null;
}

export function subjectTag(ticketNumber: number): string {
  return `[#${ticketNumber}]`;
}

// "[#1042]", also as typed by hand: "[# 1042]", "[ #1042 ]", or in full-width characters ("［＃１０４２］").
const TICKET_TAG = /[[［]\s*[#＃]\s*([0-9０-９]{1,12})\s*[\]］]/;

/**
 * Every ticket number tagged in the subject, first to last (at most 5). Other helpdesks write the same form
 * (osTicket's "[#8833] Re: [#1042] ..."): ours may not be the first.
 */
export function ticketsFromSubjectTags(subject: string): number[] {
  const numbers = [...subject.matchAll(new RegExp(TICKET_TAG.source, 'g'))].map((m) => Number((m[1] as string).normalize('NFKC')));
  return [...new Set(numbers)].slice(0, 5);
}

const REPLY_PREFIX = /^\s*(re|r|aw|sv|vs|res|resp|antw)\s*(\[\d+\])?\s*:\s*/i;
// "[Fwd: x]" is how older clients (Netscape, early Thunderbird) wrote a forward's subject.
const FORWARD_PREFIX = /^\s*\[?(fwd?|fw|rv|enc|tr|wg|reenviado|encaminhado)\s*:\s*/i;
// A tag a mail gateway puts in front of the subject ("[EXTERNAL]", "[SPAM?]"), or a ticket tag.
const LEADING_TAG = /^\s*\[[^\]]*\]\s*/;

/** The subject as compared with a ticket's: spaces and letter case aside. */
function comparable(subject: string): string {
  return subject.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * Whether a forward's prefix opens the subject behind leading tags, and behind reply prefixes when `throughReplies`;
 * not when what opens it there is `own`, a ticket's subject.
 */
function forwardPrefixed(subject: string, throughReplies: boolean, own?: string): boolean {
  // NFKC: a full-width colon ("RV：") is a colon.
  let rest = subject.normalize('NFKC');
  // Only a subject that is itself a forward's ("RV: x") can hide one; "R" or "Fw" must not pass for "RV: y".
  const ownText = own && FORWARD_PREFIX.test(own.normalize('NFKC')) ? comparable(own) : null;
  for (let i = 0; i < 10; i++) {
    const text = ownText && comparable(rest);
    if (text && (text === ownText || text.startsWith(`${ownText} `))) return false;
    if (FORWARD_PREFIX.test(rest)) return true;
    const next = (throughReplies ? rest.replace(REPLY_PREFIX, '') : rest).replace(LEADING_TAG, '');
    if (next === rest) return false;
    rest = next;
  }
  return false;
}

/**
 * Forwards start a new conversation: "Fwd:", "FW:", Spanish "RV:", Portuguese "Enc:", French "TR:"; "Re: Fwd:" too.
 * `ticketSubject`: the subject of the ticket the mail refers to. A ticket opened by a forward keeps its "RV: x"
 * (ticketSubject below), and its notices say "[#1000] RV: x": a reply to them, "RE: [#1000] RV: x", forwards nothing.
 */
export function isForwardSubject(subject: string, ticketSubject?: string): boolean {
  return forwardPrefixed(subject, true, ticketSubject);
}

/**
 * The mail is itself a forward ("RV: x", behind a gateway's "[EXTERNAL]" too), not a reply to one ("RE: RV: x"):
 * the message below its note is what it forwards, not a reply's history (visible-text/).
 */
export function forwardsAMessage(subject: string): boolean {
  return forwardPrefixed(subject, false);
}

/**
 * Whether a reply to one of our mails about ticket `number` was given another subject: it names the ticket neither
 * by its number ("[#1000]", or "#1000" as escalation mails write it) nor by its subject. Every mail of ours about a
 * ticket carries both, and replying keeps them: its writer replaced them to write about something else. A ticket
 * without a subject has none to keep; a reply without one replaced nothing.
 *
 * A generic subject ("Consulta", "Hola": generic-subject.ts) names no ticket: "Consulta sobre nómina" holds it, and
 * so does the customer's next "Consulta". Found by `via` our Message-ID (the writer answered our mail), the reply
 * must keep it as it was; found by the plus-address alone (an address book remembers it for every later mail), it
 * must name the ticket's number.
 */
export function repliesUnderAnotherSubject(subject: string, number: number, ticketSubjectText: string, via: 'message-id' | 'plus-address' = 'message-id'): boolean {
  if (ticketSubjectText === NO_SUBJECT || new RegExp(`#\\s*${number}(?!\\d)`).test(subject.normalize('NFKC'))) return false;
  const written = ticketSubject(subject, '');
  if (written === '') return false;
  if (isGenericSubject(ticketSubjectText)) return via === 'plus-address' || comparable(written) !== comparable(ticketSubjectText);
  return !comparable(written).includes(comparable(ticketSubjectText));
}

/**
 * The subject stored for a ticket whose mail had none: the desk's own language, which agents read in the
 * queue. It is a marker, not the customer's words: mail to the customer says it in theirs (subjectIn, locale.ts).
 */
export const NO_SUBJECT = '(sin asunto)';

// What corporate gateways write in front of a subject: Microsoft 365's and Proofpoint's "[EXTERNAL]", "[EXT]",
// Spanish and Portuguese desks' "[EXTERNO]", "[CORREO EXTERNO]", "[E-mail externo]", spam filters' "[SPAM?]",
// "[Suspected Spam]", SpamAssassin's "*****SPAM*****". Only these words: a customer's own "[URGENTE]" or
// "[Sucursal Norte]" is part of their subject.
const GATEWAY_WORDS =
  'ext|extern[oa]|external(?: (?:e-?mail|mail|sender|message))?|(?:correo|e-?mail|mail|mensaje|mensagem|remitente|remetente) extern[oa]|' +
  '(?:possible|suspected|posible|possível|suspeita de) spam|spam\\?*';
const GATEWAY_TAG = new RegExp(`^\\s*(?:\\[\\s*(?:${GATEWAY_WORDS})\\s*\\]|\\*+\\s*(?:${GATEWAY_WORDS})\\s*\\*+)\\s*`, 'i');

/** The subject without the tags mail gateways put in front of it: "[EXTERNAL] UNSUBSCRIBE" asks to unsubscribe. */
export function withoutGatewayTags(subject: string): string {
  let rest = subject;
  for (let i = 0; i < 10 && GATEWAY_TAG.test(rest); i++) rest = rest.replace(GATEWAY_TAG, '');
  return rest;
}

/**
 * The subject a new ticket gets, shown in every notice: reply prefixes, any ticket tag and the gateway tags
 * around the prefixes removed, never empty. A forward's prefix stays ("RV: x": a forward starts a conversation).
 */
export function ticketSubject(subject: string, fallback = NO_SUBJECT): string {
  let rest = subject.replace(new RegExp(TICKET_TAG.source, 'g'), ' ');
  let kept = '';
  for (let i = 0; i < 20; i++) {
    const forward = FORWARD_PREFIX.exec(rest);
    if (GATEWAY_TAG.test(rest)) rest = rest.replace(GATEWAY_TAG, '');
    else if (kept === '' && REPLY_PREFIX.test(rest)) rest = rest.replace(REPLY_PREFIX, '');
    else if (forward) {
      kept += forward[0];
      rest = rest.slice(forward[0].length);
    } else break;
  }
  rest = `${kept}${rest}`.replace(/\s+/g, ' ').trim();
  return wholeCharacters(rest || fallback, 500);
}

/**
 * The first `max` UTF-16 units of `text`, less the first half of a character cut in two (an emoji, a surrogate
 * pair): a lone half has no UTF-8 form, and every mail about the ticket showed "\uFFFD" where the subject was cut.
 */
function wholeCharacters(text: string, max: number): string {
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
