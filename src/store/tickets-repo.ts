import type { TicketView } from '../domain/threading.js';
import { isTicketStatus, type TicketStatus } from '../domain/ticket-status.js';
import { domainOf } from '../domain/thread-refs.js';
import type { Tx } from './database.js';

export type StoredTicket = TicketView & { id: number; subject: string; impact: string; urgency: string };

const FIRST_TICKET_NUMBER = 1000;

const ticketInclude = { requester: true, ccs: true } as const;

function toView(row: {
  id: number;
  number: number;
  status: string;
  subject: string;
  impact: string;
  urgency: string;
  requester: { email: string; organisationId: number | null };
  ccs: Array<{ email: string }>;
}): StoredTicket {
  return {
    id: row.id,
    number: row.number,
    status: isTicketStatus(row.status) ? row.status : 'open',
    subject: row.subject,
    impact: row.impact,
    urgency: row.urgency,
    requester: row.requester.email,
    ccs: row.ccs.map((c) => c.email),
    organisationId: row.requester.organisationId,
  };
}

export async function ticketByNumber(tx: Tx, number: number): Promise<StoredTicket | null> {
  const row = await tx.ticket.findUnique({ where: { number }, include: ticketInclude });
  return row ? toView(row) : null;
}

/** For each Message-ID that some stored message has, the ticket it belongs to. */
export async function ticketsByMessageIds(tx: Tx, messageIds: string[]): Promise<Map<string, StoredTicket>> {
  const found = new Map<string, StoredTicket>();
  if (messageIds.length === 0) return found;
  const rows = await tx.message.findMany({
    where: { messageId: { in: messageIds.slice(-100) } },
    select: { messageId: true, ticket: { include: ticketInclude } },
  });
  for (const row of rows) if (row.messageId) found.set(row.messageId, toView(row.ticket));
  return found;
}

export async function messageByDedupKey(tx: Tx, dedupKey: string): Promise<{ ticketNumber: number } | null> {
  const row = await tx.message.findUnique({ where: { dedupKey }, select: { ticket: { select: { number: true } } } });
  return row ? { ticketNumber: row.ticket.number } : null;
}

export async function organisationIdForEmail(tx: Tx, email: string): Promise<number | null> {
  const row = await tx.organisationDomain.findUnique({ where: { domain: domainOf(email) } });
  return row?.organisationId ?? null;
}

/** Finds the sender's contact, creating it (linked to the organisation owning its domain) on first mail. */
export async function ensureContact(
  tx: Tx,
  email: string,
  name: string | null,
  guesses: { locale?: string | null; country?: string | null } = {},
): Promise<{ id: number; organisationId: number | null }> {
  const existing = await tx.contact.findUnique({ where: { email } });
  if (existing) {
    if (!existing.name && name) await tx.contact.update({ where: { id: existing.id }, data: { name } });
    return { id: existing.id, organisationId: existing.organisationId };
  }
  const organisationId = await organisationIdForEmail(tx, email);
  const organisation = organisationId ? await tx.organisation.findUnique({ where: { id: organisationId } }) : null;
  const created = await tx.contact.create({
    data: { email, name, organisationId, country: organisation?.country ?? guesses.country ?? null, locale: guesses.locale ?? null },
  });
  return { id: created.id, organisationId };
}

export interface NewTicket {
  subject: string;
  requesterId: number;
  impact: string;
  urgency: string;
  priority: string;
  followUpOfId?: number | null;
  ccs: string[];
  createdAt: Date;
  /** UNKNOWN_SENDER_POLICY=hold: held until the sender is authorised. */
  held?: boolean;
}

export async function createTicket(tx: Tx, input: NewTicket): Promise<{ id: number; number: number }> {
  const last = await tx.ticket.findFirst({ orderBy: { number: 'desc' }, select: { number: true } });
  const number = Math.max(FIRST_TICKET_NUMBER, (last?.number ?? 0) + 1);
  const ticket = await tx.ticket.create({
    data: {
      number,
      subject: input.subject,
      status: 'new',
      impact: input.impact,
      urgency: input.urgency,
      priority: input.priority,
      requesterId: input.requesterId,
      followUpOfId: input.followUpOfId ?? null,
      createdAt: input.createdAt,
      heldForAuthorisation: input.held ?? false,
      ccs: { create: [...new Set(input.ccs)].map((email) => ({ email })) },
    },
  });
  return { id: ticket.id, number };
}

export async function addCcs(tx: Tx, ticketId: number, emails: string[]): Promise<void> {
  for (const email of new Set(emails)) {
    await tx.ticketCc.upsert({ where: { ticketId_email: { ticketId, email } }, create: { ticketId, email }, update: {} });
  }
}

export async function setTicketStatus(tx: Tx, ticketId: number, status: TicketStatus, at: Date): Promise<void> {
  await tx.ticket.update({
    where: { id: ticketId },
    data: {
      status,
      updatedAt: at,
      ...(status === 'solved' ? { solvedAt: at } : {}),
      ...(status === 'closed' ? { closedAt: at } : {}),
    },
  });
}

export async function touchTicket(tx: Tx, ticketId: number, at: Date): Promise<void> {
  await tx.ticket.update({ where: { id: ticketId }, data: { updatedAt: at } });
}

export interface TicketEventInput {
  ticketId: number;
  type: string;
  actor: string;
  fromStatus?: string | null;
  toStatus?: string | null;
  detail?: string | null;
  at: Date;
}

export async function addTicketEvent(tx: Tx, e: TicketEventInput): Promise<void> {
  await tx.ticketEvent.create({
    data: {
      ticketId: e.ticketId,
      type: e.type,
      actor: e.actor,
      fromStatus: e.fromStatus ?? null,
      toStatus: e.toStatus ?? null,
      detail: e.detail ?? null,
      createdAt: e.at,
    },
  });
}

export interface NewMessage {
  ticketId: number;
  direction: 'in' | 'out';
  internal?: boolean;
  dedupKey: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  fromAddress: string;
  fromName: string | null;
  to: string[];
  cc: string[];
  subject: string;
  sentAt: Date | null;
  text: string;
  visibleText: string;
  html: string | null;
  rawSha256: string | null;
  createdAt: Date;
  attachments: Array<{ filename: string; contentType: string; size: number; sha256: string; contentId: string | null; inline: boolean }>;
}

export async function addMessage(tx: Tx, m: NewMessage): Promise<number> {
  const row = await tx.message.create({
    data: {
      ticketId: m.ticketId,
      direction: m.direction,
      internal: m.internal ?? false,
      dedupKey: m.dedupKey,
      messageId: m.messageId,
      inReplyTo: m.inReplyTo,
      references: m.references.join(' '),
      fromAddress: m.fromAddress,
      fromName: m.fromName,
      toList: JSON.stringify(m.to),
      ccList: JSON.stringify(m.cc),
      subject: m.subject,
      sentAt: m.sentAt,
      text: m.text,
      visibleText: m.visibleText,
      html: m.html,
      rawSha256: m.rawSha256,
      createdAt: m.createdAt,
      attachments: { create: m.attachments },
    },
  });
  return row.id;
}
