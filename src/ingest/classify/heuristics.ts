/**
 * Bounces without (usable) RFC 3464 fields: the human-readable notices of Exim, qmail, Sendmail, Postfix,
 * Exchange, Gmail, Yahoo, Lotus Notes, DragonFly, OpenSMTPD, ... Generic rather than one parser per agent:
 *   1. cut the notice from the copy of the original message that follows it (the "----- Original message
 *      -----" style separators, or the first quoted header block);
 *   2. find the failed recipients: lines that start with an address ("  user@example.org", "<user@example.org>:",
 *      "user@example.org (expanded from ...)"), addresses after "delivering your mail to", "Unknown user:",
 *      "RCPT TO:<...>" in a session transcript, "<user@...>... User unknown";
 *   3. give each recipient the lines that follow it as its diagnostic.
 * Addresses of the notice itself (its To, From, Return-Path) and of the original sender are never recipients.
 */
import { findAddresses, isDaemonAddress, toLines, type FoundAddress } from './text.js';

export interface HeuristicRecipient {
  address: string;
  /** 1: a line about this address; 2: a session transcript naming it; 3: the only address mentioned. */
  tier: 1 | 2 | 3;
  /** The lines that follow the recipient (up to the next recipient), whitespace-collapsed. */
  block: string;
}

export interface Notice {
  /** The notice lines, before the copy of the original message. */
  lines: string[];
  /** The lines of the copy of the original message (or its headers), if the body carries one. */
  original: string[];
}

/** Separator lines such as "------ This is a copy of the message, including all the headers. ------". */
const DECORATED = /^\s*(?:[-=*_#]{2,}|\*{1,})\s*.*\b(?:copy of|original message|original mail|unsent message|returned message|rejected message|undelivered message|message header|headers? of (?:the )?(?:original|returned|your)|original headers|message text follows|message follows|returned mail follows|below this line)\b/i;
/** Whole-line separators without decoration. */
const PLAIN_SEPARATOR =
  /^\s*(?:original message follows|below is a copy of the original message|message headers follow|original message( headers)?|included is a copy of the message header|the header of the original message is following|below this line is a copy of the message|the original message (?:headers? )?(?:is|are|was) (?:attached|below|as follows)|a copy of the original message (?:is attached|follows|below)|the text of your message was|your message reads(?: \(in part\))?|original message text|headers? (?:of|from) (?:the|your) (?:original )?message(?: follows?| below)?|-+ ?original message ?-+)\s*[:.\-=]*\s*$/i;
/** The first line of a quoted header block (the original message pasted inline). */
const HEADER_START = /^(?:Return-Path|Received|DKIM-Signature|X-Received|ARC-Seal|ARC-Message-Signature|Authentication-Results|Delivered-To|X-Google-Smtp-Source|DomainKey-Signature|X-Originating-IP):/i;
const HEADERISH = /^(?:[A-Za-z][A-Za-z0-9-]{1,40}:|[ \t]+\S)/;

/** Splits the body into the notice and the quoted original that follows it. */
export function splitNotice(body: string): Notice {
  const lines = toLines(body);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (DECORATED.test(line) || PLAIN_SEPARATOR.test(line)) return { lines: lines.slice(0, i), original: lines.slice(i + 1) };
    if (HEADER_START.test(line) && HEADERISH.test(lines[i + 1] ?? '')) return { lines: lines.slice(0, i), original: lines.slice(i) };
  }
  return { lines, original: [] };
}

/** Lines that name a sender or an id, not a recipient: "MAIL FROM:<...>", "envelope-from", "Message-ID: <...>". */
const SENDER_CONTEXT = /(?:mail from|envelope-from|return-path|sender|from:|message-id|in-reply-to|references|reply-to)\s*:?\s*<?$/i;
/** Phrases that put a recipient address after them on the same line. */
const BEFORE_RECIPIENT =
  /(?:\bto\s*<?$|\brecipient(?:s|\(s\))?(?: address)?\s*:?\s*<?$|\baddress(?:es|\(es\))?\s*:?\s*<?$|\bunknown user\s*:?\s*<?$|\buser unknown\s*:?\s*<?$|\bno such (?:user|mailbox|recipient)\s*:?\s*<?$|\bfailed\s*:?\s*<?$|\binvalid (?:recipient|address)\s*:?\s*<?$|\bmailbox\s*:?\s*<?$|\bundeliverable\s*:?\s*<?$|\brcpt to\s*:?\s*<?$|\bfor\s*<?$)/i;
/** Too generic on their own: "to" is only trusted after a delivery verb. */
const DELIVERY_TO = /\b(?:deliver(?:y|ing|ed)?|sent|sending|send|transmit\w*|forward\w*|relay\w*|reach(?:ed)?|addressed|message)\b[^@]{0,60}\bto\s*:?\s*<?$/i;
/** Help lines ("please contact <postmaster@...>") and header listings ("To: ...") name no failed recipient. */
const NOT_RECIPIENT = /(?:contact|assistance|question|help|support|administrator|send (?:e-?)?mail to|write to|reply to|report (?:this|it) to)\b[^@]{0,40}$|^\s*(?:to|cc|bcc)\s*:[^@]*$/i;
/** A session transcript line naming the recipient. */
const RCPT_TO = /\brcpt\s+to\s*:\s*<?$/i;

function excluded(address: string, own: Set<string>, senders: Set<string>): boolean {
  return own.has(address) || senders.has(address);
}

type Tier = 1 | 2 | 3;

interface Hit {
  address: string;
  line: number;
  tier: Tier;
}

/** Which tier a found address belongs to: 1 = the line is about it, 2 = a transcript mention, 3 = mentioned at all. */
function tierOf(line: string, found: FoundAddress, indexOnLine: number): Tier | null {
  const before = line.slice(0, found.start);
  const after = line.slice(found.end);
  if (SENDER_CONTEXT.test(before.trimEnd()) || NOT_RECIPIENT.test(before)) return null;
  // Inside a URL or a "mailto:" that repeats the address just before it.
  if (/(?:https?:\/\/\S*|mailto:)$/i.test(before)) return /mailto:$/i.test(before) && indexOnLine > 0 ? null : 3;
  const lead = before.replace(/^[\s*\-•>|]+/, '').replace(/^["'<(\[]+$/, '');
  if (indexOnLine === 0 && lead === '') return 1;
  if (RCPT_TO.test(before.trimEnd())) return 2;
  if (indexOnLine === 0 && (DELIVERY_TO.test(before.trimEnd()) || BEFORE_RECIPIENT.test(before.trimEnd()))) return 1;
  // Sendmail style "<user@example.org>... User unknown".
  if (/^>\.\.\.\s/.test(after)) return 2;
  return 3;
}

/** The failed recipients named in a bounce notice, best evidence first. */
export function noticeRecipients(notice: Notice, own: Set<string>, senders: Set<string>, limit = 50): HeuristicRecipient[] {
  const hits: Hit[] = [];
  notice.lines.forEach((line, index) => {
    const found = findAddresses(line, 10);
    found.forEach((f, i) => {
      if (excluded(f.address, own, senders)) return;
      const tier = tierOf(line, f, i);
      // A postmaster or MAILER-DAEMON address is only a recipient when the line is about it.
      if (tier !== null && (tier === 1 || !isDaemonAddress(f.address))) hits.push({ address: f.address, line: index, tier });
    });
  });
  if (!hits.some((h) => h.tier === 1)) {
    // The notice's own addressee can still be the failed recipient (a mail to oneself, an anonymised sample)
    // when a line is nothing but that address: "<user@example.org>:" as qmail and Yahoo write it.
    notice.lines.forEach((line, index) => {
      const m = /^\s*<?([^\s<>]+@[^\s<>]+?)>?:?\s*$/.exec(line);
      const address = m ? findAddresses(m[1] as string, 1)[0]?.address : undefined;
      if (address && !isDaemonAddress(address)) hits.push({ address, line: index, tier: 1 });
    });
  }
  for (const tier of [1, 2, 3] as const) {
    const chosen: Hit[] = [];
    const seen = new Set<string>();
    for (const hit of hits) {
      if (hit.tier !== tier || seen.has(hit.address)) continue;
      seen.add(hit.address);
      chosen.push(hit);
    }
    // A mention without context is only trusted when it is the only one.
    if (chosen.length === 0 || (tier === 3 && chosen.length > 1)) continue;
    if (tier === 2) {
      // A transcript ("While talking to ...: >>> RCPT To:<a> <<< 550 ... / 550 <a>... User unknown"): each
      // recipient gets the lines after the previous recipient's last mention up to its own last mention,
      // that last line (the verdict) first, since codes are read from the start of a block.
      const last = new Map<string, number>();
      for (const h of hits) if (h.tier === 2) last.set(h.address, Math.max(last.get(h.address) ?? -1, h.line));
      return chosen.slice(0, limit).map((hit, i) => {
        const previous = chosen[i - 1];
        const start = Math.max(previous ? (last.get(previous.address) ?? previous.line) + 1 : 0, hit.line - 8);
        const lines = notice.lines.slice(start, (last.get(hit.address) ?? hit.line) + 1);
        return { address: hit.address, tier, block: [lines.at(-1) ?? '', ...lines.slice(0, -1)].join('\n') };
      });
    }
    // "a@b: reason", or "a@b" followed by (indented) details: the lines up to the next recipient.
    return chosen.slice(0, limit).map((hit, i) => {
      const end = Math.max(hit.line + 1, Math.min(chosen[i + 1]?.line ?? notice.lines.length, hit.line + 40));
      return { address: hit.address, tier, block: notice.lines.slice(hit.line, end).join('\n') };
    });
  }
  return [];
}

/** The recipients a quoted or attached original was addressed to (To, then Cc), as a last resort. */
export function originalRecipients(headers: Map<string, string[]>, own: Set<string>, senders: Set<string>): string[] {
  const out: string[] = [];
  for (const name of ['to', 'cc']) {
    for (const value of headers.get(name) ?? []) {
      for (const f of findAddresses(value, 20)) {
        if (!excluded(f.address, own, senders) && !isDaemonAddress(f.address) && !out.includes(f.address)) out.push(f.address);
      }
    }
  }
  return out;
}
