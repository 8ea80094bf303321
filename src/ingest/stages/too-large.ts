import { ticketSubject } from '../../domain/thread-refs.js';
import { startTicket, type LifecycleDeps } from '../../lifecycle/transitions.js';
import { sizeOverLimit } from '../../outbound/locale.js';
import type { Tx } from '../../store/database.js';
import { addMessage, addTicketEvent, createTicket, ensureContact } from '../../store/tickets-repo.js';
import type { peekHeaders } from '../peek-headers.js';

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * A mail too large to parse is never dropped silently: it becomes a ticket (support sees it in the queue,
 * with the raw mail's hash), and the sender is told once how to send it instead.
 */
export async function openTooLargeTicket(
  tx: Tx,
  deps: LifecycleDeps,
  input: { peek: ReturnType<typeof peekHeaders> & { from: string }; dedupKey: string; sha256: string; size: number; limit: number; now: Date },
): Promise<number> {
  const contact = await ensureContact(tx, input.peek.from, null);
  const ticket = await createTicket(tx, {
    subject: ticketSubject(input.peek.subject ?? ''),
    requesterId: contact.id,
    impact: 'medium',
    urgency: 'medium',
    priority: 'normal',
    ccs: [],
    createdAt: input.now,
  });
  const note = `[${megabytes(input.size)} > ${megabytes(input.limit)}: the mail was not parsed; its raw copy is kept as ${input.sha256} (ventanilla raw-mail ${input.sha256} writes it out)]`;
  await addMessage(tx, {
    ticketId: ticket.id, direction: 'in', dedupKey: input.dedupKey, messageId: input.peek.messageId, inReplyTo: null, references: [],
    fromAddress: input.peek.from, fromName: null, to: [], cc: [], subject: input.peek.subject ?? '', sentAt: null, text: note, visibleText: note,
    html: null, rawSha256: input.sha256, createdAt: input.now, attachments: [],
  });
  await addTicketEvent(tx, { ticketId: ticket.id, type: 'too_large', actor: 'system', detail: note, at: input.now });
  await startTicket(tx, deps, ticket.id, input.now, {
    notice: 'too_large',
    idempotencyKey: `too_large:${input.sha256}`,
    body: sizeOverLimit(input.size, input.limit),
  });
  return ticket.number;
}
