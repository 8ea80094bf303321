import { verifySignedMessageId } from '../../domain/thread-refs.js';
import type { Tx } from '../../store/database.js';
import type { InboundOutcome } from '../../store/inbound-log-repo.js';
import { addMessage, addTicketEvent, ticketByNumber, ticketsByMessageIds, type NewMessage } from '../../store/tickets-repo.js';
import type { BounceRecipient, MailKind } from '../classify/bounce.js';

type Report = Extract<MailKind, { kind: 'bounce' } | { kind: 'complaint' }>;

function describe(report: Report): string {
  if (report.kind === 'complaint') return `complaint (${report.feedbackType ?? 'abuse'}) about ${report.recipients.map((r) => r.address).join(', ') || 'an unnamed recipient'}`;
  return report.recipients
    .map((r) => `${r.address}: ${verdict(r)}${r.status ? ` ${r.status}` : ''}${r.replyCode ? ` (${r.replyCode})` : ''}${r.diagnostic ? ` ${r.diagnostic.slice(0, 200)}` : ''}`)
    .join('; ') || 'bounce with no recipient named';
}

function verdict(r: BounceRecipient): string {
  if (r.delayed) return 'delivery delayed (still being retried)';
  return r.hard ? 'hard bounce' : 'soft bounce';
}

/** The ticket's event: a report whose every recipient is still being tried only delayed the notice. */
function eventType(report: Report): string {
  if (report.kind === 'complaint') return 'notification_complaint';
  return report.recipients.length > 0 && report.recipients.every((r) => r.delayed) ? 'notification_delayed' : 'notification_bounced';
}

/**
 * Delivery reports are never tickets. When the mail that bounced was one of a ticket's notifications, the
 * report becomes an internal note on that ticket so the agents know the customer did not get it (or, for a
 * delay warning, not yet).
 */
export async function recordDeliveryReport(
  tx: Tx,
  input: { report: Report; secret: string; message: Omit<NewMessage, 'ticketId' | 'createdAt' | 'direction'>; now: Date },
): Promise<{ outcome: InboundOutcome; ticketNumber: number | null; detail: string }> {
  const { report } = input;
  const detail = describe(report);
  const original = report.originalMessageId;
  const number = original ? verifySignedMessageId(input.secret, original) : null;
  const ticket = number !== null ? await ticketByNumber(tx, number) : original ? ((await ticketsByMessageIds(tx, [original])).get(original)?.[0] ?? null) : null;
  if (ticket) {
    await addMessage(tx, { ...input.message, visibleText: detail, ticketId: ticket.id, direction: 'in', internal: true, createdAt: input.now });
    await addTicketEvent(tx, { ticketId: ticket.id, type: eventType(report), actor: 'system', detail, at: input.now });
  }
  return { outcome: report.kind, ticketNumber: ticket?.number ?? null, detail };
}
