import { sizeOverLimit } from '../../outbound/locale.js';
import type { Tx } from '../../store/database.js';
import { addMessage, addTicketEvent } from '../../store/tickets-repo.js';
import type { PeekedHeaders } from '../peek-headers.js';

// What a mail too large to parse leaves on the ticket it opens or goes on (too-large.ts, too-large-close-undone.ts):
// a note in place of its content, and the too_large notice asking its sender to send it again smaller.

export const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

export interface TooLargeNoteInput {
  peek: PeekedHeaders & { from: string };
  dedupKey: string;
  sha256: string;
  size: number;
  limit: number;
  now: Date;
}

/** The too_large notice's request: once per raw mail, its size and the limit said in the customer's language. */
export const tooLargeNotice = (input: Pick<TooLargeNoteInput, 'sha256' | 'size' | 'limit'>) => ({
  notice: 'too_large' as const,
  idempotencyKey: `too_large:${input.sha256}`,
  body: sizeOverLimit(input.size, input.limit),
});

/**
 * The mail's note (not parsed, its raw copy kept) as a message of the ticket, with its `too_large` event. Read once
 * the limit is raised, the mail's content takes the note's place (too-large-read.ts).
 */
export async function addTooLargeNote(tx: Tx, ticketId: number, input: TooLargeNoteInput): Promise<void> {
  const note = `[${megabytes(input.size)} > ${megabytes(input.limit)}: the mail was not parsed; its raw copy is kept as ${input.sha256} (ventanilla raw-mail ${input.sha256} writes it out)]`;
  await addMessage(tx, {
    ticketId, direction: 'in', dedupKey: input.dedupKey, messageId: input.peek.messageId, inReplyTo: null, references: [],
    fromAddress: input.peek.from, fromName: input.peek.fromName, to: [], cc: [], subject: input.peek.subject ?? '', sentAt: null, text: note, visibleText: note,
    html: null, rawSha256: input.sha256, createdAt: input.now, attachments: [],
  });
  await addTicketEvent(tx, { ticketId, type: 'too_large', actor: 'system', detail: note, at: input.now });
}
