// Outlook set to send "Rich Text" may put a mail's only body in winmail.dat: no text/plain or text/html part (or an
// empty one), the text in the message's properties, mostly as compressed RTF alone. The ticket had no text: the
// agent saw nothing of what the customer wrote. This reads that body.

import iconv from 'iconv-lite';
import { htmlToText } from './visible-text/html-to-text.js';
import { codepageLabel, decode8, LEVEL_MESSAGE, PT_BINARY, PT_LONG, propertyText, readProperties, readTnef, unlessMalformed, type TnefAttribute } from './tnef.js';

export interface MailBody {
  text: string;
  html: string | null;
}

const ATT_MSG_PROPS = 0x00069003; // the message's MAPI properties
const ATT_BODY = 0x0002800c; // the plain text, as older Outlooks wrote it beside them
/** The message attributes the body is read from (a stream read as it comes keeps only these: tnef-stream-read.ts). */
export const BODY_ATTRIBUTES: ReadonlySet<number> = new Set([ATT_MSG_PROPS, ATT_BODY]);

const PR_BODY = 0x1000;
const PR_RTF_COMPRESSED = 0x1009;
const PR_BODY_HTML = 0x1013; // PR_HTML when PT_BINARY
const PR_INTERNET_CPID = 0x3fde; // the code page of PR_HTML's bytes

interface Found {
  text: string | null;
  html: string | null;
  rtf: Buffer | null;
}

/**
 * The body of the message a TNEF stream carries: its plain text (PR_BODY) or HTML (PR_BODY_HTML) when the sender
 * included them, else what its compressed RTF says (rtf-body.ts). Null when it has none, or cannot be read.
 */
export async function tnefBody(content: Buffer): Promise<MailBody | null> {
  return bodyOf(readTnef(content, readBody));
}

/** The body of the message whose attributes (BODY_ATTRIBUTES, read from a stream) are these; as tnefBody. */
export async function tnefBodyOf(attributes: TnefAttribute[]): Promise<MailBody | null> {
  return bodyOf(unlessMalformed(() => readBody(attributes)));
}

async function bodyOf(found: Found | null): Promise<MailBody | null> {
  if (!found) return null;
  if (found.text) return { text: found.text, html: found.html };
  if (found.html) return { text: htmlToText(found.html), html: found.html };
  // Loaded when a mail needs it (~20 ms of module loading a process, an `ingest -` from an MTA's included, saved).
  const fromRtf = found.rtf ? (await import('./rtf-body.js')).rtfBody(found.rtf) : null;
  if (!fromRtf) return null;
  return 'html' in fromRtf ? { text: htmlToText(fromRtf.html), html: fromRtf.html } : { text: fromRtf.text, html: null };
}

function readBody(attributes: Iterable<TnefAttribute>): Found {
  const found: Found = { text: null, html: null, rtf: null };
  for (const { level, id, data, codepage } of attributes) {
    if (level !== LEVEL_MESSAGE) continue;
    if (id === ATT_BODY) found.text ||= decode8(data, codepage) || null;
    if (id !== ATT_MSG_PROPS) continue;
    const html: { bytes: Buffer | null; codepage: number } = { bytes: null, codepage };
    readProperties(data, (p) => {
      if (p.id === PR_BODY) found.text = propertyText(p, codepage) || found.text;
      else if (p.id === PR_RTF_COMPRESSED && p.type === PT_BINARY) found.rtf = p.value;
      else if (p.id === PR_BODY_HTML) {
        if (p.type === PT_BINARY) html.bytes = p.value;
        else found.html = propertyText(p, codepage) || found.html;
      } else if (p.id === PR_INTERNET_CPID && p.type === PT_LONG) html.codepage = p.value.readUInt32LE(0);
    });
    if (html.bytes) found.html = iconv.decode(html.bytes, codepageLabel(html.codepage)).replace(/\0+$/, '').trim() || found.html;
  }
  return found;
}
