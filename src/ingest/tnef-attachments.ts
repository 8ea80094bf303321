import libmime from 'libmime';
import { normaliseMessageId } from '../domain/thread-refs.js';
import { safeFilename, storedContentType } from './attachment-names.js';
import type { AttachmentSpill } from './mail-parser-run.js';
import type { InboundAttachment } from './parse.js';
import { isTnef, tnefFiles, type TnefContents } from './tnef.js';
import { tnefBody, type MailBody } from './tnef-body.js';
import { readStreamedTnef, type StreamedTnef } from './tnef-stream-read.js';
import { htmlToText } from './visible-text/html-to-text.js';

const TNEF_TYPES = new Set(['application/ms-tnef', 'application/vnd.ms-tnef']);

/** By its type or name, and its first bytes (a streamed part's are in memory too). */
function isTnefPart(a: InboundAttachment): boolean {
  return (TNEF_TYPES.has(a.contentType) || /^win(mail)?\.dat$/i.test(a.filename)) && isTnef(a.content);
}

function looksLikeTnef(a: InboundAttachment): boolean {
  if (a.streamed) return false; // a big part of a big mail: only its first bytes are in memory
  return isTnefPart(a);
}

/** The files of winmail.dat `a` (null: it could not be read); or `a` itself, when it stays. */
function unpacked(a: InboundAttachment, contents: TnefContents | null): InboundAttachment[] {
  if (!contents || contents.files.length === 0) return [a];
  const files = contents.files.map((f, i): InboundAttachment => {
    const filename = safeFilename(f.filename, `winmail-${i + 1}`);
    return {
      filename,
      contentType: storedContentType(f.contentType ?? libmime.detectMimeType(filename), filename),
      content: f.content,
      contentId: normaliseMessageId(f.contentId),
      inline: false,
      ...(f.streamed ? { streamed: f.streamed } : {}),
    };
  });
  return contents.others > 0 ? [...files, a] : files;
}

/**
 * Each winmail.dat (tnef.ts) is replaced by the files in it, as the customer attached them. One that holds no
 * file, or cannot be read, stays as it came; one that also holds something else (an embedded message) stays
 * next to its files. Nothing is lost either way: the raw mail is kept.
 */
export function withTnefUnpacked(attachments: InboundAttachment[]): InboundAttachment[] {
  if (!attachments.some(looksLikeTnef)) return attachments;
  return attachments.flatMap((a) => (looksLikeTnef(a) ? unpacked(a, tnefFiles(a.content)) : [a]));
}

/** No text to show: none, or only white space (an HTML part without any text either). */
function isEmpty(body: MailBody): boolean {
  return body.text.trim() === '' && (body.html === null || htmlToText(body.html).trim() === '');
}

/**
 * The mail's body and attachments with its winmail.dat read: a mail with no text of its own (Outlook's "Rich Text"
 * sends it in winmail.dat alone) gets the text of the first winmail.dat that has one (tnef-body.ts); its files
 * replace it as withTnefUnpacked says.
 */
export async function withTnefRead(body: MailBody, attachments: InboundAttachment[]): Promise<MailBody & { attachments: InboundAttachment[] }> {
  // The winmail.dat first: every mail passes here, and an HTML-only one would pay htmlToText a second time.
  if (!attachments.some(looksLikeTnef) || !isEmpty(body)) return { ...body, attachments: withTnefUnpacked(attachments) };
  let inside: MailBody | null = null;
  for (const a of attachments.filter(looksLikeTnef)) if ((inside = await tnefBody(a.content))) break;
  return { ...(inside ?? body), attachments: withTnefUnpacked(attachments) };
}

/**
 * withTnefRead for a big mail's big winmail.dats (a few MB of screenshots or a PDF: a mail above 4 MiB is parsed as
 * a stream), which went to the blob store as it was parsed: each is read back as a stream (tnef-stream-read.ts),
 * never whole, its files stored as it is read (the big ones: as the mail's own parts are) and its body picked out
 * when the mail has no text of its own. The agent saw winmail.dat, then its files without the customer's text.
 */
export async function withStreamedTnefRead(body: MailBody, attachments: InboundAttachment[], spill: AttachmentSpill): Promise<MailBody & { attachments: InboundAttachment[] }> {
  const stored = (a: InboundAttachment): string | null => (a.streamed?.sha256 && isTnefPart(a) ? a.streamed.sha256 : null);
  if (!attachments.some(stored)) return { ...body, attachments };
  const wantsBody = isEmpty(body);
  let inside: MailBody | null = null;
  const out: InboundAttachment[] = [];
  for (const a of attachments) {
    const sha256 = stored(a);
    const read: StreamedTnef | null = sha256 ? await readStreamedTnef(spill.blobs.openRead(sha256), spill, wantsBody && !inside) : null;
    out.push(...(sha256 ? unpacked(a, read?.contents ?? null) : [a]));
    inside ??= read?.body ?? null;
  }
  return { ...(inside ?? body), attachments: out };
}
