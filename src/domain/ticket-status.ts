// Ticket statuses of DOMAIN.md and what an inbound reply does to each. Pure: no I/O.

export const TICKET_STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const STATUS_LABELS: Record<TicketStatus, { es: string; pt: string; en: string }> = {
  new: { es: 'Nuevo', pt: 'Novo', en: 'New' },
  open: { es: 'Abierto', pt: 'Aberto', en: 'Open' },
  pending: { es: 'Pendiente del cliente', pt: 'Pendente do cliente', en: 'Pending customer' },
  on_hold: { es: 'En espera de terceros', pt: 'Em espera de terceiros', en: 'On hold (third party)' },
  solved: { es: 'Resuelto', pt: 'Resolvido', en: 'Solved' },
  closed: { es: 'Cerrado', pt: 'Fechado', en: 'Closed' },
};

/** Support still owes these an answer or a fix: not solved, not closed. */
export const UNRESOLVED_STATUSES: readonly TicketStatus[] = ['new', 'open', 'pending', 'on_hold'];

export function isUnresolved(status: string): boolean {
  return (UNRESOLVED_STATUSES as readonly string[]).includes(status);
}

export function isTicketStatus(value: string): value is TicketStatus {
  return (TICKET_STATUSES as readonly string[]).includes(value);
}

export type ReplyEffect =
  | { kind: 'comment'; newStatus: TicketStatus | null; event: 'comment' | 'customer_answered' | 'reopened' }
  | { kind: 'follow_up' };

/**
 * What a customer's mail that answers a ticket does (DOMAIN.md rules 2-4): a complement to a pending
 * ticket sends it back to support (open); a reply within the validation window of a solved ticket
 * reopens it; a closed ticket is final, so the reply opens a follow-up ticket linked to it.
 */
export function effectOfReply(status: TicketStatus): ReplyEffect {
  switch (status) {
    case 'new':
    case 'open':
    case 'on_hold':
      return { kind: 'comment', newStatus: null, event: 'comment' };
    case 'pending':
      return { kind: 'comment', newStatus: 'open', event: 'customer_answered' };
    case 'solved':
      return { kind: 'comment', newStatus: 'open', event: 'reopened' };
    case 'closed':
      return { kind: 'follow_up' };
  }
}
