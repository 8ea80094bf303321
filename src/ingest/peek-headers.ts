import { normaliseMessageId } from '../domain/thread-refs.js';

/**
 * Reads Message-ID, From and Subject from the header block without parsing the body: used for mail too
 * large to parse, so the log still says whose mail it was.
 */
export function peekHeaders(raw: Buffer): { messageId: string | null; from: string | null; subject: string | null } {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n|\r\r/);
  const block = (end >= 0 ? head.slice(0, end) : head).replace(/(\r\n|\r|\n)[ \t]+/g, ' ').replace(/\r\n?/g, '\n');
  const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(block)?.[1]?.trim() ?? null;
  const from = header('From');
  return {
    messageId: normaliseMessageId(header('Message-ID')),
    from: from ? (/([^\s<>"]+@[^\s<>"]+)/.exec(from)?.[1]?.toLowerCase() ?? null) : null,
    subject: header('Subject'),
  };
}
