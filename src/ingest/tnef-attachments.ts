import libmime from 'libmime';
import { normaliseMessageId } from '../domain/thread-refs.js';
import { safeFilename, storedContentType } from './attachment-names.js';
import type { InboundAttachment } from './parse.js';
import { isTnef, tnefFiles } from './tnef.js';

const TNEF_TYPES = new Set(['application/ms-tnef', 'application/vnd.ms-tnef']);

function looksLikeTnef(a: InboundAttachment): boolean {
  if (a.streamed) return false; // a big part of a big mail: only its first bytes are in memory
  return (TNEF_TYPES.has(a.contentType) || /^win(mail)?\.dat$/i.test(a.filename)) && isTnef(a.content);
}

/**
 * Each winmail.dat (tnef.ts) is replaced by the files in it, as the customer attached them. One that holds no
 * file, or cannot be read, stays as it came; one that also holds something else (an embedded message) stays
 * next to its files. Nothing is lost either way: the raw mail is kept.
 */
export function withTnefUnpacked(attachments: InboundAttachment[]): InboundAttachment[] {
  if (!attachments.some(looksLikeTnef)) return attachments;
  return attachments.flatMap((a) => {
    if (!looksLikeTnef(a)) return [a];
    const contents = tnefFiles(a.content);
    if (!contents || contents.files.length === 0) return [a];
    const files = contents.files.map((f, i): InboundAttachment => {
      const filename = safeFilename(f.filename, `winmail-${i + 1}`);
      return {
        filename,
        contentType: storedContentType(f.contentType ?? libmime.detectMimeType(filename), filename),
        content: f.content,
        contentId: normaliseMessageId(f.contentId),
        inline: false,
      };
    });
    return contents.others > 0 ? [...files, a] : files;
  });
}
